import { Types } from 'mongoose';
import { SyncService } from '#src/modules/connectors/sync/sync.service';
import { connectOkta } from '../support/okta-connect';
import { OktaSimulator } from '../support/okta-simulator';
import { TestApp, type TestOrg } from '../support/test-app';

const PUBLIC_URL = 'http://app.test';
const CALLBACK = `${PUBLIC_URL}/api/integrations/okta/callback`;
const CLIENT = { clientId: 'fairness-client', clientSecret: 'fairness-client-secret' };
/** What the hostile tenant's "Okta" sends: a rate-limit reset 110 s ahead, on every call. */
const HOSTILE_RESET_MS = 110_000;
const DEADLINE_MS = 10_000;

interface Run {
  id: string;
  status: string;
  trigger: string;
  startedAt: string;
  finishedAt: string | null;
  error: { code: string; message: string } | null;
  stats: {
    collector: string;
    apiCalls: number;
    rateLimitWaits: number;
    complete: boolean;
    error: string | null;
  }[];
}
const RUNS = `query($id: ID!) { connectorRuns(connectionId: $id, first: 50) { edges { node {
  id status trigger startedAt finishedAt error { code message }
  stats { collector apiCalls rateLimitWaits complete error } } } } }`;

const durationMs = (run: Run): number => Date.parse(run.finishedAt ?? '') - Date.parse(run.startedAt);

describe('bounded syncs (e2e, simulators over real HTTP)', () => {
  const sims: OktaSimulator[] = [];
  let t: TestApp;

  beforeAll(async () => {
    for (let i = 0; i < 5; i++)
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
    expect(run?.stats.filter((s) => s.complete).map((s) => s.collector)).toEqual([
      'okta.user_mfa',
      'okta.password_policy',
    ]);
    expect(durationMs(run as Run)).toBeLessThan(5_000);
    expect(await failureAudit(org)).toEqual([
      expect.objectContaining({ runId: run?.id, status: 'PARTIAL', code: 'RATE_LIMITED' }),
    ]);
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
});
