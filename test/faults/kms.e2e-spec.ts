import { FaultCase } from '../support/faults/fault-case';
import { type AppProcess, FaultWorld, OKTA_CLIENT } from '../support/faults/fault-world';
import { connection, syncNow } from '../support/faults/invariants';
import { CASE_MS, faultBinaries, skipNotice, SYNC_MS, waitFor } from '../support/faults/processes';
import { followRedirects } from '../support/browser';

const binaries = faultBinaries();
if ('missing' in binaries) console.warn(skipNotice(binaries.missing));

const USERS = 300;
jest.setTimeout(CASE_MS);

('missing' in binaries ? describe.skip : describe)('fault: the key management service is down', () => {
  let world: FaultWorld;
  let app: AppProcess;

  beforeAll(async () => {
    if ('missing' in binaries) return;
    world = await FaultWorld.start(binaries, USERS);
    // No data-key cache: every use of a secret needs KMS, as after a restart or a cache expiry.
    app = await world.startApp('app', { DATA_KEY_CACHE_TTL_MS: '0' });
  }, 120_000);

  afterAll(async () => {
    await world?.close();
  });

  afterEach(async () => {
    if (world !== undefined && !world.kms.process.running) await world.kms.start();
  });

  const CONNECT =
    'mutation($input: ConnectOktaInput!) { connectOkta(input: $input) { authorizeUrl connection { id status } } }';
  const CONNECTIONS = '{ connections(first: 10) { edges { node { id status } } } }';

  it('down when connecting: connectOkta fails cleanly, a callback during the outage stores nothing, connecting works once it is back', async () => {
    const c = new FaultCase(world, 'kms-down-connect');
    try {
      c.org = await world.createOrg(c.name);
      await world.lenientChecks(app, c.org);

      await world.kms.down();
      c.step('KMS down');
      const refused = await app.gql<unknown>(c.org.token, CONNECT, {
        input: { oktaDomain: world.sim.host, ...OKTA_CLIENT },
      });
      const code = refused.errors?.[0]?.extensions?.code;
      if (code !== 'CONNECTOR_UNAVAILABLE')
        c.problems.push(
          `connectOkta during the outage answered ${refused.status} ${code ?? 'without an error'}`,
        );
      const left = await app.q<{ connections: { edges: unknown[] } }>(c.org.token, CONNECTIONS);
      if (left.connections.edges.length !== 0)
        c.problems.push(`connectOkta during the outage left ${left.connections.edges.length} connection(s)`);

      // Started while KMS is up, completed by the admin's browser while it is down.
      await world.kms.start();
      const started = await app.q<{ connectOkta: { authorizeUrl: string; connection: { id: string } } }>(
        c.org.token,
        CONNECT,
        { input: { oktaDomain: world.sim.host, ...OKTA_CLIENT } },
      );
      c.connectionId = started.connectOkta.connection.id;
      const callback = new URL(
        await followRedirects(
          started.connectOkta.authorizeUrl,
          `http://127.0.0.1:${world.publicPort}/api/integrations/okta/callback`,
        ),
      );
      await world.kms.down();
      c.step('KMS down again before the callback');
      const back = await fetch(`${app.url}${callback.pathname}${callback.search}`, { redirect: 'manual' });
      const location = back.headers.get('location') ?? '';
      c.step(`callback answered ${back.status} ${location.replace(/^.*\?/, '')}`);
      if (back.status >= 500 && back.status !== 503)
        c.problems.push(`the callback during the outage answered HTTP ${back.status}`);
      if (location.includes('result=connected'))
        c.problems.push('the callback during the outage reported the connection as connected');
      const pending = await connection(app, c.org, c.connectionId);
      if (pending.status === 'ACTIVE')
        c.problems.push('the connection became ACTIVE although its tokens could not be stored');

      await world.kms.start();
      c.step('KMS back');
      const retry = await app.q<{ reauthorizeConnection: { authorizeUrl: string } }>(
        c.org.token,
        'mutation($input: ConnectionIdInput!) { reauthorizeConnection(input: $input) { authorizeUrl } }',
        { input: { connectionId: c.connectionId } },
      );
      await world.authorize(app, retry.reauthorizeConnection.authorizeUrl);
      await c.attempt('the first sync after KMS came back', () =>
        waitFor(
          'a finished first sync',
          async () => (await c.connection(app)).lastSyncAt ?? undefined,
          SYNC_MS,
          250,
        ),
      );
      await c.recover(app);
    } finally {
      await c.retire(app);
    }
    expect(c.report()).toEqual([]);
  });

  it('down mid-sync: the run ends honestly with a code, the connection stays ACTIVE, nothing is lost, the next sync completes', async () => {
    const c = new FaultCase(world, 'kms-down-sync');
    try {
      await c.connectAndSync(app);
      const before = await c.currentUsers();
      await world.sim.control('POST /change-factors', { ratio: 0.1 });
      // Slow factors calls, so that the outage lands in the middle of the run.
      await world.sim.faults([{ kind: 'latency', path: '/factors$', count: 100_000, latencyMs: 150 }]);
      const { requests } = await world.sim.control<{ requests: number }>('GET /stats');
      const runId = await syncNow(app, c.org, c.connectionId);
      await waitFor(
        'the sync to make 20 Okta calls',
        async () =>
          (await world.sim.control<{ requests: number }>('GET /stats')).requests >= requests + 20
            ? true
            : undefined,
        60_000,
        50,
      );
      await world.kms.down();
      c.step('KMS down mid-sync');
      const ended = await c.settle(app, runId, 'the KMS outage', SYNC_MS);
      const after = await connection(app, c.org, c.connectionId);
      if (after.status !== 'ACTIVE')
        c.problems.push(`a KMS outage turned the connection ${after.status} (${after.statusReason ?? ''})`);
      if (ended !== undefined && ended.status === 'SUCCEEDED')
        c.step('the run finished without needing KMS again');
      await c.checkNoLoss(before, 'after the KMS outage');
      await world.kms.start();
      c.step('KMS back');
      await c.recover(app);
    } finally {
      await c.retire(app);
    }
    expect(c.report()).toEqual([]);
  });
});
