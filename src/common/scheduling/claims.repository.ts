import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { type Model } from 'mongoose';
import { TenantRepository } from '#src/common/tenancy/tenant.repository';
import { ClaimDocument } from './claim.schema';

/** The claims collection of the organization in context; what a claim means is `OnceClaims`'. */
@Injectable()
export class ClaimsRepository extends TenantRepository<ClaimDocument> implements OnModuleInit {
  constructor(@InjectModel(ClaimDocument.name) model: Model<ClaimDocument>) {
    super(model);
  }

  async onModuleInit(): Promise<void> {
    await this.model.init();
  }

  /** Inserts the claim on `key`; false when it exists (the unique index refused it). */
  async insert(key: string, at: Date): Promise<boolean> {
    try {
      await this.model.create(this.owned({ key, at }));
      return true;
    } catch (error) {
      if ((error as { code?: unknown }).code === 11000) return false;
      throw error;
    }
  }
}
