import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { startIntervalJob, stopIntervalJob } from '#src/common/scheduling/interval-job';
import { type AppConfig } from '#src/config/app-config';
import { APP_CONFIG } from '#src/config/config.module';
import { OrgContext } from '#src/common/tenancy/org-context';
import { OrganizationsSystemRepository } from '#src/modules/organizations/organizations.system-repository';
import { SyncService } from './sync.service';

const TICK = 'connector-sync-tick';

/**
 * Every `SCHEDULER_TICK_MS` (on `worker` and `all` instances): enumerates organizations through the one
 * system repository, then, inside each organization's context, claims due connections. Claiming is the
 * lease in `SyncService.start`; the sync itself runs in the background, so a tick stays short.
 */
@Injectable()
export class SyncScheduler implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('SyncScheduler');
  private ticking = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: SchedulerRegistry,
    private readonly organizations: OrganizationsSystemRepository,
    private readonly sync: SyncService,
  ) {}

  onModuleInit(): void {
    startIntervalJob(this.registry, this.config.role, TICK, this.config.schedulerTickMs, () => this.tick());
  }

  onApplicationShutdown(): void {
    stopIntervalJob(this.registry, TICK);
  }

  /** One pass; returns how many syncs it started. Overlapping ticks are skipped. */
  async tick(now: Date = new Date()): Promise<number> {
    if (this.ticking) return 0;
    this.ticking = true;
    let started = 0;
    try {
      for await (const organizationId of this.organizations.allOrganizationIds()) {
        const capacity = this.config.sync.maxConcurrentSyncs - this.sync.activeRuns;
        if (capacity <= 0) break;
        started += await OrgContext.runAsSystem(organizationId, 'scheduler', async () => {
          let count = 0;
          for (const connection of await this.sync.due(now, capacity)) {
            try {
              if ((await this.sync.start(connection.id, 'schedule')).started) count += 1;
            } catch (error) {
              this.logger.warn(
                `could not start sync of ${connection.id}: ${error instanceof Error ? error.message : String(error)}`,
              );
            }
          }
          return count;
        });
      }
    } catch (error) {
      this.logger.error(`scheduler tick failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.ticking = false;
    }
    return started;
  }
}
