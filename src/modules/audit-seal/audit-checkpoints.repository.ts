import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { type Model } from 'mongoose';
import { TenantRepository } from '#src/common/tenancy/tenant.repository';
import { AuditCheckpointDocument } from './audit-seal.schema';

export type AuditCheckpoint = Omit<AuditCheckpointDocument, '_id' | 'organizationId'>;

/** The organization in context's audit checkpoints (insert-only). */
@Injectable()
export class AuditCheckpointsRepository
  extends TenantRepository<AuditCheckpointDocument>
  implements OnModuleInit
{
  constructor(@InjectModel(AuditCheckpointDocument.name) model: Model<AuditCheckpointDocument>) {
    super(model);
  }

  async onModuleInit(): Promise<void> {
    await this.model.init();
  }

  async latest(): Promise<AuditCheckpoint | undefined> {
    const doc = await this.model
      .findOne(this.scope())
      .sort({ seq: -1 })
      .lean<AuditCheckpointDocument>()
      .maxTimeMS(10_000);
    return doc ?? undefined;
  }

  /** Inserts one; a checkpoint of that seq already stored (by another instance) is fine. */
  async insert(checkpoint: AuditCheckpoint): Promise<void> {
    try {
      await this.model.create(this.owned(checkpoint));
    } catch (error) {
      if ((error as { code?: unknown }).code !== 11000) throw error;
    }
  }
}
