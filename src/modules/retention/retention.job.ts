import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { startIntervalJob, stopIntervalJob } from '#src/common/scheduling/interval-job';
import { type AppConfig } from '#src/config/app-config';
import { APP_CONFIG } from '#src/config/config.module';
import { OrgContext } from '#src/common/tenancy/org-context';
import { AuditService } from '#src/modules/audit/audit.service';
import { ChangesService } from '#src/modules/changes/changes.service';
import { ConnectionsService } from '#src/modules/connections/connections.service';
import { SyncService } from '#src/modules/connectors/sync/sync.service';
import { EvidenceRetentionService } from '#src/modules/evidence/evidence-retention.service';
import { EvidenceService } from '#src/modules/evidence/evidence.service';
import { OrganizationsSystemService } from '#src/modules/organizations/organizations-system.service';

const JOB = 'retention-purge';
const EVERY_MS = 3_600_000;
const DAY = 86_400_000;

/**
 * Hourly on `worker`/`all` instances: once a revoked connection is older than `RETENTION_DAYS`, removes its
 * evidence rows that no assessment holds, its run records and its change feed. Rows attached to an assessment (and every
 * locked row) stay, and so do the runs they were collected by; the audit log is never purged. Each purge
 * is audited.
 */
@Injectable()
export class RetentionJob implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Retention');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly scheduler: SchedulerRegistry,
    private readonly organizations: OrganizationsSystemService,
    private readonly connections: ConnectionsService,
    private readonly runs: SyncService,
    private readonly evidence: EvidenceService,
    private readonly retained: EvidenceRetentionService,
    private readonly audit: AuditService,
    private readonly changes: ChangesService,
  ) {}

  onModuleInit(): void {
    startIntervalJob(this.scheduler, this.config.role, JOB, EVERY_MS, () => this.run());
  }

  onApplicationShutdown(): void {
    stopIntervalJob(this.scheduler, JOB);
  }

  /** One pass over every organization; returns how many connections' histories were purged. */
  async run(now: Date = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - this.config.retentionDays * DAY);
    let purged = 0;
    try {
      for await (const organizationId of this.organizations.allOrganizationIds()) {
        purged += await OrgContext.runAsSystem(organizationId, 'retention', async () => {
          let count = 0;
          for (const connection of await this.connections.revokedBefore(cutoff)) {
            const evidenceRows = await this.evidence.purgeUnattached(connection.id);
            // Runs the remaining (attached or locked) evidence points to stay with it.
            const keep = await this.retained.retainedRunIds(connection.id);
            const runs = await this.runs.purgeRuns(connection.id, keep);
            // The change feed is derived from the history: it goes with the rows it compared.
            const changes = await this.changes.deleteForConnection(connection.id);
            await this.connections.markPurged(connection.id, now);
            await this.audit.append({
              action: 'RETENTION_PURGE',
              target: { type: 'connection', id: connection.id },
              details: {
                retentionDays: this.config.retentionDays,
                evidenceRows,
                runs,
                runsKept: keep.length,
                changes,
              },
            });
            count += 1;
          }
          return count;
        });
      }
    } catch (error) {
      this.logger.error(`retention purge failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    return purged;
  }
}
