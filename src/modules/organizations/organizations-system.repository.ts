import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { type Model, Types } from 'mongoose';
import { OrganizationDocument } from './organization.schema';

export interface Organization {
  readonly id: string;
  readonly name: string;
  readonly createdAt: Date;
}

/**
 * SYSTEM repository: the one place that reads across tenants. It reads the organizations collection
 * only (to enumerate tenants for jobs and to find an organization's wrapped data key); it must never
 * grow queries over tenant collections.
 */
@Injectable()
export class OrganizationsSystemRepository {
  constructor(@InjectModel(OrganizationDocument.name) private readonly model: Model<OrganizationDocument>) {}

  async insert(org: {
    id: string;
    name: string;
    dataKeyCiphertext: Buffer;
    keyProvider: 'aws' | 'local';
  }): Promise<Organization> {
    const doc = await this.model.create({
      _id: new Types.ObjectId(org.id),
      name: org.name,
      dataKeyCiphertext: org.dataKeyCiphertext,
      keyProvider: org.keyProvider,
    });
    return { id: doc._id.toHexString(), name: doc.name, createdAt: doc.createdAt };
  }

  async findById(id: string): Promise<Organization | undefined> {
    const doc = await this.model.findById(id, { name: 1, createdAt: 1 }).lean();
    return doc === null ? undefined : { id: doc._id.toHexString(), name: doc.name, createdAt: doc.createdAt };
  }

  async exists(id: string): Promise<boolean> {
    return (await this.model.exists({ _id: id })) !== null;
  }

  async rename(id: string, name: string): Promise<Organization | undefined> {
    // No projection: FerretDB 1.x does not support `fields` on findAndModify.
    const doc = await this.model
      .findByIdAndUpdate(id, { $set: { name } }, { returnDocument: 'after' })
      .lean();
    return doc === null ? undefined : { id: doc._id.toHexString(), name: doc.name, createdAt: doc.createdAt };
  }

  async wrappedDataKey(id: string): Promise<Buffer | undefined> {
    const doc = await this.model.findById(id, { dataKeyCiphertext: 1 }).lean();
    if (doc === null) return undefined;
    const raw: unknown = doc.dataKeyCiphertext;
    // `.lean()` yields the driver's Binary; normalise to a Buffer.
    return Buffer.isBuffer(raw) ? raw : Buffer.from((raw as { buffer: Uint8Array }).buffer);
  }

  /** Every organization (id, name, creation time), in creation order, for operators (`cli org list`). */
  async *all(): AsyncGenerator<Organization> {
    const cursor = this.model.find({}, { name: 1, createdAt: 1 }).sort({ _id: 1 }).lean().cursor();
    for await (const doc of cursor) {
      yield { id: doc._id.toHexString(), name: doc.name, createdAt: doc.createdAt };
    }
  }

  /** Every organization id, in creation order, for jobs that run per tenant. */
  async *allOrganizationIds(): AsyncGenerator<string> {
    for await (const doc of this.model.find({}, { _id: 1 }).sort({ _id: 1 }).lean().cursor()) {
      yield doc._id.toHexString();
    }
  }
}
