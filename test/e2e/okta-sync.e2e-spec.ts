import { setTimeout as sleep } from 'node:timers/promises';
import { getModelToken } from '@nestjs/mongoose';
import { type Model, Types } from 'mongoose';
import { LeaseLock } from '#src/common/scheduling/lease-lock';
import { SyncScheduler } from '#src/modules/connectors/sync/sync.scheduler';
import { RetentionJob } from '#src/modules/retention/retention.job';
import { SyncService } from '#src/modules/connectors/sync/sync.service';
import { EvidenceDocument, EvidenceImmutableError } from '#src/modules/evidence/evidence.schema';
import { followRedirects } from '../support/browser';
import { OktaSimulator } from '../support/okta-simulator';
import { errorCode, TestApp, type TestOrg } from '../support/test-app';

/** Syncs of 1,000-user orgs and several simulators: minutes on a busy 2-core CI machine, not seconds. */
jest.setTimeout(300_000);

const PUBLIC_URL = 'http://app.test';
const CALLBACK = `${PUBLIC_URL}/api/integrations/okta/callback`;
const CLIENT = { clientId: 'okta-sync-client', clientSecret: 'sync-client-secret-value' };

interface RunStats {
  collector: string;
  pages: number;
  items: number;
  apiCalls: number;
  rateLimitWaits: number;
  retries: number;
  inserted: number;
  closed: number;
  unchanged: number;
  complete: boolean;
  error: string | null;
}
interface Run {
  id: string;
  status: string;
  trigger: string;
  startedAt: string;
  finishedAt: string | null;
  error: { code: string; message: string } | null;
  stats: RunStats[];
}
const RUNS = `query($id: ID!) { connectorRuns(connectionId: $id, first: 50) { edges { node {
  id status trigger startedAt finishedAt error { code message }
  stats { collector pages items apiCalls rateLimitWaits retries inserted closed unchanged complete error } } } } }`;
const SYNC = 'mutation($id: ID!) { syncConnection(input: { connectionId: $id }) { id status trigger } }';

const byType = (run: Run, type: string): RunStats => {
  const found = run.stats.find((s) => s.collector === type);
  if (found === undefined) throw new Error(`no stats for ${type}`);
  return found;
};
const calls = (run: Run): number => run.stats.reduce((n, s) => n + s.apiCalls, 0);

/** Generous limits for tests that are not about rate limiting (Okta's real ones would make them slow). */
const ROOMY = { windowMs: 60_000, limits: { users: 100_000, logs: 100_000, default: 100_000 } };

