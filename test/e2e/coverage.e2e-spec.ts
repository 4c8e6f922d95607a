import { setTimeout as sleep } from 'node:timers/promises';
import { SyncService } from '#src/modules/connectors/sync/sync.service';
import { followRedirects } from '../support/browser';
import { OktaOrgState, OktaSimulator } from '../support/okta-simulator';
import { errorCode, TestApp, type TestOrg } from '../support/test-app';
import { subscribe } from '../support/ws-client';

const PUBLIC_URL = 'http://app.test';
const CALLBACK = `${PUBLIC_URL}/api/integrations/okta/callback`;
const CLIENT = { clientId: 'coverage-client', clientSecret: 'coverage-client-secret' };
const HOUR = 3_600_000;

const COVERAGE =
  '{ coverage { percent controls { control { id } status reason evidenceCount lastSuccessfulSyncAt } } }';
const CHECKS =
  '{ checks { key status reason control failing { sourceId label } excepted { sourceId exceptionId } } }';
const ALERTS_SUB = 'subscription { staleAlerts { id kind connectionId openedAt resolvedAt message } }';

interface Coverage {
  coverage: {
    percent: number;
    controls: { control: { id: string }; status: string; reason: string; evidenceCount: number }[];
  };
}
interface Checks {
  checks: {
    key: string;
    status: string;
    reason: string;
    control: string;
    failing: { sourceId: string; label: string }[];
    excepted: { sourceId: string }[];
  }[];
}
interface AlertEvent {
  staleAlerts: { id: string; kind: string; connectionId: string; resolvedAt: string | null; message: string };
}

