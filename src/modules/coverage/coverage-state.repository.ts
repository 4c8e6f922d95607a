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

  async save(fields: Partial<Omit<CoverageStateDocument, 'organizationId'>>): Promise<void> {
    await this.model.updateOne(this.scope(), { $set: fields }, { upsert: true });
  }
}
