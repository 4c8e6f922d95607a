import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnModuleInit,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { startIntervalJob, stopIntervalJob } from '#src/common/scheduling/interval-job';
import { type AppConfig } from '#src/config/app-config';
import { APP_CONFIG } from '#src/config/config.module';
import { OrgContext } from '#src/common/tenancy/org-context';
import { OrganizationsSystemService } from '#src/modules/organizations/organizations-system.service';
import { SyncService } from './sync.service';

const TICK = 'connector-sync-tick';

interface DueConnection {
  readonly organizationId: string;
  readonly connectionId: string;
  readonly dueAt: number;
}

/**
 * Every `SCHEDULER_TICK_MS` (on `worker` and `all` instances): enumerates organizations through the one
 * system repository. Inside each organization's context it first marks runs whose instance is gone
 * (heartbeat older than a lease period, lease free) ABANDONED, which makes their connections due at once,
 * then gathers its due connections (no more than it may start). Then it starts them oldest-due first across all organizations, skipping an organization at
 * `MAX_CONCURRENT_SYNCS_PER_ORG` and stopping at `MAX_CONCURRENT_SYNCS`: one tenant's connections can
 * never hold every worker, so another tenant's due sync starts on the next tick. Claiming is the lease in
 * `SyncService.start`; syncs run in the background, so a tick stays short.
 */
@Injectable()
export class SyncScheduler implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('SyncScheduler');
  private ticking = false;
  private current: Promise<number> | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: SchedulerRegistry,
    private readonly organizations: OrganizationsSystemService,
    private readonly sync: SyncService,
  ) {}

  onModuleInit(): void {
    startIntervalJob(this.registry, this.config.role, TICK, this.config.schedulerTickMs, () => this.tick());
  }

  /**
   * Stops ticking before `SyncService` waits for its runs, and lets a tick in flight finish: both before the
   * database closes, so a tick never queries a closed client.
   */
  async beforeApplicationShutdown(): Promise<void> {
    stopIntervalJob(this.registry, TICK);
    await this.current;
  }

  /** One pass; returns how many syncs it started. Overlapping ticks are skipped. */
  async tick(now: Date = new Date()): Promise<number> {
    if (this.ticking || this.sync.isStopping) return 0;
    this.ticking = true;
    this.current = this.pass(now);
    try {
      return await this.current;
    } finally {
      this.ticking = false;
    }
  }

  private async pass(now: Date): Promise<number> {
    try {
      const due = await this.gatherDue(now);
      return await this.startFairly(due);
    } catch (error) {
      this.logger.error(`scheduler tick failed: ${message(error)}`);
      return 0;
    }
  }

  private async gatherDue(now: Date): Promise<DueConnection[]> {
    const organizationIds: string[] = [];
    for await (const id of this.organizations.allOrganizationIds()) organizationIds.push(id);
    const due: DueConnection[] = [];
    for (const organizationId of organizationIds) {
      try {
        const connections = await OrgContext.runAsSystem(organizationId, 'scheduler', async () => {
          await this.sync.reclaimAbandoned(now);
          const room = this.sync.roomFor(organizationId);
          return room === 0 ? [] : this.sync.due(now, room);
        });
        for (const connection of connections)
          due.push({
            organizationId,
            connectionId: connection.id,
            dueAt: connection.nextSyncAt?.getTime() ?? 0,
          });
      } catch (error) {
        this.logger.warn(
          `could not list due connections of organization ${organizationId}: ${message(error)}`,
        );
      }
    }
    return due.sort((a, b) => a.dueAt - b.dueAt);
  }

  private async startFairly(due: readonly DueConnection[]): Promise<number> {
    const claimed: string[] = [];
    for (const next of due) {
      if (this.sync.roomFor(next.organizationId) === 0) continue;
      try {
        const result = await OrgContext.runAsSystem(next.organizationId, 'scheduler', () =>
          this.sync.start(next.connectionId, 'schedule'),
        );
        if (result.started) claimed.push(next.connectionId);
      } catch (error) {
        this.logger.warn(`could not start sync of ${next.connectionId}: ${message(error)}`);
      }
    }
    if (claimed.length > 0)
      this.logger.log({ msg: 'sync claimed', count: claimed.length, connectionIds: claimed });
    return claimed.length;
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
