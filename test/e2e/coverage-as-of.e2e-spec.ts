import { Types } from 'mongoose';
import { AuditService } from '#src/modules/audit/audit.service';
import { CoverageService } from '#src/modules/coverage/coverage.service';
import { type ConnectedOkta, startConnectedOkta } from '../support/connected-okta';
import { shiftHistory } from '../support/history';
import { type OktaSimulator } from '../support/okta-simulator';
import { errorCode, type TestApp, type TestOrg } from '../support/test-app';

const CLIENT = { clientId: 'as-of-client', clientSecret: 'as-of-client-secret' };
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

type Db = NonNullable<TestApp['connection']['db']>;

const COVERAGE = `query($asOf: DateTime) {
  coverage(asOf: $asOf) { percent controls { control { id } status reason evidenceCount lastSuccessfulSyncAt } } }`;
const CHECKS = `query($asOf: DateTime, $key: CheckKey) {
  checks(asOf: $asOf, key: $key) { key status reason failingCount excepted { sourceId }
    failingItems(first: 100) { edges { node { sourceId } } } } }`;
const STATE_AT = `query($id: ID!, $asOf: DateTime!) {
  connection(id: $id) { stateAt(asOf: $asOf) { at status authorizedAt lastSuccessfulSyncAt stale lastFinishedRun { id status } } } }`;

interface ControlCoverage {
  control: { id: string };
  status: string;
  reason: string;
  evidenceCount: number;
  lastSuccessfulSyncAt: string | null;
}
interface Coverage {
  coverage: { percent: number; controls: ControlCoverage[] };
}
interface Check {
  key: string;
  status: string;
  reason: string;
  failingCount: number;
  excepted: { sourceId: string }[];
  failingItems: { edges: { node: { sourceId: string } }[] };
}
interface StateAt {
  connection: {
    stateAt: {
      at: string;
      status: string | null;
      authorizedAt: string | null;
      lastSuccessfulSyncAt: string | null;
      stale: boolean;
      lastFinishedRun: { id: string; status: string } | null;
    };
  };
}

/** The simulator's active users without an ACTIVE factor: who the MFA check must fail, sorted. */
function withoutMfa(sim: OktaSimulator): string[] {
  return sim.state
    .activeUsers()
    .filter((u) => !(sim.state.factors.get(u.id) ?? []).some((f) => f.status === 'ACTIVE'))
    .map((u) => u.id)
    .sort();
}

/**
 * Coverage, checks and a connection's state at past instants, against a history built with the simulator:
 * a first sync, a 7-hour outage (stale), a second sync after a user lost MFA and another user joined, then
 * a settings change and an exception, then a sync that leaves the connection NEEDS_REAUTH. Each instant must
 * show what the simulator held then.
 */
