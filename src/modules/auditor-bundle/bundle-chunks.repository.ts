import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { type Model, Types } from 'mongoose';
import { TenantRepository } from '#src/common/tenancy/tenant.repository';
import { BundleChunkDocument } from './bundle-export.schema';

const QUERY_MAX_TIME_MS = 30_000;

/** The bytes of the organization in context's exports, in numbered chunks. */
@Injectable()
export class BundleChunksRepository extends TenantRepository<BundleChunkDocument> implements OnModuleInit {
  constructor(@InjectModel(BundleChunkDocument.name) model: Model<BundleChunkDocument>) {
    super(model);
  }

  async onModuleInit(): Promise<void> {
    await this.model.init();
  }

  async insert(exportId: string, n: number, data: Buffer): Promise<void> {
    await this.model.create(
      this.owned({ _id: `${exportId}:${n}`, exportId: new Types.ObjectId(exportId), n, data }),
    );
  }

  async find(exportId: string, n: number): Promise<Buffer | undefined> {
    const doc = await this.model
      .findOne(this.scope({ _id: `${exportId}:${n}` }))
      .lean<{ data: Buffer | { buffer: Buffer } }>()
      .maxTimeMS(QUERY_MAX_TIME_MS);
    if (doc === null) return undefined;
    return Buffer.isBuffer(doc.data) ? doc.data : Buffer.from(doc.data.buffer);
  }

  /** Removes an export's bytes (a failed export's, or one superseded by newer ones). */
  async deleteOf(exportId: string): Promise<void> {
    await this.model.deleteMany(this.scope({ exportId: new Types.ObjectId(exportId) }));
  }
}
