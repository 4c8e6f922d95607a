import { Types } from 'mongoose';
import { SyncScheduler } from '#src/modules/connectors/sync/sync.scheduler';
import { SyncService } from '#src/modules/connectors/sync/sync.service';
import { connectOkta } from '../support/okta-connect';
import { OktaSimulator } from '../support/okta-simulator';
import { errorCode, TestApp, type TestOrg } from '../support/test-app';
import { type Run } from '../support/okta-sync-suite';

/** Syncs of 1,000-user orgs and several simulators: minutes on a busy 2-core CI machine, not seconds. */
jest.setTimeout(300_000);

const PUBLIC_URL = 'http://app.test';
const CALLBACK = `${PUBLIC_URL}/api/integrations/okta/callback`;
const CLIENT = { clientId: 'fairness-client', clientSecret: 'fairness-client-secret' };
/** What the hostile tenant's "Okta" sends: a rate-limit reset 110 s ahead, on every call. */
const HOSTILE_RESET_MS = 110_000;
const DEADLINE_MS = 10_000;

const RUNS = `query($id: ID!) { connectorRuns(connectionId: $id, first: 50) { edges { node {
  id status trigger startedAt finishedAt error { code message }
  stats { collector apiCalls rateLimitWaits complete error } } } } }`;

const durationMs = (run: Run): number => Date.parse(run.finishedAt ?? '') - Date.parse(run.startedAt);