describe('coverage and checks at an instant (e2e)', () => {
  let world: ConnectedOkta;
  let t: TestApp;
  let org: TestOrg;
  let other: TestOrg;
  let connectionId = '';
  let db: Db;
  // What the simulator held after each phase.
  const held = { first: { noMfa: [] as string[], active: 0 }, second: { noMfa: [] as string[], active: 0 } };
  let victim = '';
  let orgCreatedAt = new Date(0);
  let firstSync = new Date(0);
  let secondSync = new Date(0);
  let firstRunId = '';

  const syncNow = (): Promise<void> => t.syncNow(org.adminToken, connectionId);
  const successfulRuns = async (): Promise<{ id: string; finishedAt: Date }[]> =>
    (
      await db
        .collection('connector_runs')
        .find({ connectionId: new Types.ObjectId(connectionId), status: 'SUCCEEDED' })
        .sort({ finishedAt: 1 })
        .toArray()
    ).map((r) => ({ id: r._id.toHexString(), finishedAt: r.finishedAt as Date }));

  beforeAll(async () => {
    world = await startConnectedOkta({ users: 12, seed: 9, orgName: 'Then and now', client: CLIENT });
    ({ t, org, connectionId } = world);
    other = await t.createOrg('Elsewhere');
    const found = t.connection.db;
    if (found === undefined) throw new Error('no database');
    db = found;
    const { sim } = world;

    // First phase (connected, first sync), 11 hours ago by the end.
    held.first = { noMfa: withoutMfa(sim), active: sim.state.activeUsers().length };
    await shiftHistory(db, org.organizationId, 8 * HOUR);

    // Second phase, 3 hours ago: a user loses MFA, another joins, a sync after the 8-hour outage.
    const target = sim.state.activeUsers().find((u) => !held.first.noMfa.includes(u.id));
    if (target === undefined) throw new Error('no user with MFA');
    victim = target.id;
    sim.state.resetFactors(victim);
    sim.state.addUser();
    await syncNow();
    held.second = { noMfa: withoutMfa(sim), active: sim.state.activeUsers().length };
    await shiftHistory(db, org.organizationId, 2 * HOUR);

    // Third phase, 1 hour ago: a weaker password baseline, and an exception for the user without MFA.
    const settings = await t.gql(
      org.adminToken,
      'mutation { updateCheckSettings(input: { minLength: 8, minHistoryCount: 0, requireNumber: false }) { dormantDays } }',
    );
    expect(settings.errors).toBeUndefined();
    const exception = await t.gql(
      org.adminToken,
      'mutation($input: CreateCheckExceptionInput!) { createCheckException(input: $input) { id } }',
      {
        input: {
          check: 'mfa_enrolled',
          sourceId: victim,
          reason: 'Hardware key on order',
          expiresAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
        },
      },
    );
    expect(exception.errors).toBeUndefined();
    await shiftHistory(db, org.organizationId, HOUR);

    // Fourth phase, 20 minutes ago: Okta stops granting a scope, so a sync leaves the connection NEEDS_REAUTH.
    sim.api.revokedScopes.add('okta.policies.read');
    await syncNow();
    await shiftHistory(db, org.organizationId, 20 * MINUTE);

    const runs = await successfulRuns();
    expect(runs).toHaveLength(2); // the fourth phase's sync was PARTIAL
    [firstSync, secondSync] = runs.map((r) => r.finishedAt) as [Date, Date];
    firstRunId = runs[0]?.id ?? '';
    const organization = await db
      .collection('organizations')
      .findOne({ _id: new Types.ObjectId(org.organizationId) });
    orgCreatedAt = organization?.createdAt as Date;
  });
  afterAll(() => world.close());

  const coverageAt = async (asOf: Date): Promise<Coverage['coverage']> => {
    const result = await t.gql<Coverage>(org.adminToken, COVERAGE, { asOf: asOf.toISOString() });
    if (result.data?.coverage === undefined) throw new Error(JSON.stringify(result.errors));
    return result.data.coverage;
  };
  const checksAt = async (asOf: Date | undefined): Promise<Map<string, Check>> => {
    const result = await t.gql<{ checks: Check[] }>(org.adminToken, CHECKS, { asOf: asOf?.toISOString() });
    if (result.data?.checks === undefined) throw new Error(JSON.stringify(result.errors));
    return new Map(result.data.checks.map((c) => [c.key, c]));
  };
  const failingIds = (check: Check | undefined): string[] =>
    (check?.failingItems.edges ?? []).map((e) => e.node.sourceId).sort();
  const stateAt = async (asOf: Date): Promise<StateAt['connection']['stateAt'] | undefined> =>
    (await t.gql<StateAt>(org.adminToken, STATE_AT, { id: connectionId, asOf: asOf.toISOString() })).data
      ?.connection.stateAt;

  it('builds the history it needs: two syncs eight hours apart, the first eleven hours ago', () => {
    expect(secondSync.getTime() - firstSync.getTime()).toBeGreaterThan(8 * HOUR - MINUTE);
    expect(Date.now() - firstSync.getTime()).toBeGreaterThan(11 * HOUR - MINUTE);
    expect(held.first.noMfa).not.toContain(victim);
    expect(held.second.noMfa).toEqual([...held.first.noMfa, victim].sort());
    expect(held.second.active).toBe(held.first.active + 1);
  });

  it('an hour after the first sync: its evidence, fresh, judged by the default settings', async () => {
    const asOf = new Date(firstSync.getTime() + HOUR);
    const checks = await checksAt(asOf);
    const mfa = checks.get('mfa_enrolled');
    expect(failingIds(mfa)).toEqual(held.first.noMfa);
    expect(mfa?.status).toBe(held.first.noMfa.length > 0 ? 'FAIL' : 'PASS');
    expect(mfa?.excepted).toEqual([]);
    // The simulated org's policies are weaker than the default baseline (minimum length 12).
    expect(checks.get('password_baseline')?.status).toBe('FAIL');

    const coverage = await coverageAt(asOf);
    const [cc61, , cc63] = coverage.controls;
    expect(cc61?.evidenceCount).toBe(held.first.active + 5); // the users, two password and three authentication policies
    expect(cc61).toMatchObject({ status: 'DEGRADED', lastSuccessfulSyncAt: firstSync.toISOString() });
    expect(cc61?.reason).toMatch(/check failed: Password policies meet the baseline/);
    expect(cc63).toMatchObject({ control: { id: 'CC6.3' }, status: 'COVERED' });

    expect(await stateAt(asOf)).toEqual({
      at: asOf.toISOString(),
      status: 'ACTIVE',
      authorizedAt: expect.any(String) as unknown,
      lastSuccessfulSyncAt: firstSync.toISOString(),
      stale: false,
      lastFinishedRun: { id: firstRunId, status: 'SUCCEEDED' },
    });
  });

  it('seven hours after the first sync: stale, so coverage degrades and the checks are inconclusive', async () => {
    const asOf = new Date(firstSync.getTime() + 7 * HOUR);
    const coverage = await coverageAt(asOf);
    expect(coverage.percent).toBe(0);
    for (const control of coverage.controls) {
      expect(control.status).toBe('DEGRADED');
      expect(control.reason).toBe(`Okta ${world.sim.host} last synced 7 h ago (threshold 6 h)`);
    }
    expect(coverage.controls[0]?.evidenceCount).toBe(held.first.active + 5);
    const checks = await checksAt(asOf);
    expect([...checks.values()].map((c) => [c.key, c.status, c.reason])).toEqual([
      ['mfa_enrolled', 'INCONCLUSIVE', 'the evidence is stale'],
      ['password_baseline', 'INCONCLUSIVE', 'the evidence is stale'],
      ['no_dormant_users', 'INCONCLUSIVE', 'the evidence is stale'],
      ['second_factor_for_everyone', 'INCONCLUSIVE', 'the evidence is stale'],
      ['super_admins_limited', 'INCONCLUSIVE', 'okta.roles.read not granted'],
    ]);
    expect(await stateAt(asOf)).toMatchObject({
      status: 'ACTIVE',
      stale: true,
      lastSuccessfulSyncAt: firstSync.toISOString(),
    });
  });

  it('after the second sync: the user without MFA fails, the new user counts, settings still the defaults', async () => {
    const asOf = new Date(secondSync.getTime() + 30 * MINUTE);
    const checks = await checksAt(asOf);
    expect(failingIds(checks.get('mfa_enrolled'))).toEqual(held.second.noMfa);
    expect(checks.get('mfa_enrolled')).toMatchObject({
      status: 'FAIL',
      failingCount: held.second.noMfa.length,
      excepted: [],
    });
    expect(checks.get('password_baseline')?.status).toBe('FAIL');
    const coverage = await coverageAt(asOf);
    expect(coverage.controls[0]).toMatchObject({
      status: 'DEGRADED',
      evidenceCount: held.second.active + 5,
      lastSuccessfulSyncAt: secondSync.toISOString(),
    });
    expect(coverage.controls[0]?.reason).toMatch(/check failed: Every active user has MFA/);
    expect(await stateAt(asOf)).toMatchObject({
      stale: false,
      lastSuccessfulSyncAt: secondSync.toISOString(),
    });
  });

  it('after the settings change and the exception: the user is excepted, the weaker baseline passes', async () => {
    const asOf = new Date(Date.now() - 50 * MINUTE);
    const checks = await checksAt(asOf);
    const mfa = checks.get('mfa_enrolled');
    expect(failingIds(mfa)).toEqual(held.first.noMfa);
    expect(mfa?.excepted).toEqual([{ sourceId: victim }]);
    expect(checks.get('password_baseline')).toMatchObject({
      status: 'PASS',
      reason: 'every active password policy meets the baseline',
    });
    const coverage = await coverageAt(asOf);
    expect(coverage.controls[0]?.reason).not.toMatch(/Password policies/);
    expect(await stateAt(asOf)).toMatchObject({ status: 'ACTIVE', stale: false });
  });

  it('after the sync that lost a scope: NEEDS_REAUTH then, as now', async () => {
    const asOf = new Date(Date.now() - 10 * MINUTE);
    const state = await stateAt(asOf);
    expect(state).toMatchObject({
      status: 'NEEDS_REAUTH',
      lastSuccessfulSyncAt: secondSync.toISOString(),
      lastFinishedRun: { status: 'PARTIAL' },
    });
    const coverage = await coverageAt(asOf);
    expect(coverage.controls.map((c) => c.status)).toEqual(['DEGRADED', 'DEGRADED', 'DEGRADED']);
    expect(coverage.controls[0]?.reason).toBe(`Okta ${world.sim.host} needs re-authorization`);
    const then = await checksAt(asOf);
    expect([...then.values()].map((c) => c.status)).toEqual([
      'INCONCLUSIVE',
      'INCONCLUSIVE',
      'INCONCLUSIVE',
      'INCONCLUSIVE',
      'INCONCLUSIVE',
    ]);
    // Now (no asOf) reads the stored results and the connection as it is: the same picture.
    const now = await checksAt(undefined);
    expect([...now.values()].map((c) => [c.key, c.status, c.reason])).toEqual(
      [...then.values()].map((c) => [c.key, c.status, c.reason]),
    );
    const current = await t.gql<Coverage>(org.adminToken, COVERAGE, {});
    expect(current.data?.coverage.controls.map((c) => [c.status, c.reason])).toEqual(
      coverage.controls.map((c) => [c.status, c.reason]),
    );
  });

  it('the service methods answer as the queries do (what a bundle writes)', async () => {
    const asOf = new Date(secondSync.getTime() + 30 * MINUTE);
    const service = t.get<CoverageService>(CoverageService);
    const [coverage, checks] = await t.asOrg(org.organizationId, () =>
      Promise.all([service.coverageAt(asOf), service.checksAt(asOf)]),
    );
    expect(coverage.controls[0]?.evidenceCount).toBe(held.second.active + 5);
    const mfa = checks.find((c) => c.key === 'mfa_enrolled');
    expect(mfa?.allFailing?.map((i) => i.sourceId).sort()).toEqual(held.second.noMfa);
  });

  it('the connection did not exist yet at the organization’s creation', async () => {
    const state = await stateAt(orgCreatedAt);
    expect(state).toMatchObject({
      status: null,
      stale: false,
      lastSuccessfulSyncAt: null,
      lastFinishedRun: null,
    });
    expect((await coverageAt(orgCreatedAt)).controls.map((c) => c.status)).toEqual([
      'MISSING',
      'MISSING',
      'MISSING',
    ]);
  });

  it.each([
    ['coverage in the future', COVERAGE, () => ({ asOf: new Date(Date.now() + 2 * MINUTE).toISOString() })],
    ['checks in the future', CHECKS, () => ({ asOf: new Date(Date.now() + 2 * MINUTE).toISOString() })],
    [
      'coverage before the organization existed',
      COVERAGE,
      () => ({ asOf: new Date(orgCreatedAt.getTime() - 1).toISOString() }),
    ],
    [
      'checks before the organization existed',
      CHECKS,
      () => ({ asOf: new Date(orgCreatedAt.getTime() - HOUR).toISOString() }),
    ],
    [
      'a connection state in the future',
      STATE_AT,
      () => ({ id: connectionId, asOf: new Date(Date.now() + 2 * MINUTE).toISOString() }),
    ],
    [
      'a connection state before the organization existed',
      STATE_AT,
      () => ({ id: connectionId, asOf: new Date(orgCreatedAt.getTime() - 1).toISOString() }),
    ],
  ])('refuses %s with BAD_USER_INPUT naming asOf', async (_name, query, variables) => {
    const result = await t.gql(org.adminToken, query, variables());
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.message).toMatch(/^asOf must not be/);
  });

  it('allows a minute of clock skew', async () => {
    const result = await t.gql(org.adminToken, COVERAGE, {
      asOf: new Date(Date.now() + 30_000).toISOString(),
    });
    expect(result.errors).toBeUndefined();
  });

  it('another organization sees only its own history', async () => {
    // Its own creation was moments ago: the first organization's past is before it existed.
    const before = await t.gql(other.adminToken, COVERAGE, {
      asOf: new Date(firstSync.getTime() + HOUR).toISOString(),
    });
    expect(errorCode(before)).toBe('BAD_USER_INPUT');
    const now = await t.gql<Coverage>(other.adminToken, COVERAGE, { asOf: new Date().toISOString() });
    expect(now.data?.coverage.controls.map((c) => c.status)).toEqual(['MISSING', 'MISSING', 'MISSING']);
    const state = await t.gql(other.adminToken, STATE_AT, {
      id: connectionId,
      asOf: new Date().toISOString(),
    });
    expect(errorCode(state)).toBe('NOT_FOUND');
  });

  it('settings changed before versions existed: read as stored, their history replayed from the audit, kept by the first change', async () => {
    const legacy = await t.createOrg('Legacy');
    await shiftHistory(db, legacy.organizationId, 3 * HOUR);
    // What a build from before versions wrote: the settings in coverage_state, and the audited change.
    await db.collection('coverage_state').insertOne({
      organizationId: new Types.ObjectId(legacy.organizationId),
      passwordBaseline: { minLength: 10 },
      dormantDays: 45,
      checks: [],
      evidenceCounts: [],
      computedAt: null,
      failingGeneration: null,
    });
    await t.asOrg(legacy.organizationId, () =>
      t.get<AuditService>(AuditService).append({
        action: 'CHECK_SETTINGS_UPDATE',
        target: { type: 'organization', id: legacy.organizationId },
        details: { minLength: 10, dormantDays: 45 },
      }),
    );
    await shiftHistory(db, legacy.organizationId, HOUR); // created 4 hours ago, changed 1 hour ago
    const dormantTitle = async (asOf?: Date): Promise<string | undefined> =>
      (
        await t.gql<{ checks: { title: string }[] }>(
          legacy.adminToken,
          'query($asOf: DateTime) { checks(asOf: $asOf, key: no_dormant_users) { title } }',
          { asOf: asOf?.toISOString() },
        )
      ).data?.checks[0]?.title;
    const settings = async () =>
      (
        await t.gql<{ checkSettings: { dormantDays: number; passwordBaseline: { minLength: number } } }>(
          legacy.adminToken,
          '{ checkSettings { dormantDays passwordBaseline { minLength } } }',
        )
      ).data?.checkSettings;

    expect(await settings()).toEqual({ dormantDays: 45, passwordBaseline: { minLength: 10 } });
    const twoHoursAgo = new Date(Date.now() - 2 * HOUR);
    const halfAnHourAgo = new Date(Date.now() - 30 * MINUTE);
    expect(await dormantTitle(twoHoursAgo)).toBe('No user dormant for more than 90 days');
    expect(await dormantTitle(halfAnHourAgo)).toBe('No user dormant for more than 45 days');

    const updated = await t.gql(
      legacy.adminToken,
      'mutation { updateCheckSettings(input: { dormantDays: 60 }) { dormantDays } }',
    );
    expect(updated.errors).toBeUndefined();
    const versions = await db
      .collection('check_settings_versions')
      .find({ organizationId: new Types.ObjectId(legacy.organizationId) })
      .sort({ effectiveFrom: 1 })
      .toArray();
    expect(
      versions.map((v): unknown[] => [
        v.dormantDays,
        (v.passwordBaseline as { minLength: number }).minLength,
      ]),
    ).toEqual([
      [90, 12],
      [45, 10],
      [60, 10],
    ]);
    expect(await settings()).toEqual({ dormantDays: 60, passwordBaseline: { minLength: 10 } });
    expect(await dormantTitle(twoHoursAgo)).toBe('No user dormant for more than 90 days');
    expect(await dormantTitle(halfAnHourAgo)).toBe('No user dormant for more than 45 days');
    expect(await dormantTitle()).toBe('No user dormant for more than 60 days');
  });
});
