import { type EvidenceSubject } from '#src/modules/connectors/connector-definition';
import { type CheckException, type DataState } from './check.types';
import { asOf, StreamedCheck, summarize } from './checks';
import { superAdminsDefinition } from './super-admins.check';

const NOW = new Date('2026-12-01T12:00:00Z');
const OK: DataState = { present: true, fresh: true, complete: true };
type Item = [EvidenceSubject, { sourceId: string; data: Record<string, unknown> }];
const superAdmin = (id: string, viaGroup?: string): Item => [
  'identity.admin_role',
  {
    sourceId: id,
    data: {
      login: `${id}@acme.example`,
      roles: [
        {
          type: 'SUPER_ADMIN',
          status: 'ACTIVE',
          assignmentType: viaGroup === undefined ? 'USER' : 'GROUP',
          group: viaGroup === undefined ? null : { id: 'g1', name: viaGroup },
        },
      ],
    },
  },
];
const readOnly = (id: string): Item => [
  'identity.admin_role',
  { sourceId: id, data: { login: id, roles: [{ type: 'READ_ONLY_ADMIN', status: 'ACTIVE' }] } },
];
const user = (id: string, factors: string[]): Item => [
  'identity.user',
  {
    sourceId: id,
    data: {
      status: 'ACTIVE',
      mfaEnrolled: factors.length > 0,
      factors: factors.map((type) => ({ type, status: 'ACTIVE' })),
    },
  },
];

function judge(items: Item[], max = 2, data = OK, exceptions: CheckException[] = []) {
  const check = new StreamedCheck(superAdminsDefinition(max));
  items.forEach(([subject, row], i) => check.item(String(i), row, false, subject));
  return check.result(data, exceptions, NOW);
}

describe('super_admins_limited', () => {
  it('passes with at most N Super Admins, each with an ACTIVE factor, counting the phishing-resistant ones', () => {
    const result = judge([
      superAdmin('a'),
      superAdmin('b', 'Okta Admins'),
      readOnly('c'),
      user('a', ['webauthn']),
      user('b', ['push']),
      user('c', []),
      user('d', []),
    ]);
    expect(result).toMatchObject({
      status: 'PASS',
      evaluated: 2,
      reason:
        '2 Super Admin(s), at most 2, each with an ACTIVE MFA factor; 1 with a phishing-resistant factor',
      failing: [],
    });
  });

  it('fails a Super Admin without an ACTIVE factor, saying how the role is held', () => {
    const result = judge([
      superAdmin('a'),
      superAdmin('b', 'Okta Admins'),
      user('a', ['push']),
      user('b', []),
    ]);
    expect(result.status).toBe('FAIL');
    expect(result.failing).toEqual([
      {
        sourceId: 'b',
        label: 'b@acme.example',
        reason: 'Super Admin (through Okta Admins) without an ACTIVE MFA factor',
      },
    ]);
  });

  it('fails more than N Super Admins with one exceptable item naming them', () => {
    const items = [superAdmin('a'), superAdmin('b'), superAdmin('c'), user('a', ['push'])];
    const result = judge(items);
    expect(result.failing).toEqual([
      {
        sourceId: 'super-admins',
        label: 'Super Admins',
        reason: '3 Super Admins, more than 2: a@acme.example, b@acme.example, c@acme.example',
      },
    ]);
    expect(judge(items, 3).status).toBe('PASS');
    const excepted = judge(items, 2, OK, [
      { id: 'x', check: 'super_admins_limited', sourceId: 'super-admins', expiresAt: new Date('2027-01-01') },
    ]);
    expect(excepted.status).toBe('PASS');
  });

  it('is INCONCLUSIVE "okta.roles.read not granted" without the scope, whatever the rows say, and stays so', () => {
    const result = judge([superAdmin('a'), user('a', [])], 2, { ...OK, notGranted: ['okta.roles.read'] });
    expect(result).toMatchObject({ status: 'INCONCLUSIVE', reason: 'okta.roles.read not granted' });
    const noRows = judge([user('a', ['push'])], 2, { ...OK, notGranted: ['okta.roles.read'] });
    expect(noRows).toMatchObject({ status: 'INCONCLUSIVE', reason: 'okta.roles.read not granted' });
    // An exception that expires later does not turn it into a FAIL.
    const excepted = judge(
      [superAdmin('a'), superAdmin('b'), superAdmin('c'), user('a', ['push'])],
      2,
      { ...OK, notGranted: ['okta.roles.read'] },
      [
        {
          id: 'x',
          check: 'super_admins_limited',
          sourceId: 'super-admins',
          expiresAt: new Date('2027-01-01'),
        },
      ],
    );
    expect(excepted.excepted).toHaveLength(1);
    const later = asOf(summarize(excepted), new Date('2030-01-01'));
    expect(later.reopened).toHaveLength(1);
    expect(later).toMatchObject({ status: 'INCONCLUSIVE', reason: 'okta.roles.read not granted' });
  });

  it('is INCONCLUSIVE when no Super Admin is found, or on stale data', () => {
    expect(judge([readOnly('c'), user('c', ['push'])])).toMatchObject({
      status: 'INCONCLUSIVE',
      reason: '1 item(s) cannot be evaluated: Super Admins (no Super Admin found)',
    });
    expect(judge([superAdmin('a'), user('a', [])], 2, { ...OK, fresh: false }).status).toBe('INCONCLUSIVE');
  });

  it('an INACTIVE Super Admin assignment does not count', () => {
    const inactive: Item = [
      'identity.admin_role',
      { sourceId: 'z', data: { login: 'z', roles: [{ type: 'SUPER_ADMIN', status: 'INACTIVE' }] } },
    ];
    expect(judge([superAdmin('a'), inactive, user('a', ['push']), user('z', [])], 1).status).toBe('PASS');
  });
});
