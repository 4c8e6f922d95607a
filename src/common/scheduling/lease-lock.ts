import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable } from '@nestjs/common';
import { LeaseRepository } from './lease.repository';

/**
 * Time-bounded mutual exclusion across instances, per organization and key (`refresh:<connectionId>`,
 * `sync:<connectionId>`). Acquiring is an insert against a unique index: atomic on MongoDB and on
 * FerretDB alike. (A conditional `updateOne`/`findOneAndUpdate` is not atomic on FerretDB 1.x: with 8
 * concurrent claimants it let ~3 win per round; see docs/adr/0004.) An expired lease is removed by the
 * next claimant, so a crashed holder blocks others for at most its TTL.
 */
@Injectable()
export class LeaseLock {
  constructor(private readonly leases: LeaseRepository) {}

  async tryAcquire(key: string, owner: string, ttlMs: number): Promise<boolean> {
    const now = new Date();
    await this.leases.deleteExpired(key, now);
    return this.leases.insert(key, owner, new Date(now.getTime() + ttlMs));
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
  renew(key: string, owner: string, ttlMs: number): Promise<boolean> {
    return this.leases.extend(key, owner, new Date(Date.now() + ttlMs));
  }

  release(key: string, owner: string): Promise<void> {
    return this.leases.delete(key, owner);
  }
}
