import { FaultCase } from '../support/faults/fault-case';
import { type AppProcess, FaultWorld } from '../support/faults/fault-world';
import { connection, syncNow, waitForRun } from '../support/faults/invariants';
import type { SimFaultSpec } from '../support/faults/okta-sim-process';
import { CASE_MS, faultBinaries, skipNotice, SYNC_MS } from '../support/faults/processes';

const binaries = faultBinaries();
if ('missing' in binaries) console.warn(skipNotice(binaries.missing));

const USERS = 300;
/** The run deadline of the instance that meets a hostile rate limit (the default is 30 min). */
const DEADLINE_MS = 20_000;
jest.setTimeout(CASE_MS);

interface Stats {
  requests: number;
  statuses: Record<string, number>;
}

('missing' in binaries ? describe.skip : describe)('fault: Okta misbehaves mid-sync', () => {
  let world: FaultWorld;
  let app: AppProcess;

  beforeAll(async () => {
    if ('missing' in binaries) return;
    world = await FaultWorld.start(binaries, USERS);
    app = await world.startApp('app');
  }, 120_000);

  afterAll(async () => {
    await world?.close();
  });

  afterEach(async () => {
    await world?.sim.reset();
  });

  const stats = (): Promise<Stats> => world.sim.control<Stats>('GET /stats');

  it('a storm of 429s, 5xx, malformed bodies and connection resets during a first sync: ridden out or reported, never lost', async () => {
    const c = new FaultCase(world, 'okta-storm');
    try {
      const start = await stats();
      // A short rate-limit window that the users list exhausts quickly, plus transient faults of every kind.
      await world.sim.control('POST /rate-limits', {
        limits: { windowMs: 2_000, limits: { users: 2, logs: 2, default: 150 } },
      });
      // Faults on different users' factors (by the last character of the id), so that no single request
      // meets more failures in a row than the client retries.
      await world.sim.faults([
        { kind: 'http500', path: '1/factors$', count: 3 },
        { kind: 'malformed', path: '2/factors$', count: 3 },
        { kind: 'reset', path: '3/factors$', count: 3 },
        { kind: 'http503', path: '4/factors$', count: 3 },
        { kind: 'http429', path: '/factors$', count: 8 },
        { kind: 'http503', path: '^/api/v1/users$', count: 2 },
      ]);
      await c.connect(app);
      const first = await waitForRun(app, c.org, c.connectionId, 'the first run', (l) => l.at(-1), 30_000);
      const ended = await c.finish(app, first.id, SYNC_MS, 'the sync through the storm');
      const end = await stats();
      const hit = (code: string): number => (end.statuses[code] ?? 0) - (start.statuses[code] ?? 0);
      c.step(`storm served: ${hit('429')} × 429, ${hit('500')} × 500, ${hit('503')} × 503`);
      if (hit('429') < 8)
        c.problems.push(`storm: only ${hit('429')} 429s were served (the storm did not happen)`);
      if (ended !== undefined && ended.status !== 'SUCCEEDED')
        await c.checkFaultedRun(app, ended, 'the storm');
      await c.recover(app);
    } finally {
      await c.retire(app);
    }
    expect(c.report()).toEqual([]);
  });

  it('a rate-limit reset 110 s away, beyond the run deadline: the run ends RATE_LIMITED by the deadline, nothing lost', async () => {
    const c = new FaultCase(world, 'okta-hostile-reset');
    const bounded = await world.app('app-deadline', { SYNC_DEADLINE_MS: String(DEADLINE_MS) });
    try {
      await c.connectAndSync(app);
      await bounded.start();
      const before = await c.currentUsers();
      await world.sim.control('POST /change-factors', { ratio: 0.1 });
      await world.sim.control('POST /rate-limits', {
        limits: { windowMs: 110_000, limits: { users: 1, logs: 1, default: 5 } },
      });
      const runId = await syncNow(bounded, c.org, c.connectionId);
      const ended = await c.settle(bounded, runId, 'the rate-limited run', DEADLINE_MS + 25_000);
      if (ended !== undefined && ended.error?.code !== 'RATE_LIMITED')
        c.problems.push(
          `the rate-limited run ended with ${ended.error?.code ?? 'no code'} (${ended.error?.message ?? ''}), not RATE_LIMITED`,
        );
      await c.checkNoLoss(before, 'after the rate-limited run');
      await c.recover(app);
    } finally {
      await bounded.process.kill();
      await c.retire(app);
    }
    expect(c.report()).toEqual([]);
  });

  it('persistent 5xx, malformed JSON and connection resets mid-sync: each run ends PARTIAL/FAILED with a code, nothing lost, coverage not COVERED', async () => {
    const c = new FaultCase(world, 'okta-persistent');
    const kinds: [string, SimFaultSpec][] = [
      ['5xx on every factors call', { kind: 'http500', path: '/factors$', count: 100_000 }],
      ['malformed JSON from the users list', { kind: 'malformed', path: '^/api/v1/users$', count: 100_000 }],
      ['connection resets on every factors call', { kind: 'reset', path: '/factors$', count: 100_000 }],
    ];
    try {
      await c.connectAndSync(app);
      for (const [name, fault] of kinds) {
        const before = await c.currentUsers();
        await world.sim.control('POST /change-factors', { ratio: 0.1 });
        await world.sim.faults([fault]);
        const runId = await syncNow(app, c.org, c.connectionId);
        await c.settle(app, runId, name, SYNC_MS);
        await c.checkNoLoss(before, `after ${name}`);
        await c.recover(app, `recovery from ${name}`);
      }
    } finally {
      await c.retire(app);
    }
    expect(c.report()).toEqual([]);
  });

  it('the grant is revoked at Okta mid-sync: the run ends honestly, the connection needs re-authorization, then recovers', async () => {
    const c = new FaultCase(world, 'okta-token-revoked');
    try {
      await c.connectAndSync(app);
      const before = await c.currentUsers();
      await world.sim.control('POST /change-factors', { ratio: 0.1 });
      // Fifteen API calls into the sync (amid the changed users' factors) the access token stops working,
      // and the refresh token is dead.
      await world.sim.control('POST /token-fault', {
        fault: {
          status: 400,
          body: { error: 'invalid_grant', error_description: 'The refresh token is invalid.' },
        },
      });
      await world.sim.control('POST /reject-token', { after: 15 });
      const start = await stats();
      const runId = await syncNow(app, c.org, c.connectionId);
      await c.settle(app, runId, 'the revocation', SYNC_MS);
      const rejected = ((await stats()).statuses['401'] ?? 0) - (start.statuses['401'] ?? 0);
      c.step(`Okta answered ${rejected} × 401`);
      if (rejected === 0) c.problems.push('the revocation never reached the sync (no 401 was served)');
      const after = await connection(app, c.org, c.connectionId);
      if (after.status !== 'NEEDS_REAUTH')
        c.problems.push(`after the revocation the connection is ${after.status}, not NEEDS_REAUTH`);
      await c.checkNoLoss(before, 'after the revocation');

      // The admin re-authorizes; the sync that follows must complete the evidence.
      await world.sim.reset();
      const { reauthorizeConnection } = await app.q<{ reauthorizeConnection: { authorizeUrl: string } }>(
        c.org.token,
        'mutation($input: ConnectionIdInput!) { reauthorizeConnection(input: $input) { authorizeUrl } }',
        { input: { connectionId: c.connectionId } },
      );
      await world.authorize(app, reauthorizeConnection.authorizeUrl);
      c.step('re-authorized');
      const next = await c.attempt('the sync after re-authorization', () =>
        waitForRun(
          app,
          c.org,
          c.connectionId,
          'a run after re-authorization',
          (l) => (l[0]?.id !== runId && l[0]?.status !== 'RUNNING' ? l[0] : undefined),
          SYNC_MS,
        ),
      );
      c.step(`sync after re-authorization: ${next?.status ?? 'none'}`);
      await c.recover(app);
    } finally {
      await c.retire(app);
    }
    expect(c.report()).toEqual([]);
  });
});
