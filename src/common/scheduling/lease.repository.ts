import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { type Model } from 'mongoose';
import { TenantRepository } from '#src/common/tenancy/tenant.repository';
import { LeaseDocument } from './lease.schema';

/** The leases collection of the organization in context; the locking itself is `LeaseLock`'s. */
@Injectable()
export class LeaseRepository extends TenantRepository<LeaseDocument> implements OnModuleInit {
  constructor(@InjectModel(LeaseDocument.name) model: Model<LeaseDocument>) {
    super(model);
  }

  async onModuleInit(): Promise<void> {
    await this.model.init();
  }

  /** Removes the lease on `key` if it expired by `now`. */
  async deleteExpired(key: string, now: Date): Promise<void> {
    await this.model.deleteOne(this.scope({ key, until: { $lte: now } }));
  }

  /** Inserts the lease; false when one on `key` exists (the unique index refused it). */
  async insert(key: string, owner: string, until: Date): Promise<boolean> {
    try {
      await this.model.create(this.owned({ key, owner, until }));
      return true;
    } catch (error) {
      if ((error as { code?: unknown }).code === 11000) return false;
      throw error;
    }
  }

  /** Moves the expiry of the lease `owner` holds on `key`; false when it holds none. */
  async extend(key: string, owner: string, until: Date): Promise<boolean> {
    const result = await this.model.updateOne(this.scope({ key, owner }), { $set: { until } });
    return result.matchedCount === 1;
  }

  async delete(key: string, owner: string): Promise<void> {
    await this.model.deleteOne(this.scope({ key, owner }));
  }
}
