import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { startIntervalJob, stopIntervalJob } from '#src/common/scheduling/interval-job';
import { type AppConfig } from '#src/config/app-config';
import { APP_CONFIG } from '#src/config/config.module';
import { Metrics } from '#src/common/metrics/metrics';
import { OrgContext } from '#src/common/tenancy/org-context';
import { OnDomainEvent } from '#src/common/events/domain-events';
import '#src/modules/connections/connection.events';
import '#src/modules/connectors/sync/sync.events';
import { ConnectorRegistry } from '#src/modules/connectors/connector.registry';
import { OrganizationsSystemService } from '#src/modules/organizations/organizations-system.service';
import { AlertsService } from './alerts.service';
import { freshnessProblem } from './coverage.calculator';
import { CoverageService } from './coverage.service';

const TICK = 'staleness-check';
const REAUTH_WARNING_MS = 7 * 86_400_000;

/**
 * Every `STALENESS_CHECK_MS`: per organization, opens one STALE_CONNECTOR alert for a connection without a
 * successful sync within its connector's threshold (or never, that long after it was authorized), one
 * NEEDS_REAUTH alert, and a REAUTH_DUE warning within 7 days of `reauthDueAt`; resolves them when the
 * condition clears; audits exceptions that expired. A finished sync refreshes coverage and resolves at once.
 */
@Injectable()
export class StalenessMonitor implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Staleness');
  private ticking = false;
  private current: Promise<void> | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly scheduler: SchedulerRegistry,
    private readonly organizations: OrganizationsSystemService,
    private readonly coverage: CoverageService,
    private readonly alerts: AlertsService,
    private readonly registry: ConnectorRegistry,
    private readonly metrics: Metrics,
  ) {}

  onModuleInit(): void {
    startIntervalJob(this.scheduler, this.config.role, TICK, this.config.stalenessCheckMs, () => this.tick());
  }

  /** After every run, in its organization: coverage and checks are recomputed, alerts resolve at once. */
  @OnDomainEvent('sync.finished')
  async onSyncFinished(): Promise<void> {
    await this.coverage.refresh();
    await this.checkOrganization(new Date());
  }

  @OnDomainEvent('connection.needsReauth')
  async onNeedsReauth(event: { readonly connectionId: string; readonly reason: string }): Promise<void> {
    await this.alerts.open('NEEDS_REAUTH', event.connectionId, event.reason);
  }

  /** Stops the job and lets a pass in progress finish before the database connection closes. */
  async onApplicationShutdown(): Promise<void> {
    stopIntervalJob(this.scheduler, TICK);
    await this.current;
  }

  async tick(now: Date = new Date()): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    this.current = this.pass(now);
    await this.current;
  }

  private async pass(now: Date): Promise<void> {
    try {
      let stale = 0;
      let open = 0;
      for await (const organizationId of this.organizations.allOrganizationIds()) {
        await OrgContext.runAsSystem(organizationId, 'staleness', async () => {
          await this.coverage.expireExceptions(now);
          stale += await this.checkOrganization(now);
          open += (await this.alerts.page('OPEN', 10_000)).length;
        });
      }
      this.metrics.staleConnections.set(stale);
      this.metrics.openAlerts.set(open);
    } catch (error) {
      this.logger.error(`staleness check failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.ticking = false;
    }
  }

  /** Alerts for the connections of the organization in context; returns how many are stale. */
  private async checkOrganization(now: Date): Promise<number> {
    let staleCount = 0;
    for (const connection of await this.coverage.liveConnections()) {
      const definition = this.registry.get(connection.connectorKey);
      const label = `${definition.name} ${connection.externalTenant}`;
      const since = connection.lastSuccessfulSyncAt ?? connection.authorizedAt ?? connection.createdAt;
      const stale =
        connection.lastSuccessfulSyncAt === null
          ? now.getTime() - since.getTime() > definition.staleThresholdMs
            ? `${label} has not synced successfully in the ${definition.staleThresholdMs / 3_600_000} h since it was connected`
            : undefined
          : freshnessProblem(
              {
                connectionId: connection.id,
                label,
                status: 'ACTIVE',
                lastSuccessfulSyncAt: connection.lastSuccessfulSyncAt,
                staleThresholdMs: definition.staleThresholdMs,
                evidenceCounts: {},
              },
              now,
            );
      if (stale !== undefined) {
        staleCount += 1;
        await this.alerts.open('STALE_CONNECTOR', connection.id, stale);
      } else {
        await this.alerts.resolve('STALE_CONNECTOR', connection.id);
      }

      if (connection.status === 'NEEDS_REAUTH')
        await this.alerts.open('NEEDS_REAUTH', connection.id, `${label} needs re-authorization`);
      else await this.alerts.resolve('NEEDS_REAUTH', connection.id);

      const due = connection.reauthDueAt;
      if (due !== null && due.getTime() - now.getTime() <= REAUTH_WARNING_MS) {
        await this.alerts.open(
          'REAUTH_DUE',
          connection.id,
          `${label} must be re-authorized by ${due.toISOString().slice(0, 10)}`,
        );
      } else {
        await this.alerts.resolve('REAUTH_DUE', connection.id);
      }
    }
    return staleCount;
  }
}
