import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { type Model } from 'mongoose';
import { TenantRepository } from '#src/common/tenancy/tenant.repository';
import { SigningKeyDocument } from './audit-seal.schema';

export type StoredSigningKey = Omit<SigningKeyDocument, '_id' | 'organizationId'>;

/** The organization in context's signing key. */
@Injectable()
export class SigningKeysRepository extends TenantRepository<SigningKeyDocument> implements OnModuleInit {
  constructor(@InjectModel(SigningKeyDocument.name) model: Model<SigningKeyDocument>) {
    super(model);
  }

  async onModuleInit(): Promise<void> {
    await this.model.init();
  }

  async find(): Promise<StoredSigningKey | undefined> {
    return (await this.model.findOne(this.scope()).lean<SigningKeyDocument>().maxTimeMS(10_000)) ?? undefined;
  }

  /** Stores the first key; false when another instance stored one first (the unique index decides). */
  async insertFirst(key: StoredSigningKey): Promise<boolean> {
    try {
      await this.model.create(this.owned(key));
      return true;
    } catch (error) {
      if ((error as { code?: unknown }).code === 11000) return false;
      throw error;
    }
  }
}
