import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { type AppConfig } from '#src/config/app-config';
import { APP_CONFIG } from '#src/config/config.module';
import { LeaseLock } from '#src/common/scheduling/lease-lock';
import { AuditService } from '#src/modules/audit/audit.service';
import { ConnectionsService } from '#src/modules/connections/connections.service';
import { type ConnectorRun, ConnectorRunsRepository } from './connector-runs.repository';

/**
 * Runs whose instance is gone. A RUNNING run's heartbeat renews its lease `sync:<connectionId>` every third
 * of `SYNC_LEASE_TTL_MS`; when the instance dies (SIGKILL, a crash, a shutdown that could not finish), the
 * lease expires. Whoever then takes the lease marks the run ABANDONED, audits it as SYNC_FAILURE (code
 * ABANDONED) and makes the connection due at once. Holding the lease is what proves the owner gone, and it
 * keeps two instances from doing this twice.
 */
@Injectable()
export class AbandonedRuns {
  private readonly logger = new Logger('Sync');
  private readonly owner = `${randomBytes(6).toString('hex')}:reclaim`;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly runs: ConnectorRunsRepository,
    private readonly leases: LeaseLock,
    private readonly connections: ConnectionsService,
    private readonly audit: AuditService,
  ) {}

  /**
   * For the scheduler, in an organization's context: RUNNING runs without a heartbeat for a lease period
   * whose lease is free are marked ABANDONED, and their connections are due now. Skips runs `isLocal`
   * says this instance is running. Returns the runs it marked.
   */
  async reclaim(now: Date, isLocal: (runId: string) => boolean): Promise<ConnectorRun[]> {
    const stale = await this.runs.findStale(new Date(now.getTime() - this.config.sync.leaseTtlMs));
    const marked: ConnectorRun[] = [];
    for (const connectionId of new Set(stale.filter((r) => !isLocal(r.id)).map((r) => r.connectionId))) {
      const key = `sync:${connectionId}`;
      if (!(await this.leases.tryAcquire(key, this.owner, this.config.sync.leaseTtlMs))) continue; // alive
      try {
        const abandoned = await this.abandonAll(connectionId, now);
        if (abandoned.length > 0) await this.connections.recordSync(connectionId, { nextSyncAt: now });
        marked.push(...abandoned);
      } finally {
        await this.leases.release(key, this.owner);
      }
    }
    return marked;
  }

  /** Marks the connection's RUNNING runs ABANDONED and audits each; the caller holds its sync lease. */
  async abandonAll(connectionId: string, now: Date): Promise<ConnectorRun[]> {
    const marked: ConnectorRun[] = [];
    for (const run of await this.runs.findAllRunning(connectionId)) {
      if (!(await this.runs.markAbandoned(run.id, now))) continue;
      this.logger.warn(`run ${run.id} of connection ${connectionId} was abandoned by its instance`);
      await this.audit.append({
        action: 'SYNC_FAILURE',
        target: { type: 'connection', id: connectionId },
        details: {
          runId: run.id,
          status: 'ABANDONED',
          code: 'ABANDONED',
          startedAt: run.startedAt.toISOString(),
          items: run.stats.reduce((n, s) => n + s.items, 0),
          inserted: run.stats.reduce((n, s) => n + s.inserted, 0),
          closed: run.stats.reduce((n, s) => n + s.closed, 0),
          apiCalls: run.stats.reduce((n, s) => n + s.apiCalls, 0),
        },
      });
      marked.push(run);
    }
    return marked;
  }
}
