import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable, Optional } from '@nestjs/common';
import { DomainEvents } from '#src/common/events/domain-events';
import './audit.events';
import { TenantEvents } from '#src/common/graphql/tenant-events';
import { OrgContext } from '#src/common/tenancy/org-context';
import {
  assertNoSecretKeys,
  type AuditEntry,
  type ChainVerification,
  GENESIS_HASH,
  hashAuditEntry,
  verifyChain,
} from './audit-chain';
import { AuditRepository, type AuditLogQuery } from './audit.repository';
import { type AuditAction } from './audit.schema';

export const AUDIT_APPENDED = 'audit.appended';
const MAX_APPEND_ATTEMPTS = 50;

export interface AuditRecord {
  readonly action: AuditAction;
  readonly target: { readonly type: string; readonly id: string };
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * The only writer of the audit log. Appends one link to the organization's hash chain (actor and
 * organization from the context); concurrent appends race on the unique `{organizationId, seq}` index
 * and the loser retries on the new head, so the chain stays gap-free without transactions.
 */
@Injectable()
export class AuditService {
  constructor(
    private readonly repository: AuditRepository,
    private readonly events: TenantEvents,
    // Absent in a context without the event bus (the CLI): checkpoints then wait for the hourly pass.
    @Optional() private readonly domainEvents?: DomainEvents,
  ) {}

  async append(record: AuditRecord): Promise<AuditEntry> {
    const details = record.details ?? {};
    assertNoSecretKeys(details);
    const { organizationId, actor } = OrgContext.current();
    for (let attempt = 1; ; attempt++) {
      const head = await this.repository.head();
      const content = {
        organizationId,
        seq: (head?.seq ?? 0) + 1,
        at: new Date(),
        actor,
        action: record.action,
        target: record.target,
        details,
        prevHash: head?.hash ?? GENESIS_HASH,
      };
      try {
        const entry = await this.repository.insert({ ...content, hash: hashAuditEntry(content) });
        await this.events.publish(AUDIT_APPENDED, entry);
        await this.domainEvents?.emit('audit.appended', { seq: entry.seq, hash: entry.hash, at: entry.at });
        return entry;
      } catch (error) {
        if (!isDuplicateKey(error) || attempt >= MAX_APPEND_ATTEMPTS) throw error;
        await sleep(Math.floor(Math.random() * 5 * Math.min(attempt, 10)));
      }
    }
  }

  findById(id: string): Promise<AuditEntry | undefined> {
    return this.repository.findById(id);
  }

  page(query: AuditLogQuery, limit: number): Promise<AuditEntry[]> {
    return this.repository.page(query, limit);
  }

  verify(): Promise<ChainVerification> {
    return verifyChain(this.repository.chain());
  }

  /** The chain from entry 1 to entry `uptoSeq` in `seq` order, streamed. */
  entries(uptoSeq: number): AsyncGenerator<AuditEntry> {
    return this.repository.chain(uptoSeq);
  }

  /** The chain's newest entry (seq, hash, time), if any. */
  head(): Promise<{ seq: number; hash: string; at: Date } | undefined> {
    return this.repository.head();
  }

  /** The hash of entry `seq`, if it exists. */
  async hashAt(seq: number): Promise<string | undefined> {
    return (await this.repository.findBySeq(seq))?.hash;
  }
}

function isDuplicateKey(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;
}
