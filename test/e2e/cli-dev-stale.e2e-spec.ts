import { SyncService } from '#src/modules/connectors/sync/sync.service';
import { processEnv, runEntry } from '../support/dist-process';
import { connectOkta, gqlAt } from '../support/okta-connect';
import { OktaOrgState, OktaSimulator } from '../support/okta-simulator';
import { TestApp, type TestOrg } from '../support/test-app';
import { subscribe } from '../support/ws-client';

const PUBLIC_URL = 'http://app.test';
const CLIENT = { clientId: 'dev-stale-client', clientSecret: 'dev-stale-client-secret' };
const HOUR = 3_600_000;
const ALERTS = 'subscription { staleAlerts { kind connectionId message resolvedAt } }';

interface AlertEvent {
  staleAlerts: { kind: string; connectionId: string; message: string; resolvedAt: string | null };
}

describe('npm run cli -- dev stale (a process against a running app)', () => {
  let sim: OktaSimulator;
  let t: TestApp;
  let org: TestOrg;
  let other: TestOrg;
  let connectionId: string;
  let env: Record<string, string | undefined>;

  const lastSuccessfulSyncAt = async (): Promise<string | null | undefined> =>
    (
      await gqlAt<{ connection: { lastSuccessfulSyncAt: string | null } }>(
        t.url,
        org.adminToken,
        'query($id: ID!) { connection(id: $id) { lastSuccessfulSyncAt } }',
        { id: connectionId },
      )
    ).data?.connection.lastSuccessfulSyncAt;

  beforeAll(async () => {
    sim = await OktaSimulator.start({
      ...CLIENT,
      redirectUri: `${PUBLIC_URL}/api/integrations/okta/callback`,
      state: OktaOrgState.seed({ users: 12, seed: 15 }),
    });
    t = await TestApp.start({
      PUBLIC_URL,
      OKTA_ALLOWED_INSECURE_HOSTS: sim.host,
      STALENESS_CHECK_MS: '200',
      SCHEDULER_TICK_MS: '3600000',
    });
    org = await t.createOrg('Stale Inc');
    other = await t.createOrg('Elsewhere');
    connectionId = await connectOkta({
      baseUrl: t.url,
      publicUrl: PUBLIC_URL,
      token: org.adminToken,
      oktaDomain: sim.host,
      client: CLIENT,
    });
    await t.get<SyncService>(SyncService).idle();
    env = processEnv({ MONGO_DB_NAME: t.config.mongoDbName, DATA_DIR: t.config.dataDir }, t.config);
  });

  afterAll(async () => {
    await t.get<SyncService>(SyncService).idle();
    await t.close();
    await sim.close();
  });

  it('is listed with its usage at `dev --help`', async () => {
    const help = await runEntry('cli.js', ['dev', '--help'], env);
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toContain(
      'npm run cli -- dev stale --connection <connectionId> [--org <organizationId>]',
    );
    expect(help.stdout).toContain('refused with NODE_ENV=production');
  });

  it('is refused with NODE_ENV=production, one line, exit 1, and changes nothing', async () => {
    const before = await lastSuccessfulSyncAt();
    expect(before).not.toBeNull();
    const refused = await runEntry('cli.js', ['dev', 'stale', '--connection', connectionId], {
      ...env,
      NODE_ENV: 'production',
    });
    expect(refused).toEqual({
      code: 1,
      stdout: '',
      stderr: 'dev stale is a development tool: refused with NODE_ENV=production\n',
    });
    expect(await lastSuccessfulSyncAt()).toBe(before);
  });

  it('misuse: a connection id that is not one, exit 2', async () => {
    const misuse = await runEntry('cli.js', ['dev', 'stale', '--connection', 'nope'], env);
    expect(misuse.code).toBe(2);
    expect(misuse.stderr.split('\n')[0]).toBe('--connection must be a 24-character hex connection id');
  });

  it("refuses a connection of another organization named with --org (NOT_FOUND, exit 1), and one that can't go stale", async () => {
    const elsewhere = await runEntry(
      'cli.js',
      ['dev', 'stale', '--connection', connectionId, '--org', other.organizationId],
      env,
    );
    expect(elsewhere).toEqual({
      code: 1,
      stdout: '',
      stderr: `Connection ${connectionId} of organization ${other.organizationId} not found\n`,
    });

    const pending = await gqlAt<{ connectOkta: { connection: { id: string } } }>(
      t.url,
      other.adminToken,
      'mutation($input: ConnectOktaInput!) { connectOkta(input: $input) { connection { id } } }',
      { input: { oktaDomain: sim.host, ...CLIENT } },
    );
    const pendingId = pending.data?.connectOkta.connection.id ?? '';
    const notLive = await runEntry('cli.js', ['dev', 'stale', '--connection', pendingId], env);
    expect(notLive).toEqual({
      code: 1,
      stdout: '',
      stderr: `Connection ${pendingId} is PENDING_AUTHORIZATION: only an ACTIVE or NEEDS_REAUTH connection goes stale\n`,
    });
  });

  it("backdates the connection past its threshold; the running app's next staleness check opens STALE_CONNECTOR for its organization only", async () => {
    const mine = subscribe<AlertEvent>(t.url, ALERTS, `Bearer ${org.adminToken}`);
    const theirs = subscribe<AlertEvent>(t.url, ALERTS, `Bearer ${other.adminToken}`);
    try {
      await Promise.all([mine.connected, theirs.connected]);
      const started = Date.now();
      const made = await runEntry('cli.js', ['dev', 'stale', '--connection', connectionId], env);
      const ended = Date.now();
      expect(made).toMatchObject({ code: 0, stderr: '' });
      const printed = JSON.parse(made.stdout) as Record<string, string>;
      expect(Object.keys(printed)).toEqual(['organizationId', 'connectionId', 'lastSuccessfulSyncAt']);
      expect(printed).toMatchObject({ organizationId: org.organizationId, connectionId });
      // An hour past Okta's 6 h threshold, as of when the command ran.
      const at = Date.parse(printed.lastSuccessfulSyncAt ?? '');
      expect(at).toBeGreaterThanOrEqual(started - 7 * HOUR);
      expect(at).toBeLessThanOrEqual(ended - 7 * HOUR);
      expect(await lastSuccessfulSyncAt()).toBe(printed.lastSuccessfulSyncAt);

      const opened = await mine.next(5000);
      expect(opened.staleAlerts).toMatchObject({ kind: 'STALE_CONNECTOR', connectionId, resolvedAt: null });
      expect(opened.staleAlerts.message).toBe(`Okta ${sim.host} last synced 7 h ago (threshold 6 h)`);
      expect(theirs.events).toEqual([]);
    } finally {
      await Promise.all([mine.dispose(), theirs.dispose()]);
    }
  });
});