describe('fair, bounded syncs (e2e, simulators over real HTTP)', () => {
  const sims: OktaSimulator[] = [];
  let t: TestApp;

  beforeAll(async () => {
    for (let i = 0; i < 6; i++)
      sims.push(await OktaSimulator.start({ ...CLIENT, redirectUri: CALLBACK, users: 5, seed: 40 + i }));
    t = await TestApp.start({
      PUBLIC_URL,
      OKTA_ALLOWED_INSECURE_HOSTS: sims.map((s) => s.host).join(','),
      OKTA_RETRY_BASE_MS: '5',
      OKTA_HTTP_TIMEOUT_MS: '30000',
      SCHEDULER_TICK_MS: '3600000',
      MAX_CONCURRENT_SYNCS: '4',
      MAX_CONCURRENT_SYNCS_PER_ORG: '2',
      SYNC_DEADLINE_MS: String(DEADLINE_MS),
    });
  });
  const releases: (() => void)[] = [];
  afterEach(async () => {
    for (const sim of sims) sim.api.rateLimitStorm = undefined;
    for (const release of releases.splice(0)) release();
    await sync().idle();
  });
  afterAll(async () => {
    await t?.get<SyncService>(SyncService).idle();
    await t?.close();
    for (const sim of sims) await sim.close();
  });

  const sync = (): SyncService => t.get<SyncService>(SyncService);
  const scheduler = (): SyncScheduler => t.get<SyncScheduler>(SyncScheduler);
  const sim = (i: number): OktaSimulator => sims[i] as OktaSimulator;

  /** Connects and waits for the first sync (trigger `connect`) to end. */
  async function connect(org: TestOrg, okta: OktaSimulator): Promise<string> {
    const id = await connectOkta({
      baseUrl: t.url,
      publicUrl: PUBLIC_URL,
      token: org.adminToken,
      oktaDomain: okta.host,
      client: CLIENT,
    });
    await sync().idle();
    return id;
  }

  async function runs(org: TestOrg, id: string): Promise<Run[]> {
    const result = await t.gql<{ connectorRuns: { edges: { node: Run }[] } }>(org.adminToken, RUNS, { id });
    if (result.data === null || result.data === undefined) throw new Error(JSON.stringify(result.errors));
    return result.data.connectorRuns.edges.map((e) => e.node);
  }

  /** Makes connections due: `agoMs` before now. */
  async function dueSince(ids: readonly string[], agoMs: number): Promise<void> {
    await t.connection.db
      ?.collection('connections')
      .updateMany(
        { _id: { $in: ids.map((id) => new Types.ObjectId(id)) } },
        { $set: { nextSyncAt: new Date(Date.now() - agoMs) } },
      );
  }

  /** Each connection's scheduled runs (newest first). */
  async function scheduled(org: TestOrg, ids: readonly string[]): Promise<Run[][]> {
    return Promise.all(ids.map(async (id) => (await runs(org, id)).filter((r) => r.trigger === 'schedule')));
  }

  async function failureAudit(org: TestOrg): Promise<{ runId: string; code: string; status: string }[]> {
    const audit = await t.gql<{
      auditLog: { edges: { node: { details: { runId: string; code: string; status: string } } }[] };
    }>(
      org.adminToken,
      '{ auditLog(filter: { action: SYNC_FAILURE }, first: 50) { edges { node { details } } } }',
    );
    return audit.data?.auditLog.edges.map((e) => e.node.details) ?? [];
  }

  it("ends the collection at once, RATE_LIMITED, when Okta's rate limit resets after the run's deadline; the run is PARTIAL", async () => {
    const org = await t.createOrg('Partial');
    sim(0).api.rateLimitStorm = { resetAheadMs: HOSTILE_RESET_MS, path: /^\/api\/v1\/logs$/ };
    const id = await connect(org, sim(0));
    const [run] = await runs(org, id);
    expect(run).toMatchObject({ trigger: 'connect', status: 'PARTIAL', error: { code: 'RATE_LIMITED' } });
    const deprovisioning = run?.stats.find((s) => s.collector === 'okta.deprovisioning_event');
    expect(deprovisioning).toMatchObject({ complete: false, rateLimitWaits: 0, apiCalls: 1 });
    expect(deprovisioning?.error).toMatch(/^rate_limited: .*resets in 1[01]\d s, after this run's deadline/);
    // Only the System Log's limit is exhausted: the other endpoints (their own buckets at Okta) complete.
    expect(run?.stats.filter((s) => s.complete).map((s) => s.collector)).toEqual([
      'okta.user_mfa',
      'okta.password_policy',
      'okta.group_membership',
      'okta.authentication_policy',
    ]);
    expect(durationMs(run as Run)).toBeLessThan(5_000);
    expect(await failureAudit(org)).toEqual([
      expect.objectContaining({ runId: run?.id, status: 'PARTIAL', code: 'RATE_LIMITED' }),
    ]);
  });

  it("ends the collection at once, RATE_LIMITED, when a 200 empties a bucket whose reset comes after the run's deadline (the throttle's verdict is not a network error)", async () => {
    const org = await t.createOrg('Drained');
    // Every answer is a 200, but the second call in any bucket would find it empty until 110 s from now.
    sim(5).api.rateLimits = { windowMs: HOSTILE_RESET_MS, limits: { users: 1, logs: 1, default: 1 } };
    const id = await connect(org, sim(5));
    const [run] = await runs(org, id);
    expect(run).toMatchObject({ trigger: 'connect', error: { code: 'RATE_LIMITED' } });
    const failed = run?.stats.filter((s) => s.error !== null) ?? [];
    expect(failed.length).toBeGreaterThan(0);
    for (const stat of failed)
      expect(stat.error).toMatch(
        /^rate_limited: Okta's rate limit for \w+ resets in 1[01]\d s, after this run's deadline/,
      );
    expect(durationMs(run as Run)).toBeLessThan(DEADLINE_MS);
  });

  it('ends a run that outlasts SYNC_DEADLINE_MS with DEADLINE_EXCEEDED, waiting on nothing past it', async () => {
    const org = await t.createOrg('Slow');
    releases.push(sim(1).api.hold()); // Okta answers nothing until released
    const id = await connect(org, sim(1));
    const [run] = await runs(org, id);
    expect(run).toMatchObject({ status: 'FAILED', error: { code: 'DEADLINE_EXCEEDED' } });
    expect(durationMs(run as Run)).toBeGreaterThanOrEqual(DEADLINE_MS - 50);
    expect(durationMs(run as Run)).toBeLessThan(DEADLINE_MS + 5_000);
    expect(await failureAudit(org)).toEqual([
      expect.objectContaining({ runId: run?.id, status: 'FAILED', code: 'DEADLINE_EXCEEDED' }),
    ]);
    const connection = await t.connection.db
      ?.collection('connections')
      .findOne({ _id: new Types.ObjectId(id) });
    expect(connection?.status).toBe('ACTIVE');
  });

  it("starts another organization's due sync on the first tick while one organization has 4 hostile connections due", async () => {
    const hostile = await t.createOrg('Hostile');
    const bystander = await t.createOrg('Bystander');
    for (const i of [0, 1, 2, 3]) sim(i).api.rateLimitStorm = { resetAheadMs: HOSTILE_RESET_MS };
    const ids: string[] = [];
    for (const i of [0, 1, 2, 3]) ids.push(await connect(hostile, sim(i)));
    const other = await connect(bystander, sim(4));
    await dueSince(ids, 600_000); // due long before the bystander: oldest-due first alone would pick them
    await dueSince([other], 1_000);

    await scheduler().tick();
    const [bystanderRuns] = await scheduled(bystander, [other]);
    expect(bystanderRuns?.map((r) => r.trigger)).toEqual(['schedule']);
    expect((await scheduled(hostile, ids)).flat().length).toBeLessThanOrEqual(2);

    // The hostile ones get their turns too, and each ends at once instead of holding a worker for 110 s.
    for (let tick = 0; tick < 10 && (await scheduled(hostile, ids)).some((r) => r.length === 0); tick++) {
      await sync().idle();
      await scheduler().tick();
    }
    await sync().idle();
    for (const [run] of await scheduled(hostile, ids)) {
      expect(run).toMatchObject({ status: 'FAILED', error: { code: 'RATE_LIMITED' } });
      expect(run?.stats.every((s) => s.rateLimitWaits === 0)).toBe(true);
      expect(durationMs(run as Run)).toBeLessThan(5_000);
    }
    expect((await runs(bystander, other))[0]).toMatchObject({ trigger: 'schedule', status: 'SUCCEEDED' });
  });

  it('holds one organization to MAX_CONCURRENT_SYNCS_PER_ORG while its syncs hold workers, so another organization starts on the next tick', async () => {
    const busy = await t.createOrg('Busy');
    const waiting = await t.createOrg('Waiting');
    const ids: string[] = [];
    for (const i of [0, 1, 2, 3]) ids.push(await connect(busy, sim(i)));
    const other = await connect(waiting, sim(4));
    for (const i of [0, 1, 2, 3]) releases.push(sim(i).api.hold()); // Busy's Okta answers nothing for now
    await dueSince(ids, 600_000);
    await dueSince([other], -600_000); // not due yet

    expect(await scheduler().tick()).toBe(2);
    const running = async (): Promise<number> =>
      (await scheduled(busy, ids)).flat().filter((r) => r.status === 'RUNNING').length;
    expect(await running()).toBe(2);

    await dueSince([other], 1_000); // now it is due: it must start on this next tick
    expect(await scheduler().tick()).toBe(1);
    const [waitingRuns] = await scheduled(waiting, [other]);
    expect(waitingRuns?.map((r) => r.status)).toEqual(['RUNNING']);
    expect(await running()).toBe(2);

    // An admin cannot push the organization past its cap either.
    const idle = (await scheduled(busy, ids)).findIndex((r) => r.length === 0);
    const manual = await t.gql(
      busy.adminToken,
      'mutation($id: ID!) { syncConnection(input: { connectionId: $id }) { id } }',
      { id: ids[idle] },
    );
    expect(errorCode(manual)).toBe('CONFLICT');

    for (const release of releases.splice(0)) release();
    await sync().idle();
    expect(await scheduler().tick()).toBe(2); // the other two, now that Busy has room
    await sync().idle();
    const all = await scheduled(busy, ids);
    expect(all.map((r) => r.map((x) => x.status))).toEqual(ids.map(() => ['SUCCEEDED']));
    expect((await runs(waiting, other))[0]).toMatchObject({ trigger: 'schedule', status: 'SUCCEEDED' });
  });
});
