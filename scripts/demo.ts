/**
 * `npm run demo`: the API on an Okta simulator in one command. Starts a simulated Okta org (~500 users,
 * some without MFA, a deactivation history, two password policies) with its authorization server, the API,
 * an organization; connects Okta through the real PKCE flow (following redirects as a browser would);
 * runs the first sync with a progress line; prints coverage, failing checks, evidence counts, an admin token
 * and a query to paste. Leaves the API running until Ctrl-C (`--exit` stops after printing).
 */
import 'reflect-metadata';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoLogger } from 'nestjs-pino';
import { AppModule } from '#src/app.module';
import { configureApp } from '#src/bootstrap';
import { ConfigError, loadConfig } from '#src/config/app-config';
import { withDevelopmentDefaults } from '#src/config/development-defaults';
import {
  type EmbeddedMongo,
  EmbeddedMongoUnavailableError,
  startEmbeddedMongo,
} from '#src/common/database/embedded-mongo';
import { TokenService } from '#src/common/tenancy/token.service';
import { OrganizationsService } from '#src/modules/organizations/organizations.service';
import { followRedirects } from '../test/support/browser';
import { freePort } from '../test/support/net';
import { OktaSimulator } from '../test/support/okta-simulator';

const exitAfter = process.argv.includes('--exit');
const CLIENT = { clientId: 'demo-okta-client', clientSecret: 'demo-okta-client-secret-not-real' };

const say = (line: string): boolean => process.stdout.write(`${line}\n`);

/** The API's port is taken (most often by a running `npm start`): one line, no stack trace. */
class PortBusyError extends Error {
  constructor(port: number) {
    super(`port ${port} is busy: stop \`npm start\` or set PORT`);
  }
}

/** Fails with PortBusyError when something already listens on `port` (before anything is started). */
async function ensurePortFree(port: number): Promise<void> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new PortBusyError(port) : error),
    );
    probe.listen(port, '127.0.0.1', resolve);
  });
  await new Promise((resolve) => probe.close(resolve));
}

function isAddressInUse(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'EADDRINUSE';
}