describe('Okta sync (e2e, simulator over real HTTP)', () => {
  let big: OktaSimulator;
  let sim: OktaSimulator;
  let t: TestApp;
  let evidence: Model<EvidenceDocument>;

  beforeAll(async () => {
    big = await OktaSimulator.start({ ...CLIENT, redirectUri: CALLBACK, users: 1000, seed: 11 });
    sim = await OktaSimulator.start({ ...CLIENT, redirectUri: CALLBACK, users: 60, seed: 12 });
    big.api.rateLimits = ROOMY;
    t = await TestApp.start({
      PUBLIC_URL,
      OKTA_ALLOWED_INSECURE_HOSTS: `${big.host},${sim.host}`,
      OKTA_RETRY_BASE_MS: '5',
      OKTA_HTTP_TIMEOUT_MS: '1500',
      SCHEDULER_TICK_MS: '3600000',
    });
    evidence = t.get<Model<EvidenceDocument>>(getModelToken(EvidenceDocument.name));
  });
  afterEach(() => {
    sim.api.faults.length = 0;
    sim.api.deniedPaths.length = 0;
    sim.api.revokedScopes.clear();
    sim.api.rateLimits = ROOMY;
  });
  afterAll(async () => {
    await t.get<SyncService>(SyncService).idle();
    await t.close();
    await sim.close();
    await big.close();
  });

  const sync = (): SyncService => t.get<SyncService>(SyncService);

  async function connect(app: TestApp, org: TestOrg, okta: OktaSimulator = sim): Promise<string> {
    const result = await app.gql<{ connectOkta: { authorizeUrl: string; connection: { id: string } } }>(
      org.adminToken,
      'mutation($input: ConnectOktaInput!) { connectOkta(input: $input) { authorizeUrl connection { id } } }',
      { input: { oktaDomain: okta.host, ...CLIENT } },
    );
    const payload = result.data?.connectOkta;
    if (payload === undefined) throw new Error(JSON.stringify(result.errors));
    const back = new URL(await followRedirects(payload.authorizeUrl, CALLBACK));
    const res = await app.http().get(`${back.pathname}${back.search}`);
    expect(res.headers.location).toContain('result=connected');
    await app.get<SyncService>(SyncService).idle();
    return payload.connection.id;
  }

  async function runs(org: TestOrg, id: string, app: TestApp = t): Promise<Run[]> {
    const result = await app.gql<{ connectorRuns: { edges: { node: Run }[] } }>(org.adminToken, RUNS, { id });
    if (result.data === null || result.data === undefined) throw new Error(JSON.stringify(result.errors));
    return result.data.connectorRuns.edges.map((e) => e.node);
  }

  async function syncNow(org: TestOrg, id: string): Promise<Run> {
    const started = await t.gql<{ syncConnection: { id: string; status: string } }>(org.adminToken, SYNC, {
      id,
    });
    expect(started.data?.syncConnection.status).toBe('RUNNING');
    await sync().idle();
    const latest = (await runs(org, id))[0];
    if (latest === undefined || latest.id !== started.data?.syncConnection.id)
      throw new Error('run not found');
    return latest;
  }

  const current = (org: TestOrg, type: string) =>
    evidence
      .find({ organizationId: new Types.ObjectId(org.organizationId), type, validUntil: null })
      .lean<EvidenceDocument[]>();

  describe('a 1,000-user org', () => {
    let org: TestOrg;
    let id: string;
    let firstCalls: number;

    beforeAll(async () => {
      org = await t.createOrg('Thousand');
      id = await connect(t, org, big);
    });

    it('stores evidence that matches the org exactly', async () => {
      const [first] = await runs(org, id);
      expect(first?.status).toBe('SUCCEEDED');
      firstCalls = calls(first as Run);
      const active = big.state.activeUsers();
      expect(byType(first as Run, 'okta.user_mfa')).toMatchObject({
        items: active.length,
        inserted: active.length,
        complete: true,
      });

      const rows = await current(org, 'okta.user_mfa');
      expect(rows).toHaveLength(active.length);
      const bySource = new Map(rows.map((r) => [r.sourceId, r]));
      for (const user of active) {
        const row = bySource.get(user.id);
        const factors = big.state.factors.get(user.id) ?? [];
        expect(row?.data).toMatchObject({
          userId: user.id,
          login: user.profile.login,
          status: 'ACTIVE',
          mfaEnrolled: factors.some((f) => f.status === 'ACTIVE'),
        });
        expect(
          (row?.data.factors as { id: string; status: string }[]).map((f) => `${f.id}:${f.status}`).sort(),
        ).toEqual(factors.map((f) => `${f.id}:${f.status}`).sort());
        expect(row?.controls).toEqual(['CC6.1', 'CC6.2']);
      }
      expect(rows.filter((r) => r.data.mfaEnrolled === false).length).toBeGreaterThan(10);

      const policies = await current(org, 'okta.password_policy');
      const simPolicies = big.state.policies.filter((p) => p.type === 'PASSWORD');
      expect(policies.map((p) => p.sourceId).sort()).toEqual(simPolicies.map((p) => p.id).sort());
      const defaultPolicy = policies.find((p) => p.data.system === true);
      expect(defaultPolicy?.data).toMatchObject({
        name: 'Default Policy',
        complexity: { minLength: 8, minNumber: null, minSymbol: 0 },
        lockout: { maxAttempts: 10 },
        age: { historyCount: 0 },
      });

      const events = await current(org, 'okta.deprovisioning_event');
      const since = Date.now() - 30 * 86_400_000;
      const expected = big.state.logs.filter(
        (e) =>
          [
            'user.lifecycle.deactivate',
            'user.lifecycle.suspend',
            'user.lifecycle.delete.initiated',
            'application.user_membership.remove',
            'group.user_membership.remove',
          ].includes(e.eventType) && Date.parse(e.published) >= since,
      );
      expect(expected.length).toBeGreaterThan(3);
      expect(events.map((e) => e.sourceId).sort()).toEqual(expected.map((e) => e.uuid).sort());
      expect(events[0]?.controls).toEqual(['CC6.2', 'CC6.3']);
    });

    it('writes no row on an unchanged second sync and makes at most 10 % of the API calls', async () => {
      const before = await evidence.countDocuments({
        organizationId: new Types.ObjectId(org.organizationId),
      });
      const second = await syncNow(org, id);
      expect(second.status).toBe('SUCCEEDED');
      expect(second.stats.map((s) => s.inserted + s.closed)).toEqual([0, 0, 0]);
      expect(await evidence.countDocuments({ organizationId: new Types.ObjectId(org.organizationId) })).toBe(
        before,
      );
      expect(calls(second)).toBeLessThanOrEqual(firstCalls * 0.1);
    });

    it('adds and closes exactly the right rows after factor changes, deactivations, a new user and a weaker policy', async () => {
      const active = big.state.activeUsers();
      const changed = active.slice(0, 5);
      const deactivated = active.slice(5, 7);
      for (const user of changed) big.state.enrollFactor(user.id);
      for (const user of deactivated) big.state.deactivateUser(user.id);
      const added = big.state.addUser();
      const policy = big.state.policies.find((p) => p.type === 'PASSWORD' && !p.system);
      big.state.weakenPasswordPolicy(policy?.id ?? '', { minLength: 6, minNumber: 0 });

      const run = await syncNow(org, id);
      expect(run.status).toBe('SUCCEEDED');
      expect(byType(run, 'okta.user_mfa')).toMatchObject({ inserted: 6, closed: 7 });
      expect(byType(run, 'okta.password_policy')).toMatchObject({ inserted: 1, closed: 1 });
      expect(byType(run, 'okta.deprovisioning_event')).toMatchObject({ inserted: 2, closed: 0 });

      const users = new Map((await current(org, 'okta.user_mfa')).map((r) => [r.sourceId, r]));
      for (const user of deactivated) expect(users.has(user.id)).toBe(false);
      expect(users.get(added.id)?.data.mfaEnrolled).toBe(true);
      for (const user of changed) {
        expect((users.get(user.id)?.data.factors as unknown[]).length).toBe(
          big.state.factors.get(user.id)?.length,
        );
      }
      const closedPolicy = await evidence
        .findOne({
          organizationId: new Types.ObjectId(org.organizationId),
          sourceId: policy?.id,
          validUntil: { $ne: null },
        })
        .lean();
      expect((closedPolicy?.data.complexity as { minLength: number }).minLength).toBe(14);
      const weak = (await current(org, 'okta.password_policy')).find((p) => p.sourceId === policy?.id);
      expect(weak?.data.complexity).toMatchObject({ minLength: 6, minNumber: 0 });
    });

    it('answers evidence queries by type, control, connection, current state and point in time, with keyset pages', async () => {
      const query = `query($filter: EvidenceFilter, $first: Int, $after: String) { evidence(filter: $filter, first: $first, after: $after) {
        edges { cursor node { id type sourceId controls validUntil locked } } pageInfo { hasNextPage endCursor } } }`;
      type Page = {
        evidence: {
          edges: {
            node: {
              id: string;
              type: string;
              sourceId: string;
              controls: string[];
              validUntil: string | null;
            };
          }[];
          pageInfo: { hasNextPage: boolean; endCursor: string };
        };
      };
      const policies = await t.gql<Page>(org.adminToken, query, {
        filter: { type: 'okta.password_policy', currentOnly: true },
      });
      expect(policies.data?.evidence.edges).toHaveLength(2);
      const cc63 = await t.gql<Page>(org.adminToken, query, {
        filter: { control: 'CC6.3', connectionId: id },
        first: 100,
      });
      expect(cc63.data?.evidence.edges.every((e) => e.node.type === 'okta.deprovisioning_event')).toBe(true);
      const page1 = await t.gql<Page>(org.adminToken, query, {
        filter: { type: 'okta.user_mfa' },
        first: 50,
      });
      const page2 = await t.gql<Page>(org.adminToken, query, {
        filter: { type: 'okta.user_mfa' },
        first: 50,
        after: page1.data?.evidence.pageInfo.endCursor,
      });
      const ids = [...(page1.data?.evidence.edges ?? []), ...(page2.data?.evidence.edges ?? [])].map(
        (e) => e.node.id,
      );
      expect(new Set(ids).size).toBe(100);
      // As of before the last sync, the weakened policy's old version is the one in force.
      const runsNow = await runs(org, id);
      const beforeLast = new Date(Date.parse(runsNow[0]?.startedAt ?? '') - 1).toISOString();
      const asOf = await t.gql<Page>(org.adminToken, query, {
        filter: { type: 'okta.password_policy', asOf: beforeLast },
      });
      expect(asOf.data?.evidence.edges).toHaveLength(2);
      expect(asOf.data?.evidence.edges.some((e) => e.node.validUntil !== null)).toBe(true);
    });

    it('refuses content updates at the schema layer, allowing only lifecycle fields', async () => {
      const row = await evidence
        .findOne({ organizationId: new Types.ObjectId(org.organizationId), type: 'okta.user_mfa' })
        .lean();
      const filter = { organizationId: new Types.ObjectId(org.organizationId), _id: row?._id };
      await expect(
        evidence.updateOne(filter, { $set: { 'data.mfaEnrolled': true } }).exec(),
      ).rejects.toBeInstanceOf(EvidenceImmutableError);
      await expect(evidence.updateOne(filter, { $set: { fingerprint: 'x' } }).exec()).rejects.toBeInstanceOf(
        EvidenceImmutableError,
      );
      await expect(evidence.replaceOne(filter, {}).exec()).rejects.toBeInstanceOf(EvidenceImmutableError);
      await expect(evidence.deleteOne(filter).exec()).rejects.toBeInstanceOf(EvidenceImmutableError);
      const doc = await evidence.findOne(filter).orFail().exec();
      doc.sourceId = 'other';
      await expect(doc.save()).rejects.toBeInstanceOf(EvidenceImmutableError);
      await expect(
        evidence.updateOne(filter, { $addToSet: { assessmentIds: new Types.ObjectId() } }).exec(),
      ).resolves.toMatchObject({ matchedCount: 1 });
    });

    it('freezes an approved assessment and protects its evidence from deletion and purge', async () => {
      const rows = (await current(org, 'okta.password_policy')).map((r) => r._id.toHexString());
      const created = await t.gql<{ createAssessment: { id: string; status: string } }>(
        org.adminToken,
        'mutation { createAssessment(input: { name: "SOC 2 Type II 2026", periodStart: "2026-01-01T00:00:00Z", periodEnd: "2026-12-31T00:00:00Z" }) { id status } }',
      );
      const assessmentId = created.data?.createAssessment.id;
      expect(created.data?.createAssessment.status).toBe('DRAFT');
      const attach =
        'mutation($a: ID!, $e: [ID!]!) { attachEvidence(input: { assessmentId: $a, evidenceIds: $e }) { status evidenceIds } }';
      const attached = await t.gql<{ attachEvidence: { evidenceIds: string[] } }>(org.adminToken, attach, {
        a: assessmentId,
        e: rows,
      });
      expect(attached.data?.attachEvidence.evidenceIds.sort()).toEqual([...rows].sort());
      const member = await t.token(org.organizationId, 'MEMBER');
      expect(
        errorCode(
          await t.gql(
            member,
            'mutation($a: ID!) { approveAssessment(input: { assessmentId: $a }) { status } }',
            { a: assessmentId },
          ),
        ),
      ).toBe('FORBIDDEN');
      const approved = await t.gql<{ approveAssessment: { status: string; approvedBy: string } }>(
        org.adminToken,
        'mutation($a: ID!) { approveAssessment(input: { assessmentId: $a }) { status approvedBy } }',
        { a: assessmentId },
      );
      expect(approved.data?.approveAssessment).toEqual({ status: 'APPROVED', approvedBy: 'user-admin' });

      const other = (await current(org, 'okta.user_mfa'))[0]?._id.toHexString();
      expect(errorCode(await t.gql(org.adminToken, attach, { a: assessmentId, e: [other] }))).toBe(
        'CONFLICT',
      );
      expect(
        errorCode(
          await t.gql(
            org.adminToken,
            'mutation($a: ID!) { approveAssessment(input: { assessmentId: $a }) { status } }',
            { a: assessmentId },
          ),
        ),
      ).toBe('CONFLICT');

      const locked = await evidence
        .find({
          organizationId: new Types.ObjectId(org.organizationId),
          _id: { $in: rows.map((r) => new Types.ObjectId(r)) },
        })
        .lean();
      expect(locked.every((r) => r.locked)).toBe(true);
      await expect(
        evidence
          .deleteMany({
            organizationId: new Types.ObjectId(org.organizationId),
            _id: { $in: locked.map((r) => r._id) },
          })
          .exec(),
      ).rejects.toBeInstanceOf(EvidenceImmutableError);
      const purge = await evidence
        .deleteMany({
          organizationId: new Types.ObjectId(org.organizationId),
          _id: { $in: locked.map((r) => r._id) },
          locked: false,
        })
        .exec();
      expect(purge.deletedCount).toBe(0);
      const audit = await t.gql<{ auditLog: { edges: { node: { action: string } }[] } }>(
        org.adminToken,
        '{ auditLog(filter: { action: ASSESSMENT_APPROVE }) { edges { node { action } } } }',
      );
      expect(audit.data?.auditLog.edges).toHaveLength(1);
    });

    it('exposes sync, API-call and evidence metrics at /metrics', async () => {
      const res = await t.http().get('/metrics').expect(200);
      const value = (line: RegExp): number =>
        Number(new RegExp(`${line.source} (\\d+(?:\\.\\d+)?)`).exec(res.text)?.[1] ?? NaN);
      expect(
        value(/okta_evidence_syncs_total\{connector="okta",status="SUCCEEDED"\}/),
      ).toBeGreaterThanOrEqual(3);
      expect(value(/okta_evidence_okta_api_calls_total\{collector="okta.user_mfa"\}/)).toBeGreaterThan(1000);
      expect(
        value(/okta_evidence_evidence_rows_written_total\{type="okta.user_mfa"\}/),
      ).toBeGreaterThanOrEqual(1006);
      expect(res.text).toContain('okta_evidence_sync_duration_seconds_bucket');
      expect(res.text).toContain('okta_evidence_open_alerts');
    });

    it('audits every sync with its run id and counts', async () => {
      const audit = await t.gql<{
        auditLog: { edges: { node: { details: { runId: string; inserted: number } } }[] };
      }>(org.adminToken, '{ auditLog(filter: { action: SYNC }, first: 10) { edges { node { details } } } }');
      const audited = audit.data?.auditLog.edges.map((e) => e.node.details.runId).sort();
      expect(audited).toEqual((await runs(org, id)).map((r) => r.id).sort());
    });
  });

  describe('rate limits and faults', () => {
    it('throttles before the bucket runs dry, waits out 429s and retries 5xx, resets and malformed bodies', async () => {
      const org = await t.createOrg('Storm');
      const id = await connect(t, org);
      sim.api.rateLimits = { windowMs: 1000, limits: { users: 1, logs: 1, default: 25 } };
      sim.api.faults.push(
        { kind: 'http429', count: 3, path: /factors$/ },
        { kind: 'http500', count: 2 },
        { kind: 'http503', count: 1 },
        { kind: 'reset', count: 1 },
        { kind: 'malformed', count: 1, path: /factors$/ },
      );
      const start = sim.api.requests.length;
      const run = await runsAfterForcedSweep(org, id);
      expect(run.status).toBe('SUCCEEDED');
      const waits = run.stats.reduce((n, s) => n + s.rateLimitWaits, 0);
      const retries = run.stats.reduce((n, s) => n + s.retries, 0);
      expect(waits).toBeGreaterThanOrEqual(4);
      expect(retries).toBeGreaterThanOrEqual(5);
      const sent = sim.api.requests.slice(start);
      expect(sent.filter((r) => r.status === 429).length).toBe(3); // only the injected ones
      expect(sent.some((r) => r.overLimit)).toBe(false);
      expect((await current(org, 'okta.user_mfa')).length).toBe(sim.state.activeUsers().length);
    });

    it('fails only the collector whose endpoint keeps failing, closes nothing, and the next run completes', async () => {
      const org = await t.createOrg('Faulty');
      const id = await connect(t, org);
      const rowsBefore = await evidence.countDocuments({
        organizationId: new Types.ObjectId(org.organizationId),
        validUntil: { $ne: null },
      });
      sim.api.faults.push({ kind: 'http500', count: 1000, path: /^\/api\/v1\/policies/ });
      const broken = await syncNow(org, id);
      expect(broken.status).toBe('PARTIAL');
      expect(byType(broken, 'okta.password_policy').complete).toBe(false);
      expect(byType(broken, 'okta.password_policy').error).toMatch(/^unavailable: /);
      expect(broken.error?.code).toBe('COLLECTOR_FAILED');
      expect(
        await evidence.countDocuments({
          organizationId: new Types.ObjectId(org.organizationId),
          validUntil: { $ne: null },
        }),
      ).toBe(rowsBefore);
      sim.api.faults.length = 0;
      const healed = await syncNow(org, id);
      expect(healed.status).toBe('SUCCEEDED');
      const connection = await t.gql<{ connection: { lastSuccessfulSyncAt: string } }>(
        org.adminToken,
        'query($id: ID!) { connection(id: $id) { lastSuccessfulSyncAt } }',
        { id },
      );
      expect(Date.parse(connection.data?.connection.lastSuccessfulSyncAt ?? '')).toBeGreaterThanOrEqual(
        Date.parse(healed.startedAt),
      );
    });

    it('refreshes the token once when it expires mid-sync and carries on', async () => {
      const org = await t.createOrg('Expiry');
      const id = await connect(t, org);
      const refreshesBefore = sim.oauth.calls.filter((c) => c.grantType === 'refresh_token').length;
      sim.api.expireTokenAtRequest = sim.api.requests.length + 3;
      const run = await syncNow(org, id);
      expect(run.status).toBe('SUCCEEDED');
      expect(sim.oauth.calls.filter((c) => c.grantType === 'refresh_token').length).toBe(refreshesBefore + 1);
      expect(sim.api.requests.filter((r) => r.status === 401).length).toBeGreaterThanOrEqual(1);
    });

    it('marks the connection NEEDS_REAUTH naming a scope Okta no longer grants', async () => {
      const org = await t.createOrg('Scopeless');
      const id = await connect(t, org);
      sim.api.revokedScopes.add('okta.policies.read');
      const run = await syncNow(org, id);
      expect(run.status).toBe('PARTIAL');
      expect(run.error?.code).toBe('INSUFFICIENT_SCOPE');
      const c = await t.gql<{ connection: { status: string; statusReason: string } }>(
        org.adminToken,
        'query($id: ID!) { connection(id: $id) { status statusReason } }',
        { id },
      );
      expect(c.data?.connection).toEqual({
        status: 'NEEDS_REAUTH',
        statusReason: 'insufficient_scope: okta.policies.read',
      });
      expect(errorCode(await t.gql(org.adminToken, SYNC, { id }))).toBe('CONFLICT');
    });

    it('reports an admin without permission (E0000006) on the collector', async () => {
      const org = await t.createOrg('Denied');
      const id = await connect(t, org);
      sim.api.deniedPaths.push(/^\/api\/v1\/logs$/);
      const run = await syncNow(org, id);
      expect(run.status).toBe('PARTIAL');
      expect(byType(run, 'okta.deprovisioning_event').error).toMatch(
        /^permission_denied: The authorizing admin lacks permission/,
      );
    });
  });

  /** A sync that re-reads every user's factors (clears the sweep cursor first). */
  async function runsAfterForcedSweep(org: TestOrg, id: string): Promise<Run> {
    await t.connection.db
      ?.collection('connections')
      .updateOne({ _id: new Types.ObjectId(id) }, { $unset: { 'syncState.factorSweepAt': 1 } });
    return syncNow(org, id);
  }

  describe('syncConnection and tenancy', () => {
    it('returns the run in progress instead of starting a second one', async () => {
      const org = await t.createOrg('Twice');
      const id = await connect(t, org);
      sim.api.faults.push({ kind: 'latency', latencyMs: 300, count: 5 });
      const [a, b] = await Promise.all([
        t.gql<{ syncConnection: { id: string } }>(org.adminToken, SYNC, { id }),
        t.gql<{ syncConnection: { id: string } }>(org.adminToken, SYNC, { id }),
      ]);
      expect(a.data?.syncConnection.id).toBe(b.data?.syncConnection.id);
      await sync().idle();
    });

    it("shows org B none of org A's evidence, runs or assessments", async () => {
      const a = await t.createOrg('A');
      const b = await t.createOrg('B');
      const id = await connect(t, a);
      expect(errorCode(await t.gql(b.adminToken, RUNS, { id }))).toBe('NOT_FOUND');
      expect(errorCode(await t.gql(b.adminToken, SYNC, { id }))).toBe('NOT_FOUND');
      const ev = await t.gql<{ evidence: { edges: unknown[] } }>(
        b.adminToken,
        'query($id: ID!) { evidence(filter: { connectionId: $id }) { edges { node { id } } } }',
        { id },
      );
      expect(ev.data?.evidence.edges).toEqual([]);
      const all = await t.gql<{ evidence: { edges: unknown[] } }>(
        b.adminToken,
        '{ evidence { edges { node { id } } } }',
      );
      expect(all.data?.evidence.edges).toEqual([]);
      const created = await t.gql<{ createAssessment: { id: string } }>(
        a.adminToken,
        'mutation { createAssessment(input: { name: "A", periodStart: "2026-01-01T00:00:00Z", periodEnd: "2026-06-30T00:00:00Z" }) { id } }',
      );
      expect(
        errorCode(
          await t.gql(b.adminToken, 'query($id: ID!) { assessment(id: $id) { id } }', {
            id: created.data?.createAssessment.id,
          }),
        ),
      ).toBe('NOT_FOUND');
      const list = await t.gql<{ assessments: { edges: unknown[] } }>(
        b.adminToken,
        '{ assessments { edges { node { id } } } }',
      );
      expect(list.data?.assessments.edges).toEqual([]);
      expect(errorCode(await t.gql(await t.token(a.organizationId, 'AUDITOR'), SYNC, { id }))).toBe(
        'FORBIDDEN',
      );
    });
  });

  describe('retention', () => {
    it("purges a revoked connection's unattached history after RETENTION_DAYS, keeping what an assessment holds and the runs it was collected by", async () => {
      const org = await t.createOrg('Retained');
      const id = await connect(t, org);
      await syncNow(org, id); // a second run, which no kept row points to
      const scope = {
        organizationId: new Types.ObjectId(org.organizationId),
        connectionId: new Types.ObjectId(id),
      };
      const kept = (await evidence.find({ ...scope, type: 'okta.password_policy' }).lean()).map((r) =>
        r._id.toHexString(),
      );
      const created = await t.gql<{ createAssessment: { id: string } }>(
        org.adminToken,
        'mutation { createAssessment(input: { name: "Kept", periodStart: "2026-01-01T00:00:00Z", periodEnd: "2026-06-30T00:00:00Z" }) { id } }',
      );
      await t.gql(
        org.adminToken,
        'mutation($a: ID!, $e: [ID!]!) { attachEvidence(input: { assessmentId: $a, evidenceIds: $e }) { id } }',
        {
          a: created.data?.createAssessment.id,
          e: kept,
        },
      );
      await t.gql(
        org.adminToken,
        'mutation($id: ID!) { revokeConnection(input: { connectionId: $id }) { status } }',
        { id },
      );
      const job = t.get<RetentionJob>(RetentionJob);
      expect(await job.run()).toBe(0); // still inside the window
      expect(await evidence.countDocuments(scope)).toBeGreaterThan(kept.length);

      await t.connection.db
        ?.collection('connections')
        .updateOne(
          { _id: new Types.ObjectId(id) },
          { $set: { deletedAt: new Date(Date.now() - 401 * 86_400_000) } },
        );
      const runsBefore = (await runs(org, id)).map((r) => r.id);
      expect(await job.run()).toBe(1);
      const left = await evidence.find(scope).lean();
      expect(left.map((r) => r._id.toHexString()).sort()).toEqual([...kept].sort());
      // The kept rows still name the run that collected them: that run record stays, the others go.
      const referenced = [...new Set(left.map((r) => r.runId.toHexString()))];
      expect(referenced).toHaveLength(1);
      const remaining = await t.connection.db?.collection('connector_runs').find(scope).toArray();
      expect(remaining?.map((r) => String(r._id))).toEqual(referenced);
      expect((await runs(org, id)).map((r) => r.id)).toEqual(referenced);
      const audit = await t.gql<{
        auditLog: {
          edges: { node: { details: { evidenceRows: number; runs: number; runsKept: number } } }[];
        };
      }>(org.adminToken, '{ auditLog(filter: { action: RETENTION_PURGE }) { edges { node { details } } } }');
      expect(audit.data?.auditLog.edges[0]?.node.details.runs).toBe(runsBefore.length - 1);
      expect(audit.data?.auditLog.edges[0]?.node.details.runsKept).toBe(1);
      expect(audit.data?.auditLog.edges[0]?.node.details.evidenceRows).toBeGreaterThan(10);
      expect(await job.run()).toBe(0);
      const history = await t.gql<{ connection: { status: string } }>(
        org.adminToken,
        'query($id: ID!) { connection(id: $id) { status } }',
        { id },
      );
      expect(history.data?.connection.status).toBe('REVOKED');
    });
  });

  describe('the scheduler across instances', () => {
    it('syncs each connection exactly once per cadence and never concurrently, with two instances', async () => {
      const second = await TestApp.start({
        PUBLIC_URL,
        OKTA_ALLOWED_INSECURE_HOSTS: sim.host,
        MONGO_DB_NAME: t.config.mongoDbName,
        LOCAL_MASTER_KEY_FILE: t.config.kms.localMasterKeyFile,
        SCHEDULER_TICK_MS: '3600000',
      });
      try {
        const orgs = [await t.createOrg('S1'), await t.createOrg('S2'), await t.createOrg('S3')];
        const ids = [];
        for (const org of orgs) ids.push(await connect(t, org));
        const schedulers = [t.get<SyncScheduler>(SyncScheduler), second.get<SyncScheduler>(SyncScheduler)];
        const services = [sync(), second.get<SyncService>(SyncService)];
        const rounds = 4;
        for (let round = 0; round < rounds; round++) {
          await t.connection.db
            ?.collection('connections')
            .updateMany(
              { _id: { $in: ids.map((i) => new Types.ObjectId(i)) } },
              { $set: { nextSyncAt: new Date(Date.now() - 1000) } },
            );
          // Instances take turns being first; the others tick while its syncs run, and again after.
          const leader = schedulers[round % 2] as SyncScheduler;
          expect(await leader.tick()).toBe(ids.length);
          expect(await Promise.all([...schedulers, ...schedulers].map((s) => s.tick()))).toEqual([
            0, 0, 0, 0,
          ]);
          await Promise.all(services.map((s) => s.idle()));
          expect(await Promise.all(schedulers.map((s) => s.tick()))).toEqual([0, 0]);
        }
        const owners = await t.connection.db
          ?.collection('connector_runs')
          .find({ connectionId: { $in: ids.map((i) => new Types.ObjectId(i)) }, trigger: 'schedule' })
          .toArray();
        const instances = new Set(owners?.map((r) => String(r.owner).split(':')[0]));
        expect(instances.size).toBe(2);
        for (const [i, org] of orgs.entries()) {
          const all = await runs(org, ids[i] ?? '');
          const scheduled = all.filter((r) => r.trigger === 'schedule');
          expect(scheduled).toHaveLength(rounds);
          expect(
            scheduled.map((r) => `${r.status}${r.error ? ` ${r.error.code}: ${r.error.message}` : ''}`),
          ).toEqual(Array.from({ length: rounds }, () => 'SUCCEEDED'));
          const intervals = all
            .map((r) => [Date.parse(r.startedAt), Date.parse(r.finishedAt ?? '')] as const)
            .sort((x, y) => x[0] - y[0]);
          for (let k = 1; k < intervals.length; k++)
            expect(intervals[k]?.[0]).toBeGreaterThanOrEqual(intervals[k - 1]?.[1] ?? 0);
        }
      } finally {
        await second.app.close();
      }
    });

    it("takes over a crashed instance's sync once its lease expires, losing nothing", async () => {
      const short = await TestApp.start({
        PUBLIC_URL,
        OKTA_ALLOWED_INSECURE_HOSTS: sim.host,
        MONGO_DB_NAME: t.config.mongoDbName,
        LOCAL_MASTER_KEY_FILE: t.config.kms.localMasterKeyFile,
        SCHEDULER_TICK_MS: '3600000',
        SYNC_LEASE_TTL_MS: '1500',
      });
      try {
        const org = await t.createOrg('Crash');
        const id = await connect(t, org);
        // A dead instance: it holds the lease and left a RUNNING run behind, mid-sync.
        await short.asOrg(org.organizationId, () =>
          short.get<LeaseLock>(LeaseLock).tryAcquire(`sync:${id}`, 'dead-instance', 1500),
        );
        await short.connection.db?.collection('connector_runs').insertOne({
          organizationId: new Types.ObjectId(org.organizationId),
          connectionId: new Types.ObjectId(id),
          trigger: 'schedule',
          status: 'RUNNING',
          owner: 'dead-instance',
          startedAt: new Date(),
          heartbeatAt: new Date(),
          finishedAt: null,
          stats: [],
          grantedScopes: [],
          error: null,
        });
        await short.connection.db
          ?.collection('connections')
          .updateOne({ _id: new Types.ObjectId(id) }, { $set: { nextSyncAt: new Date(Date.now() - 1000) } });
        const scheduler = short.get<SyncScheduler>(SyncScheduler);
        expect(await scheduler.tick()).toBe(0); // lease still held
        await sleep(1600);
        expect(await scheduler.tick()).toBe(1);
        await short.get<SyncService>(SyncService).idle();
        const all = await runs(org, id, short);
        expect({ ...all[0], stats: [] }).toMatchObject({
          trigger: 'schedule',
          status: 'SUCCEEDED',
          error: null,
        });
        const abandoned = all.find((r) => r.status === 'ABANDONED');
        expect(abandoned?.error?.code).toBe('ABANDONED');
        const audit = await short.gql<{
          auditLog: { edges: { node: { details: { runId: string; code: string } } }[] };
        }>(org.adminToken, '{ auditLog(filter: { action: SYNC_FAILURE }) { edges { node { details } } } }');
        expect(audit.data?.auditLog.edges.map((e) => e.node.details)).toEqual([
          expect.objectContaining({ runId: abandoned?.id, code: 'ABANDONED' }),
        ]);
        expect((await current(org, 'okta.user_mfa')).length).toBe(sim.state.activeUsers().length);
      } finally {
        await short.app.close();
      }
    });
  });
});
