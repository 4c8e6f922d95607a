import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { type AppConfig } from '#src/config/app-config';
import { APP_CONFIG } from '#src/config/config.module';
import { OnDomainEvent } from '#src/common/events/domain-events';
import { startIntervalJob, stopIntervalJob } from '#src/common/scheduling/interval-job';
import { OrgContext } from '#src/common/tenancy/org-context';
import { canonicalJson } from '#src/common/util/canonical-json';
import '#src/modules/audit/audit.events';
import { AuditService } from '#src/modules/audit/audit.service';
import { OrganizationsSystemService } from '#src/modules/organizations/organizations-system.service';
import { type AuditCheckpoint, AuditCheckpointsRepository } from './audit-checkpoints.repository';
import { SigningKeyService, verifySignature } from './signing-key.service';

const JOB = 'audit-checkpoints';
const EVERY_MS = 3_600_000;

/** What `verifyAuditChain` reports: the chain's links, and its tail against the last signed checkpoint. */
export interface SealedChainVerification {
  readonly ok: boolean;
  readonly checked: number;
  readonly firstBrokenSeq: number | null;
  /** Entries the last checkpoint vouches for are missing from the end of the chain. */
  readonly truncated: boolean;
  readonly missingFromSeq: number | null;
  readonly missingToSeq: number | null;
  readonly checkpointSeq: number | null;
  readonly checkpointAt: Date | null;
  /** The checkpoint's signature verifies with the organization's key (null: no checkpoint yet). */
  readonly checkpointSignatureValid: boolean | null;
}

/** The bytes a checkpoint's signature covers (documented; an auditor recomputes them). */
export function checkpointPayload(organizationId: string, seq: number, hash: string, at: Date): string {
  return canonicalJson({ type: 'audit-checkpoint', v: 1, organizationId, seq, hash, at: at.toISOString() });
}

/**
 * Tail protection for the audit chain: after every append (the `audit.appended` event) and at least hourly,
 * a signed checkpoint of the head is stored outside the entries collection. Deleting the newest entries
 * then shows: the chain still links, but ends before the checkpoint.
 */
@Injectable()
export class AuditSealService implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('AuditSeal');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly scheduler: SchedulerRegistry,
    private readonly organizations: OrganizationsSystemService,
    private readonly audit: AuditService,
    private readonly checkpoints: AuditCheckpointsRepository,
    private readonly keys: SigningKeyService,
  ) {}

  onModuleInit(): void {
    startIntervalJob(this.scheduler, this.config.role, JOB, EVERY_MS, () => this.checkpointAll());
  }

  onApplicationShutdown(): void {
    stopIntervalJob(this.scheduler, JOB);
  }

  private readonly inFlight = new Map<string, { again: boolean; done: Promise<void> }>();

  /**
   * Never holds up the append (which may run under a connection's auth lease): the checkpoint is written in
   * the background, one at a time per organization, always of the newest head (appends in between coalesce).
   */
  @OnDomainEvent('audit.appended')
  onAppended(): void {
    const organizationId = OrgContext.organizationId();
    const current = this.inFlight.get(organizationId);
    if (current !== undefined) {
      current.again = true;
      return;
    }
    const state = { again: false, done: Promise.resolve() };
    this.inFlight.set(organizationId, state);
    state.done = OrgContext.runAsSystem(organizationId, JOB, async () => {
      try {
        do {
          state.again = false;
          await this.checkpointHead();
        } while (state.again);
      } catch (error) {
        this.logger.warn(
          `checkpoint of organization ${organizationId} failed (the hourly pass retries): ${error instanceof Error ? error.message : String(error)}`,
        );
      } finally {
        this.inFlight.delete(organizationId);
      }
    });
  }

  /** Waits for the background checkpoints (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight.values()].map((s) => s.done));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.settled();
  }

  /** For every organization whose head has no checkpoint yet (an append whose checkpoint failed, the CLI). */
  async checkpointAll(): Promise<number> {
    let written = 0;
    try {
      for await (const organizationId of this.organizations.allOrganizationIds()) {
        // One organization's failure (its key unusable, a timeout) does not stop the others'.
        try {
          written += await OrgContext.runAsSystem(organizationId, JOB, () => this.checkpointHead());
        } catch (error) {
          this.logger.error(
            `checkpoint of organization ${organizationId} failed: ${error instanceof Error ? error.message : String(error)}`,
          );
        }
      }
    } catch (error) {
      this.logger.error(`checkpoint pass failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    return written;
  }

  latestCheckpoint(): Promise<AuditCheckpoint | undefined> {
    return this.checkpoints.latest();
  }

  async verify(): Promise<SealedChainVerification> {
    // The checkpoint first: the chain only grows, so an honest chain walked after it reaches at least its seq.
    const latest = await this.checkpoints.latest();
    const chain = await this.audit.verify();
    const none = {
      truncated: false,
      missingFromSeq: null,
      missingToSeq: null,
      checkpointSeq: null,
      checkpointAt: null,
      checkpointSignatureValid: null,
    };
    if (latest === undefined) return { ...chain, ...none };
    const signed = await this.signatureHolds(latest);
    const lastSeq = chain.ok ? chain.checked : (chain.firstBrokenSeq ?? 1) - 1;
    const truncated = chain.ok && lastSeq < latest.seq;
    // The entry the checkpoint names must still be the one it signed.
    const replaced = chain.ok && !truncated && (await this.audit.hashAt(latest.seq)) !== latest.hash;
    return {
      ok: chain.ok && !truncated && !replaced && signed,
      checked: chain.checked,
      firstBrokenSeq: replaced ? latest.seq : chain.firstBrokenSeq,
      truncated,
      missingFromSeq: truncated ? lastSeq + 1 : null,
      missingToSeq: truncated ? latest.seq : null,
      checkpointSeq: latest.seq,
      checkpointAt: latest.at,
      checkpointSignatureValid: signed,
    };
  }

  /** Checkpoints the current head unless it already has one; returns how many it wrote. */
  private async checkpointHead(): Promise<number> {
    const head = await this.audit.head();
    const latest = await this.checkpoints.latest();
    if (head === undefined || (latest !== undefined && latest.seq >= head.seq)) return 0;
    await this.checkpoint(head);
    return 1;
  }

  private async checkpoint(head: { seq: number; hash: string; at: Date }): Promise<void> {
    const at = new Date();
    const payload = checkpointPayload(OrgContext.organizationId(), head.seq, head.hash, at);
    const { signature, fingerprint } = await this.keys.sign(payload);
    await this.checkpoints.insert({
      seq: head.seq,
      hash: head.hash,
      at,
      signature,
      keyFingerprint: fingerprint,
    });
  }

  private async signatureHolds(checkpoint: AuditCheckpoint): Promise<boolean> {
    const key = await this.keys.publicKey();
    const payload = checkpointPayload(
      OrgContext.organizationId(),
      checkpoint.seq,
      checkpoint.hash,
      checkpoint.at,
    );
    return (
      checkpoint.keyFingerprint === key.fingerprint &&
      verifySignature(payload, checkpoint.signature, key.publicKey)
    );
  }
}
