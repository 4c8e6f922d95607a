import { BSON } from 'mongodb';
import { Metrics } from '#src/common/metrics/metrics';
import { Types } from 'mongoose';
import { SyncService } from '#src/modules/connectors/sync/sync.service';
import { connectOkta } from '../support/okta-connect';
import { OktaSimulator } from '../support/okta-simulator';
import { TestApp, type TestOrg } from '../support/test-app';

/** A 5,000-user first sync on a busy 2-core CI machine takes minutes. */
jest.setTimeout(600_000);

const PUBLIC_URL = 'http://app.test';
const CLIENT = { clientId: 'scale-client', clientSecret: 'scale-client-secret' };
const USERS = 5000;
/** Users per page of Okta's list (the collector's batch). */
const PAGE = 200;
const SYNC = 'mutation($id: ID!) { syncConnection(input: { connectionId: $id }) { id status } }';
const RUNS = `query($id: ID!) { connectorRuns(connectionId: $id, first: 5) { edges { node {
  id status trigger stats { collector items unchanged inserted closed apiCalls } } } } }`;

type Counts = Map<string, number>;
interface Run {
  id: string;
  status: string;
  stats: { collector: string; items: number; unchanged: number; inserted: number; closed: number }[];
}

/** The driver's commands so far, by `command collection`. */
async function commands(metrics: Metrics): Promise<Counts> {
  const counts: Counts = new Map();
  for (const { labels, value } of (await metrics.db.commands.get()).values)
    counts.set(`${String(labels.command)} ${String(labels.collection)}`, value);
  return counts;
}

function since(before: Counts, after: Counts): Counts {
  const delta: Counts = new Map();
  for (const [key, value] of after)
    if (value - (before.get(key) ?? 0) > 0) delta.set(key, value - (before.get(key) ?? 0));
  return delta;
}

/** Fails with every command counted, so a broken bound says what grew. */
function within(what: string, value: number, bound: number, counts: Counts): void {
  if (value > bound)
    throw new Error(`${what}: ${value} > ${bound}; commands: ${JSON.stringify(Object.fromEntries(counts))}`);
}

function total(counts: Counts, match: (key: string) => boolean): number {
  return [...counts].filter(([key]) => match(key)).reduce((sum, [, n]) => sum + n, 0);
}

