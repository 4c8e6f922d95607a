import { type DataState } from './check.types';
import { StreamedCheck } from './checks';
import { secondFactorDefinition } from './second-factor.check';

const NOW = new Date('2026-12-01T12:00:00Z');
const OK: DataState = { present: true, fresh: true, complete: true };
const people = (groups: string[] = [], exclude: string[] = []) => ({
  groupsIncluded: groups.map((name) => ({ id: `id-${name}`, name })),
  groupsExcluded: exclude.map((name) => ({ id: `id-${name}`, name })),
  usersIncluded: [],
  usersExcluded: [],
});
const rule = (name: string, fields: Record<string, unknown>) => ({
  id: `r-${name}`,
  name,
  status: 'ACTIVE',
  people: people(),
  access: 'ALLOW',
  requireFactor: null,
  verificationType: null,
  factorMode: null,
  ...fields,
});
const policy = (id: string, policyType: string, rules: unknown[], extra: Record<string, unknown> = {}) => ({
  sourceId: id,
  data: { policyType, name: `${id} policy`, status: 'ACTIVE', groupsIncluded: [], rules, ...extra },
});
const signOn2fa = policy('so', 'OKTA_SIGN_ON', [rule('default', { requireFactor: true })], {
  groupsIncluded: [{ id: 'g0', name: 'Everyone' }],
});
const access2fa = policy('ap', 'ACCESS_POLICY', [
  rule('catch-all', { verificationType: 'ASSURANCE', factorMode: '2FA' }),
]);

function judge(rows: ReturnType<typeof policy>[], data = OK) {
  const check = new StreamedCheck(secondFactorDefinition());
  rows.forEach((row, i) => check.item(String(i), row, false, 'identity.authentication_policy'));
  return check.result(data, [], NOW);
}

describe('second_factor_for_everyone', () => {
  it('passes when the active sign-on and access policies require a second factor', () => {
    const result = judge([signOn2fa, access2fa, policy('mfa', 'MFA_ENROLL', [])]);
    expect(result.status).toBe('PASS');
    expect(result.failing).toEqual([]);
  });

  it.each<[string, ReturnType<typeof policy>, string]>([
    [
      'an access rule in 1FA for a group, naming the group',
      policy('ap', 'ACCESS_POLICY', [
        rule('contractors', {
          factorMode: '1FA',
          verificationType: 'ASSURANCE',
          people: people(['Contractors']),
        }),
      ]),
      'rule "contractors" lets Contractors sign in with one factor',
    ],
    [
      'a sign-on rule without requireFactor for the policy’s groups',
      policy('so', 'OKTA_SIGN_ON', [rule('default', { requireFactor: false })], {
        groupsIncluded: [{ id: 'g0', name: 'Everyone' }],
      }),
      'rule "default" lets Everyone sign in with one factor',
    ],
    [
      'a 1FA rule for everyone but excluded groups',
      policy('ap', 'ACCESS_POLICY', [rule('most', { factorMode: '1FA', people: people([], ['Admins']) })]),
      'rule "most" lets everyone except Admins sign in with one factor',
    ],
    [
      'a group without a name, named by id',
      policy('ap', 'ACCESS_POLICY', [
        rule('gone', {
          factorMode: '1FA',
          people: { ...people(), groupsIncluded: [{ id: '00gdeleted', name: null }] },
        }),
      ]),
      'rule "gone" lets 00gdeleted sign in with one factor',
    ],
  ])('fails on %s', (_name, row, reason) => {
    const result = judge([signOn2fa, row]);
    expect(result.status).toBe('FAIL');
    expect(result.failing).toEqual([{ sourceId: row.sourceId, label: row.data.name, reason }]);
  });

  it('names every exempting rule of a policy in one failing item', () => {
    const row = policy('ap', 'ACCESS_POLICY', [
      rule('a', { factorMode: '1FA', people: people(['Contractors']) }),
      rule('b', { factorMode: '1FA', people: people(['Interns', 'Vendors']) }),
      rule('c', { factorMode: '2FA' }),
    ]);
    expect(judge([row]).failing[0]?.reason).toBe(
      'rule "a" lets Contractors sign in with one factor; rule "b" lets Interns, Vendors sign in with one factor',
    );
  });

  it.each<[string, ReturnType<typeof policy>]>([
    [
      'an inactive rule',
      policy('ap', 'ACCESS_POLICY', [rule('off', { factorMode: '1FA', status: 'INACTIVE' })]),
    ],
    [
      'a rule of an inactive policy',
      policy('ap', 'ACCESS_POLICY', [rule('x', { factorMode: '1FA' })], { status: 'INACTIVE' }),
    ],
    ['a DENY rule', policy('so', 'OKTA_SIGN_ON', [rule('deny', { access: 'DENY', requireFactor: false })])],
    ['an MFA enrollment policy', policy('mfa', 'MFA_ENROLL', [rule('enroll', { access: null })])],
  ])('ignores %s', (_name, row) => {
    expect(judge([signOn2fa, row]).status).toBe('PASS');
  });

  it('is INCONCLUSIVE on a rule it cannot evaluate, unless something fails', () => {
    const chain = policy('chain', 'ACCESS_POLICY', [
      rule('chain', { verificationType: 'AUTH_METHOD_CHAIN' }),
    ]);
    const unknown = judge([signOn2fa, chain]);
    expect(unknown.status).toBe('INCONCLUSIVE');
    expect(unknown.reason).toContain('verification method AUTH_METHOD_CHAIN is not evaluated');
    const oneFactor = policy('so2', 'OKTA_SIGN_ON', [rule('weak', { requireFactor: false })]);
    expect(judge([chain, oneFactor]).status).toBe('FAIL');
  });

  it('is INCONCLUSIVE without any active sign-on or access policy', () => {
    const result = judge([
      policy('mfa', 'MFA_ENROLL', []),
      { ...access2fa, data: { ...access2fa.data, status: 'INACTIVE' } },
    ]);
    expect(result.status).toBe('INCONCLUSIVE');
    expect(result.reason).toBe(
      '1 item(s) cannot be evaluated: sign-on and access policies (no ACTIVE sign-on or access policy collected)',
    );
  });

  it('a newer row of a policy replaces its judgement and its fact', () => {
    const check = new StreamedCheck(secondFactorDefinition());
    check.item('k', signOn2fa, false, 'identity.authentication_policy');
    check.item(
      'k',
      { ...signOn2fa, data: { ...signOn2fa.data, status: 'INACTIVE' } },
      true,
      'identity.authentication_policy',
    );
    expect(check.result(OK, [], NOW).status).toBe('INCONCLUSIVE');
  });

  it('is INCONCLUSIVE on stale data even when a rule exempts a group', () => {
    const row = policy('ap', 'ACCESS_POLICY', [rule('x', { factorMode: '1FA' })]);
    expect(judge([row], { ...OK, fresh: false }).status).toBe('INCONCLUSIVE');
  });
});