describe('coverage, checks, staleness and live alerts (e2e)', () => {
  let sim: OktaSimulator;
  let t: TestApp;
  let org: TestOrg;
  let other: TestOrg;
  let connectionId: string;

  beforeAll(async () => {
    // Every active user has MFA to begin with, so the organization can be fully covered.
    const state = OktaOrgState.seed({ users: 30, seed: 3, withoutMfaRatio: 0 });
    sim = await OktaSimulator.start({ ...CLIENT, redirectUri: CALLBACK, state });
    t = await TestApp.start({
      PUBLIC_URL,
      OKTA_ALLOWED_INSECURE_HOSTS: sim.host,
      STALENESS_CHECK_MS: '250',
      SCHEDULER_TICK_MS: '3600000',
    });
    org = await t.createOrg('Covered');
    other = await t.createOrg('Elsewhere');
    // The simulated org's default policy is weaker than the default baseline; this test wants a clean start.
    const settings = await t.gql(
      org.adminToken,
      'mutation { updateCheckSettings(input: { minLength: 8, minHistoryCount: 0, dormantDays: 3650 }) { dormantDays } }',
    );
    expect(settings.errors).toBeUndefined();

    const connected = await t.gql<{ connectOkta: { authorizeUrl: string; connection: { id: string } } }>(
      org.adminToken,
      'mutation($input: ConnectOktaInput!) { connectOkta(input: $input) { authorizeUrl connection { id } } }',
      { input: { oktaDomain: sim.host, ...CLIENT } },
    );
    connectionId = connected.data?.connectOkta.connection.id ?? '';
    const back = new URL(await followRedirects(connected.data?.connectOkta.authorizeUrl ?? '', CALLBACK));
    await t.http().get(`${back.pathname}${back.search}`).expect(302);
    await t.get<SyncService>(SyncService).idle();
  });
  afterAll(async () => {
    await t.get<SyncService>(SyncService).idle();
    await t.close();
    await sim.close();
  });

  const coverage = async (): Promise<Coverage['coverage']> => {
    const result = await t.gql<Coverage>(org.adminToken, COVERAGE);
    if (result.data?.coverage === undefined) throw new Error(JSON.stringify(result.errors));
    return result.data.coverage;
  };
  const check = async (key: string): Promise<Checks['checks'][number] | undefined> =>
    (await t.gql<Checks>(org.adminToken, CHECKS)).data?.checks.find((c) => c.key === key);
  const syncNow = (): Promise<void> => t.syncNow(org.adminToken, connectionId);

  it('lists the controls with the evidence each needs', async () => {
    const result = await t.gql<{ controls: { id: string; evidenceTypes: string[] }[] }>(
      org.adminToken,
      '{ controls { id title description evidenceTypes } }',
    );
    expect(result.data?.controls.map((c) => [c.id, c.evidenceTypes])).toEqual([
      ['CC6.1', ['okta.user_mfa', 'okta.password_policy', 'okta.authentication_policy']],
      ['CC6.2', ['okta.user_mfa', 'okta.deprovisioning_event']],
      ['CC6.3', ['okta.deprovisioning_event', 'okta.group_membership', 'okta.admin_role_assignment']],
    ]);
  });

  it('covers every control after a sync against the simulator', async () => {
    const result = await coverage();
    expect(result.percent).toBe(100);
    expect(result.controls.map((c) => c.status)).toEqual(['COVERED', 'COVERED', 'COVERED']);
    expect(result.controls[0]?.evidenceCount).toBe(sim.state.activeUsers().length + 5);
    const other_ = await t.gql<Coverage>(other.adminToken, COVERAGE);
    expect(other_.data?.coverage.controls.map((c) => c.status)).toEqual(['MISSING', 'MISSING', 'MISSING']);
  });

  it('alerts the subscriber once when the connection goes stale, degrades coverage, and resolves on the next sync', async () => {
    const mine = subscribe<AlertEvent>(
      t.url,
      ALERTS_SUB,
      `Bearer ${await t.token(org.organizationId, 'AUDITOR')}`,
    );
    const theirs = subscribe<AlertEvent>(t.url, ALERTS_SUB, `Bearer ${other.adminToken}`);
    await Promise.all([mine.connected, theirs.connected]);
    await sleep(200);
    try {
      await t.backdateLastSync(connectionId, 7 * HOUR);
      const opened = await mine.next(5000);
      expect(opened.staleAlerts).toMatchObject({ kind: 'STALE_CONNECTOR', connectionId, resolvedAt: null });
      expect(opened.staleAlerts.message).toBe(`Okta ${sim.host} last synced 7 h ago (threshold 6 h)`);
      await sleep(1200); // several more ticks
      expect(mine.events).toEqual([]);
      expect(theirs.events).toEqual([]);

      const degraded = await coverage();
      expect(degraded.controls.map((c) => c.status)).toEqual(['DEGRADED', 'DEGRADED', 'DEGRADED']);
      expect(degraded.controls[0]?.reason).toBe(`Okta ${sim.host} last synced 7 h ago (threshold 6 h)`);
      expect(degraded.percent).toBe(0);
      const open = await t.gql<{ alerts: { edges: { node: { kind: string } }[] } }>(
        org.adminToken,
        '{ alerts(status: OPEN) { edges { node { kind } } } }',
      );
      expect(open.data?.alerts.edges.map((e) => e.node.kind)).toEqual(['STALE_CONNECTOR']);
      const mfa = await check('mfa_enrolled');
      expect(mfa?.status).toBe('INCONCLUSIVE');
      expect(mfa?.reason).toBe('the evidence is stale');

      await syncNow();
      const resolved = await mine.next(5000);
      expect(resolved.staleAlerts).toMatchObject({ id: opened.staleAlerts.id, kind: 'STALE_CONNECTOR' });
      expect(resolved.staleAlerts.resolvedAt).not.toBeNull();
      expect((await coverage()).controls.map((c) => c.status)).toEqual(['COVERED', 'COVERED', 'COVERED']);
      await sleep(300);
      expect(theirs.events).toEqual([]);
    } finally {
      await Promise.all([mine.dispose(), theirs.dispose()]);
    }
  });

  it('fails the MFA check for a user without MFA, passes it with an exception, and fails again when it expires', async () => {
    const victim = sim.state.activeUsers()[3];
    if (victim === undefined) throw new Error('no user');
    sim.state.resetFactors(victim.id);
    await syncNow();
    const failing = await check('mfa_enrolled');
    expect(failing).toMatchObject({ status: 'FAIL', control: 'CC6.1' });
    expect(failing?.failing.map((f) => f.sourceId)).toEqual([victim.id]);
    const degraded = await coverage();
    expect(degraded.controls[0]).toMatchObject({ status: 'DEGRADED' });
    expect(degraded.controls[0]?.reason).toMatch(
      /^check failed: Every active user has MFA \(1 of \d+ fail\)$/,
    );

    const create =
      'mutation($input: CreateCheckExceptionInput!) { createCheckException(input: $input) { id active approvedBy } }';
    const tooLong = await t.gql(org.adminToken, create, {
      input: {
        check: 'mfa_enrolled',
        sourceId: victim.id,
        reason: 'x',
        expiresAt: new Date(Date.now() + 400 * 86_400_000).toISOString(),
      },
    });
    expect(errorCode(tooLong)).toBe('BAD_USER_INPUT');
    const member = await t.token(org.organizationId, 'MEMBER');
    expect(
      errorCode(
        await t.gql(member, create, {
          input: {
            check: 'mfa_enrolled',
            sourceId: victim.id,
            reason: 'x',
            expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
          },
        }),
      ),
    ).toBe('FORBIDDEN');

    const expiresAt = new Date(Date.now() + 2500).toISOString();
    const exception = await t.gql<{
      createCheckException: { id: string; active: boolean; approvedBy: string };
    }>(org.adminToken, create, {
      input: {
        check: 'mfa_enrolled',
        sourceId: victim.id,
        reason: 'Break-glass account, hardware key in the safe',
        expiresAt,
      },
    });
    expect(exception.data?.createCheckException).toMatchObject({ active: true, approvedBy: 'user-admin' });
    const passing = await check('mfa_enrolled');
    expect(passing?.status).toBe('PASS');
    expect(passing?.excepted).toEqual([
      { sourceId: victim.id, exceptionId: exception.data?.createCheckException.id },
    ]);
    expect((await coverage()).controls[0]?.status).toBe('COVERED');
    const listed = await t.gql<{ checkExceptions: { sourceId: string; active: boolean }[] }>(
      org.adminToken,
      '{ checkExceptions { sourceId active reason expiresAt } }',
    );
    expect(listed.data?.checkExceptions).toEqual([
      expect.objectContaining({ sourceId: victim.id, active: true }),
    ]);

    await sleep(3200); // past the expiry, and a few staleness ticks
    expect((await check('mfa_enrolled'))?.status).toBe('FAIL');
    const paged = await t.gql<{
      checks: {
        key: string;
        failingCount: number;
        failingItems: { edges: { node: { sourceId: string } }[] };
      }[];
    }>(
      org.adminToken,
      '{ checks { key failingCount failingItems(first: 5) { edges { node { sourceId } } } } }',
    );
    expect(paged.data?.checks.find((c) => c.key === 'mfa_enrolled')).toEqual({
      key: 'mfa_enrolled',
      failingCount: 1,
      failingItems: { edges: [{ node: { sourceId: victim.id } }] },
    });
    const MFA_PAGE =
      'query($after: String) { checks(key: mfa_enrolled) { key failingItems(first: 1, after: $after) { edges { cursor } } } }';
    const mfaAfter = (after?: string) =>
      t.gql<{ checks: { key: string; failingItems: { edges: { cursor: string }[] } }[] }>(
        org.adminToken,
        MFA_PAGE,
        after === undefined ? {} : { after },
      );
    const first = await mfaAfter();
    expect(first.data?.checks.map((c) => c.key)).toEqual(['mfa_enrolled']);
    const fresh = first.data?.checks[0]?.failingItems.edges[0]?.cursor ?? '';
    const json = (value: unknown[]) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const after of [
      'not-a-cursor',
      json([-1]),
      json(['mfa_enrolled', '', 0, -1]),
      json(['password_baseline', '', 0, 0]),
    ]) {
      expect({ after, code: errorCode(await mfaAfter(after)) }).toEqual({ after, code: 'BAD_USER_INPUT' });
    }
    // A cursor from before a recomputation (a settings change refreshes the checks) is refused, not reused.
    const settings = await t.gql(
      org.adminToken,
      'mutation { updateCheckSettings(input: { dormantDays: 3650 }) { dormantDays } }',
    );
    expect(settings.errors).toBeUndefined();
    const stale = await mfaAfter(fresh);
    expect(errorCode(stale)).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(stale.errors)).toContain('start again from the first page');
    expect((await coverage()).controls[0]?.status).toBe('DEGRADED');
    const audit = await t.gql<{ auditLog: { edges: { node: { action: string } }[] } }>(
      org.adminToken,
      '{ auditLog(first: 50) { edges { node { action } } } }',
    );
    const actions = audit.data?.auditLog.edges.map((e) => e.node.action) ?? [];
    expect(actions.filter((a) => a === 'EXCEPTION_CREATE')).toHaveLength(1);
    expect(actions.filter((a) => a === 'EXCEPTION_EXPIRE')).toHaveLength(1);

    sim.state.enrollFactor(victim.id);
    await syncNow();
    expect((await check('mfa_enrolled'))?.status).toBe('PASS');
  });

  it('fails the password baseline when a policy is weakened', async () => {
    expect((await check('password_baseline'))?.status).not.toBe('FAIL');
    const admins = sim.state.policies.find((p) => p.type === 'PASSWORD' && !p.system);
    sim.state.weakenPasswordPolicy(admins?.id ?? '', { minLength: 6 });
    await syncNow();
    const result = await check('password_baseline');
    expect(result?.status).toBe('FAIL');
    expect(result?.failing).toEqual([{ sourceId: admins?.id, label: 'Admins' }]);
    expect((await coverage()).controls[0]?.reason).toMatch(
      /check failed: Password policies meet the baseline/,
    );
  });

  it('refuses a staleAlerts subscription without a token', async () => {
    const anonymous = subscribe<AlertEvent>(t.url, ALERTS_SUB);
    await expect(anonymous.closed).resolves.toBe(4403);
    await anonymous.dispose();
  });
});