describe('sync at scale: database commands per hourly sync (e2e, counts, never time)', () => {
  let sim: OktaSimulator;
  let t: TestApp;
  let org: TestOrg;
  let connectionId: string;

  beforeAll(async () => {
    sim = await OktaSimulator.start({
      ...CLIENT,
      redirectUri: `${PUBLIC_URL}/api/integrations/okta/callback`,
      users: USERS,
      seed: 5000,
    });
    sim.api.rateLimits = { windowMs: 60_000, limits: { users: 1e9, logs: 1e9, default: 1e9 } };
    t = await TestApp.start({
      PUBLIC_URL,
      OKTA_ALLOWED_INSECURE_HOSTS: sim.host,
      OKTA_HTTP_TIMEOUT_MS: '30000',
      SCHEDULER_TICK_MS: '3600000',
      SYNC_DEADLINE_MS: '1800000',
    });
    org = await t.createOrg('Large');
    connectionId = await connectOkta({
      baseUrl: t.url,
      publicUrl: PUBLIC_URL,
      token: org.adminToken,
      oktaDomain: sim.host,
      client: CLIENT,
    });
    await t.get<SyncService>(SyncService).idle(); // the first sync, and the coverage refresh after it
  });
  async function latestRun(): Promise<Run[]> {
    const runs = await t.gql<{ connectorRuns: { edges: { node: Run }[] } }>(org.adminToken, RUNS, {
      id: connectionId,
    });
    return runs.data?.connectorRuns.edges.map((e) => e.node) ?? [];
  }

  /** A manual sync, the refresh after it, and the database commands both sent; the run must succeed. */
  async function syncAndCount(): Promise<{ run: Run | undefined; delta: Counts }> {
    const metrics = t.get<Metrics>(Metrics);
    const before = await commands(metrics);
    const started = await t.gql<{ syncConnection: { id: string } }>(org.adminToken, SYNC, {
      id: connectionId,
    });
    expect(started.errors).toBeUndefined();
    await t.get<SyncService>(SyncService).idle();
    const delta = since(before, await commands(metrics));
    const run = (await latestRun())[0];
    expect(run?.id).toBe(started.data?.syncConnection.id);
    expect(run?.status).toBe('SUCCEEDED');
    return { run, delta };
  }

  afterAll(async () => {
    await t?.get<SyncService>(SyncService).idle();
    await t?.close();
    await sim?.close();
  });

  it(`reads the evidence once per run and once per refresh: an unchanged hourly sync of ${USERS} users (and the refresh after it) sends O(users / batch) commands, none per page`, async () => {
    const { run, delta } = await syncAndCount();
    expect(run?.stats.find((s) => s.collector === 'okta.user_mfa')).toMatchObject({
      items: USERS,
      unchanged: USERS,
      inserted: 0,
      closed: 0,
    });

    // The old design read the evidence once per page of 200 users (25 here), and streamed it 4 times more.
    const pages = USERS / PAGE;
    const evidence = total(delta, (key) => key.endsWith(' evidence'));
    // One streamed read of the connection's current rows for the run, and one of the organization's for the
    // refresh after it, each a few round trips of 2,000 rows (a stream of 5,000 rows: a find and 2 getMores).
    within('evidence commands', evidence, 2 * Math.ceil(USERS / 2000) + 2, delta);
    expect(total(delta, (key) => /^(insert|update|delete) evidence$/.test(key))).toBe(0);
    // Everything else the run writes (progress at most once a second, heartbeat, the run, the connection,
    // audit, coverage) is a handful, not a command per page.
    within(
      'all commands',
      total(delta, () => true),
      pages + evidence + 25,
      delta,
    );
  });

  it('closes a whole page of changed users (150 in one batch) in bounded commands: the 1 %-changed sync that wedged FerretDB now completes (ADR 8)', async () => {
    // The first 150 users of the list, all in the first page: one batch, 150 predecessors to close at once.
    // The old design sent them as one bulk command of 150 updates, which holds a FerretDB backend
    // connection per statement and wedged the database for good.
    const changed = sim.state.activeUsers().slice(0, 150);
    for (const user of changed) sim.state.enrollFactor(user.id);
    const { run, delta } = await syncAndCount();
    expect(run?.stats.find((s) => s.collector === 'okta.user_mfa')).toMatchObject({
      items: USERS,
      inserted: changed.length,
      closed: changed.length,
      unchanged: USERS - changed.length,
    });
    // 25 closes per command at most; one insert command per changed page.
    expect(total(delta, (key) => key === 'update evidence')).toBe(Math.ceil(changed.length / 25));
    expect(total(delta, (key) => key === 'insert evidence')).toBe(1);
  });

  it("reads coverage from a document that does not grow with the org's failing users, and pages the failing items apart from it", async () => {
    type Check = { key: string; failingCount: number; failing: { sourceId: string }[] };
    const all = await t.gql<{ checks: Check[] }>(
      org.adminToken,
      '{ checks { key failingCount failing { sourceId } } }',
    );
    const mfa = all.data?.checks.find((c) => c.key === 'mfa_enrolled');
    const failingUsers = sim.state
      .activeUsers()
      .filter((u) => !(sim.state.factors.get(u.id) ?? []).some((f) => f.status === 'ACTIVE'));
    expect(failingUsers.length).toBeGreaterThan(200);
    expect(mfa?.failingCount).toBe(failingUsers.length);
    expect(new Set(mfa?.failing.map((f) => f.sourceId))).toEqual(new Set(failingUsers.map((u) => u.id)));

    // The stored state holds counts, not items: it was one document with every failing item in it, read by
    // every `coverage` (on FerretDB a 38,000-item document cost 0.7 s a read, whatever was asked).
    const state = await t.connection
      .collection('coverage_state')
      .findOne({ organizationId: new Types.ObjectId(org.organizationId) });
    expect(state).not.toBeNull();
    expect(BSON.calculateObjectSize(state ?? {})).toBeLessThan(16_384);

    const metrics = t.get<Metrics>(Metrics);
    let before = await commands(metrics);
    const coverage = await t.gql(org.adminToken, '{ coverage { percent controls { status } } }');
    expect(coverage.errors).toBeUndefined();
    expect(total(since(before, await commands(metrics)), (key) => key.endsWith(' check_failures'))).toBe(0);

    // The first page, as clients ask for it by default, comes from the stored summary: no chunk read.
    before = await commands(metrics);
    const firstPage = await t.gql<{
      checks: { key: string; failingItems: Connection }[];
    }>(
      org.adminToken,
      '{ checks { key failingItems { edges { cursor node { sourceId } } pageInfo { hasNextPage endCursor } } } }',
    );
    const mfaPage = firstPage.data?.checks.find((c) => c.key === 'mfa_enrolled')?.failingItems;
    expect(mfaPage?.edges).toHaveLength(20);
    expect(mfaPage?.pageInfo.hasNextPage).toBe(true);
    expect(total(since(before, await commands(metrics)), (key) => key.endsWith(' check_failures'))).toBe(0);

    // Paging reads a stored chunk or two per page, and yields every failing item once.
    const PAGE_OF = 100;
    const seen: string[] = [];
    let after: string | null = null;
    before = await commands(metrics);
    let pagesRead = 0;
    do {
      const page: {
        data?: { checks: { key: string; failingItems: Connection }[] } | null;
        errors?: unknown;
      } = await t.gql(
        org.adminToken,
        `query($after: String) { checks(key: mfa_enrolled) { key failingItems(first: ${PAGE_OF}, after: $after) {
          edges { cursor node { sourceId } } pageInfo { hasNextPage endCursor } } } }`,
        { after },
      );
      expect(page.errors).toBeUndefined();
      const items = page.data?.checks.find((c) => c.key === 'mfa_enrolled')?.failingItems;
      seen.push(...(items?.edges.map((e) => e.node.sourceId) ?? []));
      after = items?.pageInfo.hasNextPage === true ? items.pageInfo.endCursor : null;
      pagesRead += 1;
    } while (after !== null);
    expect(seen).toHaveLength(failingUsers.length);
    expect(new Set(seen)).toEqual(new Set(failingUsers.map((u) => u.id)));
    // One check per request, reading at most two chunks of its failing items.
    within(
      'check_failures reads',
      total(since(before, await commands(metrics)), (key) => key.endsWith(' check_failures')),
      pagesRead * 2,
      since(before, await commands(metrics)),
    );
  });
});

interface Connection {
  edges: { cursor: string; node: { sourceId: string } }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}
