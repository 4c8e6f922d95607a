import { type DynamicModule, type INestApplicationContext, Module } from '@nestjs/common';
import { cliImports } from './cli-context';
import { type AppConfig } from './config/app-config';
import { DomainError } from './common/errors/domain.error';
import { OrgContext } from './common/tenancy/org-context';
import { type Connection } from './modules/connections/connection.types';
import { ConnectionsModule } from './modules/connections/connections.module';
import { ConnectionsService } from './modules/connections/connections.service';
import { ConnectorRegistry } from './modules/connectors/connector.registry';
import { OrganizationsModule } from './modules/organizations/organizations.module';
import { OrganizationsSystemService } from './modules/organizations/organizations-system.service';

/** How far past its connector's stale threshold `dev stale` puts a connection's last successful sync. */
const PAST_THRESHOLD_MS = 3_600_000;

/** What `dev stale` needs: connections and their connectors, without HTTP, GraphQL or jobs (role `api`). */
@Module({})
export class DevCliModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: DevCliModule,
      imports: [...cliImports(config), ConnectionsModule, OrganizationsModule],
    };
  }
}

export interface MadeStale {
  readonly organizationId: string;
  readonly connectionId: string;
  readonly lastSuccessfulSyncAt: string;
}

/**
 * Development only (the CLI refuses it in production): moves a live connection's last successful sync an
 * hour past its connector's stale threshold, so the running service's next staleness check (every
 * `STALENESS_CHECK_MS`) opens a STALE_CONNECTOR alert, and its next successful sync resolves it. The
 * connection is looked up in `organizationId`, or in each organization in turn; another organization's
 * connection is never written.
 */
export async function makeStale(
  app: INestApplicationContext,
  connectionId: string,
  organizationId: string | undefined,
  now: Date = new Date(),
): Promise<MadeStale> {
  const organizations = app.get(OrganizationsSystemService);
  const connections = app.get(ConnectionsService);
  const candidates = organizationId === undefined ? organizations.allOrganizationIds() : [organizationId];
  for await (const orgId of candidates) {
    const made = await OrgContext.runAsSystem(orgId, 'cli-dev-stale', async () => {
      const connection = await connections.find(connectionId);
      if (connection === undefined) return undefined;
      return backdate(app, connection, now);
    });
    if (made !== undefined) return { organizationId: orgId, connectionId, lastSuccessfulSyncAt: made };
  }
  throw DomainError.notFound(
    `Connection ${connectionId}${organizationId === undefined ? '' : ` of organization ${organizationId}`}`,
  );
}

async function backdate(app: INestApplicationContext, connection: Connection, now: Date): Promise<string> {
  if (connection.status !== 'ACTIVE' && connection.status !== 'NEEDS_REAUTH')
    throw new DomainError(
      'CONFLICT',
      `Connection ${connection.id} is ${connection.status}: only an ACTIVE or NEEDS_REAUTH connection goes stale`,
    );
  const threshold = app.get(ConnectorRegistry).get(connection.connectorKey).staleThresholdMs;
  const at = new Date(now.getTime() - threshold - PAST_THRESHOLD_MS);
  // The last run stays the last successful one when it was, so coverage does not read it as incomplete.
  const lastRunSucceeded =
    connection.lastSyncAt === null ||
    connection.lastSyncAt.getTime() === connection.lastSuccessfulSyncAt?.getTime();
  await app
    .get(ConnectionsService)
    .recordSync(connection.id, { lastSuccessfulSyncAt: at, ...(lastRunSucceeded ? { lastSyncAt: at } : {}) });
  return at.toISOString();
}
