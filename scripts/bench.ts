/**
 * `npm run bench`: sync throughput against the Okta simulator, reported as figures and ratios (never asserted).
 * For N users (`--users`, default 2000): first sync (full factor sweep), an unchanged hourly sync, and a sync
 * after 1 % of users changed a factor. Needs MONGO_URL (or the embedded MongoDB).
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoLogger } from 'nestjs-pino';
import { AppModule } from '#src/app.module';
import { configureApp } from '#src/bootstrap';
import { loadConfig } from '#src/config/app-config';
import { withDevelopmentDefaults } from '#src/config/development-defaults';
import { type EmbeddedMongo, startEmbeddedMongo } from '#src/common/database/embedded-mongo';
import { OrgContext } from '#src/common/tenancy/org-context';
import { TokenService } from '#src/common/tenancy/token.service';
import { SyncService } from '#src/modules/connectors/sync/sync.service';
import { OrganizationsService } from '#src/modules/organizations/organizations.service';
import { followRedirects } from '../test/support/browser';
import { freePort } from '../test/support/net';
import { OktaSimulator } from '../test/support/okta-simulator';

const CLIENT = { clientId: 'bench-client', clientSecret: 'bench-client-secret-not-real' };

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1] ?? fallback) : fallback;
}

async function main(): Promise<void> {
  const users = flag('users', 2000);
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const okta = await OktaSimulator.start({
    ...CLIENT,
    redirectUri: `${publicUrl}/api/integrations/okta/callback`,
    users,
    seed: 99,
  });
  okta.api.rateLimits = {
    windowMs: 60_000,
    limits: { users: 1_000_000, logs: 1_000_000, default: 1_000_000 },
  };
  let config = withDevelopmentDefaults(
    loadConfig({
      LOG_LEVEL: 'error',
      ...process.env,
      MONGO_DB_NAME: `bench_${Date.now()}`,
      PORT: String(port),
      PUBLIC_URL: publicUrl,
      OKTA_ALLOWED_INSECURE_HOSTS: okta.host,
      SCHEDULER_TICK_MS: '3600000',
    }),
  );
  let embedded: EmbeddedMongo | undefined;
  if (config.mongoUrl === undefined) {
    embedded = await startEmbeddedMongo(config.dataDir);
    config = { ...config, mongoUrl: embedded.uri };
  }
  const app = configureApp(await NestFactory.create(AppModule.forRoot(config), { bufferLogs: true }), config);
  app.useLogger(app.get(PinoLogger));
  await app.listen(port, '127.0.0.1');
  const org = await app.get(OrganizationsService).create('Bench', 'bench');
  const token = await app
    .get(TokenService)
    .issue({ organizationId: org.id, role: 'ADMIN', userId: 'bench' }, 3600);
  const gql = async <T>(query: string, variables: Record<string, unknown> = {}): Promise<T> => {
    const res = await fetch(`${publicUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    return ((await res.json()) as { data: T }).data;
  };
  const sync = app.get(SyncService);

  type Run = {
    startedAt: string;
    finishedAt: string;
    stats: { apiCalls: number; inserted: number; items: number }[];
  };
  const lastRun = async (id: string): Promise<Run> =>
    (
      await gql<{ connectorRuns: { edges: { node: Run }[] } }>(
        'query($id: ID!) { connectorRuns(connectionId: $id, first: 1) { edges { node { startedAt finishedAt stats { apiCalls inserted items } } } } }',
        { id },
      )
    ).connectorRuns.edges[0]?.node as Run;
  const figures = (label: string, run: Run): { seconds: number; calls: number } => {
    const seconds = (Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000;
    const calls = run.stats.reduce((n, s) => n + s.apiCalls, 0);
    const items = run.stats.reduce((n, s) => n + s.items, 0);
    const inserted = run.stats.reduce((n, s) => n + s.inserted, 0);
    process.stdout.write(
      `${label.padEnd(28)} ${seconds.toFixed(2).padStart(7)} s  ${String(calls).padStart(6)} API calls  ${String(items).padStart(6)} items  ${String(inserted).padStart(6)} rows written  ${(items / seconds).toFixed(0).padStart(6)} items/s\n`,
    );
    return { seconds, calls };
  };

  const { connectOkta } = await gql<{ connectOkta: { authorizeUrl: string; connection: { id: string } } }>(
    'mutation($input: ConnectOktaInput!) { connectOkta(input: $input) { authorizeUrl connection { id } } }',
    { input: { oktaDomain: okta.host, ...CLIENT } },
  );
  const id = connectOkta.connection.id;
  const back = new URL(
    await followRedirects(connectOkta.authorizeUrl, `${publicUrl}/api/integrations/okta/callback`),
  );
  await fetch(`${publicUrl}${back.pathname}${back.search}`, { redirect: 'manual' });
  await sync.idle();
  process.stdout.write(
    `Okta sync benchmark: ${users} active users (simulator on loopback, ${(config.mongoUrl ?? '').startsWith('mongodb://127.0.0.1') ? 'local' : 'remote'} MongoDB-compatible server)\n`,
  );
  const first = figures('first sync (full sweep)', await lastRun(id));
  const runAgain = async (): Promise<Run> => {
    await OrgContext.runAsSystem(org.id, 'bench', () => sync.start(id, 'manual'));
    await sync.idle();
    return lastRun(id);
  };
  const unchanged = figures('hourly sync, no change', await runAgain());
  for (const user of okta.state.activeUsers().slice(0, Math.max(1, Math.floor(users / 100))))
    okta.state.enrollFactor(user.id);
  const changed = figures('hourly sync, 1 % changed', await runAgain());
  process.stdout.write(
    `ratios: unchanged/first API calls ${(unchanged.calls / first.calls).toFixed(3)}, time ${(unchanged.seconds / first.seconds).toFixed(2)}; ` +
      `1 %-changed/first API calls ${(changed.calls / first.calls).toFixed(3)}\n`,
  );
  await app.close();
  await okta.close();
  await embedded?.stop();
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
