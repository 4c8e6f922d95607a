import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { LeaseLock } from '#src/common/scheduling/lease-lock';

/** A holder's work is a few database writes; the TTL only bounds how long a crashed holder blocks others. */
const LEASE_TTL_MS = 30_000;
const WAIT_MS = 10_000;

export type Locked<T> = { readonly acquired: true; readonly value: T } | { readonly acquired: false };

/**
 * One authorization change of a connection at a time, across instances: a callback storing new tokens, a
 * refresh storing rotated ones, a status change after a failed refresh, and a revoke all run under the
 * lease `auth:<connectionId>` (docs/adr/0007). Holders do database work only (network calls and key
 * service calls happen before or after), so waiting for the lease is short.
 */
@Injectable()
export class ConnectionAuthLock {
  private readonly instance = randomBytes(6).toString('hex');

  constructor(private readonly leases: LeaseLock) {}

  /** Runs `fn` holding the connection's auth lease, waiting up to 10 s for it; `acquired: false` if it can't. */
  async run<T>(connectionId: string, fn: () => Promise<T>): Promise<Locked<T>> {
    const key = `auth:${connectionId}`;
    const owner = `${this.instance}:${randomBytes(4).toString('hex')}`;
    if (!(await this.leases.acquire(key, owner, LEASE_TTL_MS, WAIT_MS))) return { acquired: false };
    try {
      return { acquired: true, value: await fn() };
    } finally {
      await this.leases.release(key, owner);
    }
  }
}
