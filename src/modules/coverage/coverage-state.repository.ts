import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { type Model } from 'mongoose';
import { TenantRepository } from '#src/common/tenancy/tenant.repository';
import { CoverageStateDocument } from './coverage.schema';

@Injectable()
export class CoverageStateRepository extends TenantRepository<CoverageStateDocument> {
  constructor(@InjectModel(CoverageStateDocument.name) model: Model<CoverageStateDocument>) {
    super(model);
  }

  async get(): Promise<CoverageStateDocument | undefined> {
    return (await this.model.findOne(this.scope()).lean<CoverageStateDocument>()) ?? undefined;
  }

  /**
   * Writes the organization's one state document. Two first writes at once (two requests computing the
   * first state) race in the upsert: the loser's insert hits the unique index, and it updates the winner's.
   */
  async save(fields: Partial<Omit<CoverageStateDocument, 'organizationId'>>): Promise<void> {
    try {
      await this.model.updateOne(this.scope(), { $set: fields }, { upsert: true });
    } catch (error) {
      if ((error as { code?: unknown }).code !== 11000) throw error;
      await this.model.updateOne(this.scope(), { $set: fields });
    }
  }
}
