import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { type Model } from 'mongoose';
import { TenantRepository } from '#src/common/tenancy/tenant.repository';
import { LeaseDocument } from './lease.schema';

/**
 * Time-bounded mutual exclusion across instances, per organization and key (`refresh:<connectionId>`,
 * `sync:<connectionId>`). Acquiring is an insert against a unique index: atomic on MongoDB and on
 * FerretDB alike. (A conditional `updateOne`/`findOneAndUpdate` is not atomic on FerretDB 1.x: with 8
 * concurrent claimants it let ~3 win per round; see docs/adr/0004.) An expired lease is removed by the
 * next claimant, so a crashed holder blocks others for at most its TTL.
 */
@Injectable()
export class LeaseLock extends TenantRepository<LeaseDocument> implements OnModuleInit {
  constructor(@InjectModel(LeaseDocument.name) model: Model<LeaseDocument>) {
    super(model);
  }

  async onModuleInit(): Promise<void> {
    await this.model.init();
  }

  async tryAcquire(key: string, owner: string, ttlMs: number): Promise<boolean> {
    const now = new Date();
    await this.model.deleteOne(this.scope({ key, until: { $lte: now } }));
    try {
      await this.model.create(this.owned({ key, owner, until: new Date(now.getTime() + ttlMs) }));
      return true;
    } catch (error) {
      if ((error as { code?: unknown }).code === 11000) return false;
      throw error;
    }
  }

  /**
   * Like `tryAcquire`, but waits up to `waitMs` for the current holder to release (polling with jitter).
   * For short critical sections that must run one at a time; false when the lease stayed taken.
   */
  async acquire(key: string, owner: string, ttlMs: number, waitMs: number): Promise<boolean> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      if (await this.tryAcquire(key, owner, ttlMs)) return true;
      if (Date.now() >= deadline) return false;
      await sleep(Math.min(25 + Math.floor(Math.random() * 50), Math.max(deadline - Date.now(), 1)));
    }
  }

  /** Extends a lease still held by `owner`; false when it was lost (expired and taken). */
  async renew(key: string, owner: string, ttlMs: number): Promise<boolean> {
    const result = await this.model.updateOne(this.scope({ key, owner }), {
      $set: { until: new Date(Date.now() + ttlMs) },
    });
    return result.matchedCount === 1;
  }

  async release(key: string, owner: string): Promise<void> {
    await this.model.deleteOne(this.scope({ key, owner }));
  }
}