async function main(): Promise<void> {
  const started = Date.now();
  const requested = loadConfig(process.env);
  const port = requested.port === 0 ? await freePort() : requested.port;
  await ensurePortFree(port);
  const publicUrl = process.env.PUBLIC_URL ?? `http://127.0.0.1:${port}`;
  const okta = await OktaSimulator.start({
    ...CLIENT,
    redirectUri: `${publicUrl}/api/integrations/okta/callback`,
    users: 500,
    seed: 2026,
  });
  say(`Okta simulator: ${okta.url} (${okta.state.activeUsers().length} active users)`);

  let config = withDevelopmentDefaults(
    loadConfig({
      LOG_LEVEL: 'warn',
      ...process.env,
      PORT: String(port),
      PUBLIC_URL: publicUrl,
      OKTA_ALLOWED_INSECURE_HOSTS: okta.host,
    }),
  );
  let embedded: EmbeddedMongo | undefined;
  if (config.mongoUrl === undefined) {
    say(`Starting an embedded MongoDB (data in ${config.dataDir}/mongo)…`);
    embedded = await startEmbeddedMongo(config.dataDir);
    config = { ...config, mongoUrl: embedded.uri };
  }
  const app = configureApp(await NestFactory.create(AppModule.forRoot(config), { bufferLogs: true }), config);
  app.useLogger(app.get(PinoLogger));
  // Taken between the check and now: the same one line.
  await app.listen(port, '127.0.0.1').catch((error: unknown) => {
    throw isAddressInUse(error) ? new PortBusyError(port) : error;
  });
  const api = `http://127.0.0.1:${port}`;
  say(`API: ${publicUrl}/graphql`);

  const org = await app
    .get(OrganizationsService)
    .create(`Demo ${new Date().toISOString().slice(0, 16)}`, 'demo');
  const token = await app
    .get(TokenService)
    .issue(
      { organizationId: org.id, role: 'ADMIN', userId: 'demo-admin' },
      config.auth.maxTokenLifetimeSeconds,
    );
  const gql = async <T>(query: string, variables: Record<string, unknown> = {}): Promise<T> => {
    const res = await fetch(`${api}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data?: T; errors?: { message: string }[] };
    if (body.errors !== undefined || body.data === undefined)
      throw new Error(`GraphQL: ${JSON.stringify(body.errors)}`);
    return body.data;
  };

  const { connectOkta } = await gql<{ connectOkta: { authorizeUrl: string; connection: { id: string } } }>(
    'mutation($input: ConnectOktaInput!) { connectOkta(input: $input) { authorizeUrl connection { id } } }',
    { input: { oktaDomain: okta.host, ...CLIENT } },
  );
  const callback = new URL(
    await followRedirects(connectOkta.authorizeUrl, `${publicUrl}/api/integrations/okta/callback`),
  );
  const back = await fetch(`${api}${callback.pathname}${callback.search}`, { redirect: 'manual' });
  say(`Connected Okta through OAuth 2.0 + PKCE: ${back.headers.get('location') ?? back.status}`);

  const id = connectOkta.connection.id;
  type Run = { status: string; stats: { collector: string; items: number; apiCalls: number }[] };
  let run: Run | undefined;
  for (;;) {
    run = (
      await gql<{ connectorRuns: { edges: { node: Run }[] } }>(
        'query($id: ID!) { connectorRuns(connectionId: $id, first: 1) { edges { node { status stats { collector items apiCalls } } } } }',
        { id },
      )
    ).connectorRuns.edges[0]?.node;
    const items =
      run?.stats.map((s) => `${s.collector.replace('okta.', '')} ${s.items}`).join(', ') ?? 'starting';
    const calls = run?.stats.reduce((n, s) => n + s.apiCalls, 0) ?? 0;
    process.stdout.write(`\rSyncing: ${items} (${calls} Okta API calls)      `);
    if (run !== undefined && run.status !== 'RUNNING') break;
    await sleep(300);
  }
  say(`\nFirst sync ${run.status} in ${((Date.now() - started) / 1000).toFixed(1)} s since start.`);

  const summary = await gql<{
    coverage: {
      percent: number;
      controls: {
        control: { id: string; title: string };
        status: string;
        reason: string;
        evidenceCount: number;
      }[];
    };
    checks: {
      title: string;
      status: string;
      reason: string;
      failingItems: { edges: { node: { label: string } }[] };
    }[];
  }>(
    '{ coverage { percent controls { control { id title } status reason evidenceCount } } checks { title status reason failingItems(first: 3) { edges { node { label } } } } }',
  );
  say(`\nCoverage: ${summary.coverage.percent}%`);
  for (const c of summary.coverage.controls)
    say(`  ${c.control.id} ${c.control.title}: ${c.status} (${c.evidenceCount} rows) - ${c.reason}`);
  say('\nFailing checks:');
  const failing = summary.checks.filter((c) => c.status !== 'PASS');
  if (failing.length === 0) say('  none');
  for (const c of failing)
    say(
      `  ${c.status} ${c.title}: ${c.reason}${
        c.failingItems.edges.length > 0
          ? ` (e.g. ${c.failingItems.edges.map((e) => e.node.label).join(', ')})`
          : ''
      }`,
    );
  say('\nEvidence rows per type:');
  for (const s of run.stats) say(`  ${s.collector}: ${s.items}`);
  say(`\nAdmin token (valid ${Math.round(config.auth.maxTokenLifetimeSeconds / 3600)} h): ${token}`);
  say(
    `\nTry:\n  curl -s ${publicUrl}/graphql -H 'content-type: application/json' -H "authorization: Bearer ${token}" \\`,
  );
  say(`    -d '{"query":"{ coverage { percent controls { control { id } status reason } } }"}'`);

  const stop = async (): Promise<void> => {
    await app.close();
    await okta.close();
    await embedded?.stop();
  };
  const dashboard = await fetch(`${api}/integrations/okta`);
  if (!dashboard.ok || !(dashboard.headers.get('content-type') ?? '').includes('text/html'))
    throw new Error(`the dashboard is not served (HTTP ${dashboard.status}): run \`npm run build\``);
  const signIn = `${publicUrl}/integrations/okta#token=${encodeURIComponent(token)}`;
  if (exitAfter) {
    say(`\nDashboard (signed in as the admin): ${signIn}`);
    await stop();
    process.exit(0);
  }
  say('\nThe API keeps running; Ctrl-C to stop.');
  say(`Dashboard (signed in as the admin): ${signIn}`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => void stop().then(() => process.exit(0)));
}

main().catch((error: unknown) => {
  if (
    error instanceof ConfigError ||
    error instanceof EmbeddedMongoUnavailableError ||
    error instanceof PortBusyError
  )
    process.stderr.write(`${error.message}\n`);
  else
    process.stderr.write(
      `Demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
  process.exit(1);
});
