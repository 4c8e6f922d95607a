import { type ConnectedOkta, startConnectedOkta } from '../support/connected-okta';
import { type TestApp, type TestOrg } from '../support/test-app';

const CLIENT = { clientId: 'access-client', clientSecret: 'access-client-secret' };

interface Rule {
  id: string;
  name: string;
  status: string;
  access: string | null;
  requireFactor: boolean | null;
  factorMode: string | null;
  enroll: string | null;
  people: { groupsIncluded: { id: string; name: string | null }[] };
}
interface PolicyRow {
  sourceId: string;
  controls: string[];
  data: { policyType: string; name: string; status: string; rules: Rule[]; enrollment: unknown };
}
interface Check {
  key: string;
  title: string;
  control: string;
  status: string;
  reason: string;
  failing: { sourceId: string; label: string; reason: string }[];
}

describe('Okta authentication policies and the second-factor check (e2e)', () => {
  let world: ConnectedOkta;
  let t: TestApp;
  let org: TestOrg;

  beforeAll(async () => {
    world = await startConnectedOkta({ users: 15, seed: 14, orgName: 'Access', client: CLIENT });
    ({ t, org } = world);
  });
  afterAll(() => world.close());

  const policies = async (): Promise<PolicyRow[]> => {
    const result = await t.gql<{ evidence: { edges: { node: PolicyRow }[] } }>(
      org.adminToken,
      `{ evidence(first: 100, filter: { type: "okta.authentication_policy", currentOnly: true }) {
           edges { node { sourceId controls data } } } }`,
    );
    if (result.data === undefined || result.data === null) throw new Error(JSON.stringify(result.errors));
    return result.data.evidence.edges.map((e) => e.node);
  };
  const check = async (): Promise<Check | undefined> => {
    const result = await t.gql<{ checks: Check[] }>(
      org.adminToken,
      '{ checks { key title control status reason failing { sourceId label reason } } }',
    );
    return result.data?.checks.find((c) => c.key === 'second_factor_for_everyone');
  };

  it('collects every MFA_ENROLL, OKTA_SIGN_ON and ACCESS_POLICY policy with its rules, as the simulator holds them', async () => {
    const rows = await policies();
    const truth = world.sim.state.policies.filter((p) => p.type !== 'PASSWORD');
    expect(rows.map((r) => r.sourceId).sort()).toEqual(truth.map((p) => p.id).sort());
    const perType = (list: { type?: string; policyType?: string }[]) =>
      list.reduce<Record<string, number>>((n, p) => {
        const type = p.policyType ?? p.type ?? '';
        return { ...n, [type]: (n[type] ?? 0) + 1 };
      }, {});
    expect(perType(rows.map((r) => r.data))).toEqual({ MFA_ENROLL: 1, OKTA_SIGN_ON: 1, ACCESS_POLICY: 1 });
    expect(perType(rows.map((r) => r.data))).toEqual(perType(truth));
    for (const row of rows) {
      const policy = truth.find((p) => p.id === row.sourceId);
      expect(row.controls).toEqual(['CC6.1']);
      expect(row.data.rules.map((r) => [r.id, r.name, r.status])).toEqual(
        (policy?.rules ?? [])
          .map((r) => [r.id, r.name, r.status])
          .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
      );
    }
    const byType = (type: string) => rows.find((r) => r.data.policyType === type);
    expect(byType('OKTA_SIGN_ON')?.data.rules[0]).toMatchObject({ access: 'ALLOW', requireFactor: true });
    expect(byType('ACCESS_POLICY')?.data.rules[0]).toMatchObject({ access: 'ALLOW', factorMode: '2FA' });
    expect(byType('MFA_ENROLL')?.data.rules[0]).toMatchObject({ enroll: 'CHALLENGE' });
    expect(byType('MFA_ENROLL')?.data.enrollment).toEqual([
      { key: 'okta_verify', enroll: 'REQUIRED' },
      { key: 'phone_number', enroll: 'NOT_ALLOWED' },
      { key: 'webauthn', enroll: 'OPTIONAL' },
    ]);
  });

  it('shows the evidence type under CC6.1 in coverage', async () => {
    const result = await t.gql<{ controls: { id: string; evidenceTypes: string[] }[] }>(
      org.adminToken,
      '{ controls { id evidenceTypes } }',
    );
    expect(result.data?.controls.find((c) => c.id === 'CC6.1')?.evidenceTypes).toContain(
      'okta.authentication_policy',
    );
    const coverage = await t.gql<{
      coverage: {
        controls: { control: { id: string }; status: string; reason: string; evidenceCount: number }[];
      };
    }>(org.adminToken, '{ coverage { controls { control { id } status reason evidenceCount } } }');
    const cc61 = coverage.data?.coverage.controls.find((c) => c.control.id === 'CC6.1');
    // The seeded org fails other CC6.1 checks (users without MFA, a weak password policy), never this one.
    expect(cc61?.status).toBe('DEGRADED');
    expect(cc61?.reason).not.toContain('second factor');
    const passwordPolicies = world.sim.state.policies.filter((p) => p.type === 'PASSWORD').length;
    const userRows = (
      await t.gql<{ evidence: { edges: unknown[] } }>(
        org.adminToken,
        '{ evidence(first: 100, filter: { type: "okta.user_mfa", currentOnly: true }) { edges { cursor } } }',
      )
    ).data?.evidence.edges.length;
    expect(cc61?.evidenceCount).toBe((userRows ?? 0) + passwordPolicies + 3);
  });

  it('passes while every sign-on and access rule requires a second factor', async () => {
    expect(await check()).toMatchObject({
      title: 'An active sign-on or access policy requires a second factor for everyone',
      control: 'CC6.1',
      status: 'PASS',
      failing: [],
    });
  });

  it('fails naming the group once a rule lets Contractors sign in with one factor, and passes once it is gone', async () => {
    const rule = world.sim.state.exemptGroupFromSecondFactor(2, 'ACCESS_POLICY');
    const access = world.sim.state.policies.find((p) => p.type === 'ACCESS_POLICY');
    expect(world.sim.state.groups[2]?.name).toBe('Contractors');
    await t.syncNow(org.adminToken, world.connectionId);
    const failed = await check();
    expect(failed?.status).toBe('FAIL');
    expect(failed?.reason).toBe('1 of 3 fail');
    expect(failed?.failing).toEqual([
      {
        sourceId: access?.id,
        label: access?.name,
        reason: 'rule "Contractors with a password" lets Contractors sign in with one factor',
      },
    ]);
    const row = (await policies()).find((r) => r.sourceId === access?.id);
    expect(row?.data.rules.find((r) => r.id === rule.id)).toMatchObject({
      factorMode: '1FA',
      people: { groupsIncluded: [{ id: world.sim.state.groups[2]?.id, name: 'Contractors' }] },
    });

    rule.status = 'INACTIVE';
    await t.syncNow(org.adminToken, world.connectionId);
    expect((await check())?.status).toBe('PASS');
  });

  it('is INCONCLUSIVE when no sign-on or access policy is active', async () => {
    for (const policy of world.sim.state.policies.filter((p) =>
      ['OKTA_SIGN_ON', 'ACCESS_POLICY'].includes(p.type),
    ))
      world.sim.state.updatePolicy(policy.id, { status: 'INACTIVE' });
    await t.syncNow(org.adminToken, world.connectionId);
    expect(await check()).toMatchObject({
      status: 'INCONCLUSIVE',
      reason:
        '1 item(s) cannot be evaluated: sign-on and access policies (no ACTIVE sign-on or access policy collected)',
    });
  });
});
