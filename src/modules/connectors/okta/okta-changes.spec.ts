import { type ChangeDetector, type ItemChange } from '#src/modules/connectors/connector-driver.port';
import {
  adminRoleChanges,
  authenticationPolicyChanges,
  groupMembershipChanges,
  passwordPolicyChanges,
  userChanges,
} from './okta-changes';

type Data = Record<string, unknown>;

const change = (before: Data | undefined, after: Data | undefined, stored?: Data): ItemChange => ({
  before,
  after,
  storedData: () => Promise.resolve(stored),
});
const detect = async (detector: ChangeDetector, c: ItemChange) => await detector.detect(c);

describe('Okta change detectors', () => {
  const user = { login: 'ann@acme.example', status: 'ACTIVE', mfaEnrolled: true };

  it('reports MFA removed from an active user, and nothing for other user changes', async () => {
    expect(await detect(userChanges, change(user, { ...user, mfaEnrolled: false }))).toEqual([
      expect.objectContaining({
        kind: 'MFA_REMOVED',
        risky: true,
        label: 'ann@acme.example',
        fields: [{ field: 'mfaEnrolled', before: true, after: false }],
      }),
    ]);
    expect(await detect(userChanges, change({ ...user, mfaEnrolled: false }, user))).toEqual([]);
    expect(await detect(userChanges, change(user, { ...user, lastLoginDay: '2026-12-01' }))).toEqual([]);
  });

  it('reports users that became active or left the active users', async () => {
    expect(await detect(userChanges, change(undefined, user))).toMatchObject([
      { kind: 'USER_ACTIVATED', risky: false, fields: [{ field: 'status', before: null, after: 'ACTIVE' }] },
    ]);
    expect(await detect(userChanges, change(user, undefined))).toMatchObject([
      { kind: 'USER_DEACTIVATED', label: 'ann@acme.example', fields: [{ before: 'ACTIVE', after: null }] },
    ]);
  });

  const policy = {
    name: 'Default Policy',
    status: 'ACTIVE',
    complexity: { minLength: 12, minUpperCase: 1, minNumber: 1, minSymbol: 0 },
    lockout: { maxAttempts: 5 },
    age: { historyCount: 4 },
  };

  it('names every weakened password setting with its values before and after', async () => {
    const weaker = {
      ...policy,
      complexity: { ...policy.complexity, minLength: 8, minNumber: null },
      lockout: { maxAttempts: 0 },
      age: { historyCount: 5 },
    };
    const [found, ...rest] = await detect(passwordPolicyChanges, change(policy, weaker));
    expect(rest).toEqual([]);
    expect(found).toMatchObject({ kind: 'POLICY_WEAKENED', risky: true, label: 'Default Policy' });
    expect(found?.fields).toEqual([
      { field: 'complexity.minLength', before: 12, after: 8 },
      { field: 'complexity.minNumber', before: 1, after: null },
      { field: 'lockout.maxAttempts', before: 5, after: 0 },
    ]);
    expect(found?.summary).toBe(
      'Default Policy weakened: complexity.minLength 12 → 8, complexity.minNumber 1 → null, lockout.maxAttempts 5 → 0',
    );
  });

  it('ignores stronger settings, inactive policies and a policy seen for the first time', async () => {
    const stronger = {
      ...policy,
      complexity: { ...policy.complexity, minLength: 14 },
      lockout: { maxAttempts: 3 },
    };
    expect(await detect(passwordPolicyChanges, change(policy, stronger))).toEqual([]);
    const inactive = { ...policy, status: 'INACTIVE', complexity: { ...policy.complexity, minLength: 4 } };
    expect(await detect(passwordPolicyChanges, change(policy, inactive))).toEqual([]);
    expect(await detect(passwordPolicyChanges, change(undefined, policy))).toEqual([]);
    // A policy that had no lockout cannot lose it.
    const unlocked = { ...policy, lockout: { maxAttempts: null } };
    expect(await detect(passwordPolicyChanges, change(unlocked, { ...unlocked }))).toEqual([]);
  });

  it('reports members added to an app group, reading the stored members only for app groups', async () => {
    const stored = { type: 'APP_GROUP', name: 'Salesforce', members: [{ id: 'u1', login: 'a@x' }] };
    const after = {
      ...stored,
      memberCount: 3,
      members: [
        { id: 'u1', login: 'a@x' },
        { id: 'u2', login: 'b@x' },
        { id: 'u3', login: null },
      ],
    };
    const reads: string[] = [];
    const tracked = (s: Data | undefined): ItemChange => ({
      ...change({ type: s?.type, name: s?.name, memberCount: 1 }, { ...after, type: s?.type }),
      storedData: () => {
        reads.push(String(s?.type));
        return Promise.resolve(s);
      },
    });
    const found = await detect(groupMembershipChanges, tracked(stored));
    expect(found.map((f) => [f.kind, f.label, f.risky])).toEqual([
      ['GROUP_MEMBERSHIP_ADDED', 'b@x', false],
      ['GROUP_MEMBERSHIP_ADDED', 'u3', false],
    ]);
    expect(await detect(groupMembershipChanges, tracked({ ...stored, type: 'OKTA_GROUP' }))).toEqual([]);
    expect(reads).toEqual(['APP_GROUP']);
  });

  const rule = (id: string, factorMode: string, status = 'ACTIVE') => ({
    id,
    name: `rule ${id}`,
    status,
    access: 'ALLOW',
    requireFactor: null,
    verificationType: 'ASSURANCE',
    factorMode,
  });
  const accessPolicy = (rules: unknown[], status = 'ACTIVE') => ({
    name: 'App sign-in',
    status,
    policyType: 'ACCESS_POLICY',
    rules,
    enrollment: null,
  });

  it('reports an authentication rule that now lets people in with one factor: new, reactivated or changed', async () => {
    const before = accessPolicy([rule('r1', '2FA'), rule('r2', '1FA', 'INACTIVE'), rule('r3', '1FA')]);
    const after = accessPolicy([rule('r1', '1FA'), rule('r2', '1FA'), rule('r3', '1FA'), rule('r4', '1FA')]);
    const [found, ...rest] = await detect(authenticationPolicyChanges, change(before, after));
    expect(rest).toEqual([]);
    expect(found).toMatchObject({ kind: 'POLICY_WEAKENED', risky: true, label: 'App sign-in' });
    expect(found?.fields).toEqual([
      { field: 'rules.rule r1.factors', before: '2FA', after: '1FA' },
      { field: 'rules.rule r2.factors', before: 'inactive', after: '1FA' },
      { field: 'rules.rule r4.factors', before: 'absent', after: '1FA' },
    ]);
    expect(await detect(authenticationPolicyChanges, change(after, before))).toEqual([]);
  });

  it('reports a deactivated policy and an authenticator no longer required at enrollment', async () => {
    const active = accessPolicy([rule('r1', '2FA')]);
    expect(
      await detect(authenticationPolicyChanges, change(active, { ...active, status: 'INACTIVE' })),
    ).toMatchObject([{ fields: [{ field: 'status', before: 'ACTIVE', after: 'INACTIVE' }] }]);
    const enroll = (value: string) => ({
      name: 'MFA enrollment',
      status: 'ACTIVE',
      policyType: 'MFA_ENROLL',
      rules: [],
      enrollment: [{ key: 'okta_verify', enroll: value }],
    });
    expect(
      await detect(authenticationPolicyChanges, change(enroll('REQUIRED'), enroll('OPTIONAL'))),
    ).toMatchObject([
      { fields: [{ field: 'enrollment.okta_verify', before: 'REQUIRED', after: 'OPTIONAL' }] },
    ]);
    expect(await detect(authenticationPolicyChanges, change(enroll('OPTIONAL'), enroll('REQUIRED')))).toEqual(
      [],
    );
  });

  it('reports admin roles a user holds now and did not before: directly, or through an admin group', async () => {
    const role = (type: string, group: { id: string; name: string } | null = null, status = 'ACTIVE') => ({
      type,
      label: type,
      status,
      group,
    });
    const before = { login: 'ann@x', roles: [role('READ_ONLY_ADMIN')] };
    const after = {
      login: 'ann@x',
      roles: [
        role('READ_ONLY_ADMIN'),
        role('SUPER_ADMIN'),
        role('ORG_ADMIN', { id: 'g1', name: 'Okta Admins' }),
        role('APP_ADMIN', null, 'INACTIVE'),
      ],
    };
    const found = await detect(adminRoleChanges, change(before, after));
    expect(found.map((f) => [f.kind, f.risky, f.summary])).toEqual([
      ['ADMIN_ROLE_GRANTED', true, 'ann@x was granted SUPER_ADMIN'],
      ['GROUP_MEMBERSHIP_ADDED', true, 'ann@x holds ORG_ADMIN through the admin group Okta Admins'],
    ]);
    expect(await detect(adminRoleChanges, change(after, before))).toEqual([]);
    expect(await detect(adminRoleChanges, change(before, undefined))).toEqual([]);
  });
});
