import { type CheckException, type DataState, DEFAULT_BASELINE } from './check.types';
import { asOf, dormantCheck, mfaCheck, passwordBaselineCheck, summarize } from './checks';

const NOW = new Date('2026-11-29T12:00:00Z');
const OK: DataState = { present: true, fresh: true, complete: true };
const user = (id: string, data: Record<string, unknown>) => ({
  sourceId: id,
  data: { status: 'ACTIVE', login: `${id}@acme.example`, ...data },
});
const strong = { minLength: 14, minLowerCase: 1, minUpperCase: 1, minNumber: 1, minSymbol: 1 };
const policy = (id: string, complexity: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  sourceId: id,
  data: {
    name: id,
    status: 'ACTIVE',
    complexity,
    lockout: { maxAttempts: 5 },
    age: { historyCount: 10 },
    ...extra,
  },
});

describe('mfaCheck', () => {
  it.each<[string, ReturnType<typeof user>[], DataState, CheckException[], string, string[]]>([
    ['all enrolled', [user('u1', { mfaEnrolled: true })], OK, [], 'PASS', []],
    [
      'one without MFA',
      [user('u1', { mfaEnrolled: true }), user('u2', { mfaEnrolled: false })],
      OK,
      [],
      'FAIL',
      ['u2'],
    ],
    [
      'an excepted service account',
      [user('u2', { mfaEnrolled: false })],
      OK,
      [{ id: 'x', check: 'mfa_enrolled', sourceId: 'u2', expiresAt: new Date('2027-01-01') }],
      'PASS',
      [],
    ],
    [
      'an expired exception',
      [user('u2', { mfaEnrolled: false })],
      OK,
      [{ id: 'x', check: 'mfa_enrolled', sourceId: 'u2', expiresAt: new Date('2026-11-01') }],
      'FAIL',
      ['u2'],
    ],
    [
      'an exception for another check',
      [user('u2', { mfaEnrolled: false })],
      OK,
      [{ id: 'x', check: 'no_dormant_users', sourceId: 'u2', expiresAt: new Date('2027-01-01') }],
      'FAIL',
      ['u2'],
    ],
    ['stale data', [user('u2', { mfaEnrolled: false })], { ...OK, fresh: false }, [], 'INCONCLUSIVE', ['u2']],
    ['partial data', [user('u1', { mfaEnrolled: true })], { ...OK, complete: false }, [], 'INCONCLUSIVE', []],
    ['no data', [], { present: false, fresh: false, complete: false }, [], 'INCONCLUSIVE', []],
  ])('%s', (_name, users, data, exceptions, status, failing) => {
    const result = mfaCheck(users, data, exceptions, NOW);
    expect(result.status).toBe(status);
    expect(result.failing.map((f) => f.sourceId)).toEqual(failing);
    expect(result.control).toBe('CC6.1');
  });

  it('lists excepted items with their exception', () => {
    const result = mfaCheck(
      [user('u2', { mfaEnrolled: false })],
      OK,
      [{ id: 'e1', check: 'mfa_enrolled', sourceId: 'u2', expiresAt: new Date('2027-01-01') }],
      NOW,
    );
    expect(result.excepted).toEqual([
      {
        sourceId: 'u2',
        label: 'u2@acme.example',
        reason: 'no ACTIVE MFA factor',
        exceptionId: 'e1',
        expiresAt: new Date('2027-01-01'),
      },
    ]);
  });
});

describe('passwordBaselineCheck', () => {
  it.each<[string, ReturnType<typeof policy>[], string, string]>([
    ['a strong policy', [policy('p1', strong)], 'PASS', ''],
    ['too short', [policy('p1', { ...strong, minLength: 8 })], 'FAIL', 'minimum length 12'],
    ['no number required', [policy('p1', { ...strong, minNumber: 0 })], 'FAIL', 'a number'],
    ['no lockout (0 attempts)', [policy('p1', strong, { lockout: { maxAttempts: 0 } })], 'FAIL', 'lockout'],
    [
      'lockout after 20 attempts',
      [policy('p1', strong, { lockout: { maxAttempts: 20 } })],
      'FAIL',
      'lockout',
    ],
    ['short history', [policy('p1', strong, { age: { historyCount: 2 } })], 'FAIL', 'history'],
    [
      'minNumber null (unknown, not a fail)',
      [policy('p1', { ...strong, minNumber: null })],
      'INCONCLUSIVE',
      'a number',
    ],
    [
      'null settings but a definite failure',
      [policy('p1', { ...strong, minNumber: null, minLength: 6 })],
      'FAIL',
      'minimum length',
    ],
    [
      'an inactive weak policy is ignored',
      [policy('p1', strong), policy('p2', { minLength: 4 }, { status: 'INACTIVE' })],
      'PASS',
      '',
    ],
  ])('%s', (_name, policies, status, reason) => {
    const result = passwordBaselineCheck(policies, DEFAULT_BASELINE, OK, [], NOW);
    expect(result.status).toBe(status);
    if (status === 'FAIL') expect(result.failing[0]?.reason).toContain(reason);
    if (status === 'INCONCLUSIVE') expect(result.reason).toContain(reason);
  });

  it('uses the organization baseline', () => {
    const lenient = { ...DEFAULT_BASELINE, minLength: 8, requireNumber: false };
    expect(
      passwordBaselineCheck([policy('p1', { ...strong, minLength: 8, minNumber: 0 })], lenient, OK, [], NOW)
        .status,
    ).toBe('PASS');
  });
});

describe('dormantCheck', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['signed in yesterday', { lastLoginDay: '2026-11-28', created: '2025-01-01T00:00:00Z' }, 'PASS'],
    ['signed in 100 days ago', { lastLoginDay: '2026-08-20', created: '2025-01-01T00:00:00Z' }, 'FAIL'],
    ['never signed in, created a year ago', { lastLoginDay: null, created: '2025-11-01T00:00:00Z' }, 'FAIL'],
    ['never signed in, created last week', { lastLoginDay: null, created: '2026-11-22T00:00:00Z' }, 'PASS'],
  ])('%s', (_name, data, status) => {
    const result = dormantCheck([user('u1', data)], 90, OK, [], NOW);
    expect(result.status).toBe(status);
    expect(result.control).toBe('CC6.2');
  });
});

describe('asOf (a stored result read later, without the evidence)', () => {
  const exception = (sourceId: string, expiresAt: string): CheckException => ({
    id: `e-${sourceId}`,
    check: 'mfa_enrolled',
    sourceId,
    expiresAt: new Date(expiresAt),
  });
  const users = [user('u1', { mfaEnrolled: true }), user('u2', { mfaEnrolled: false })];
  const later = new Date('2026-12-15T00:00:00Z');

  it('is the stored summary while no exception has expired', () => {
    const stored = summarize(mfaCheck(users, OK, [exception('u2', '2027-01-01')], NOW));
    expect(asOf(stored, later)).toEqual({ ...stored, reopened: [] });
  });

  it('stores no failing items, only their count', () => {
    const result = mfaCheck(users, OK, [], NOW);
    expect(result.failing).toHaveLength(1);
    expect(summarize(result)).not.toHaveProperty('failing');
    expect(summarize(result)).toMatchObject({ failingCount: 1, status: 'FAIL' });
  });

  it('fails a passing check again once the exception it relied on expired, exactly as a recomputation would', () => {
    const stored = summarize(mfaCheck(users, OK, [exception('u2', '2026-12-01')], NOW));
    expect(stored.status).toBe('PASS');
    const { failing, ...recomputed } = mfaCheck(users, OK, [exception('u2', '2026-12-01')], later);
    const { reopened, failingPreview, ...view } = asOf(stored, later);
    const { failingPreview: recomputedPreview, ...summary } = summarize({ ...recomputed, failing });
    expect(view).toEqual(summary);
    // The same failing items: those reopened since, then the stored ones.
    expect([...reopened, ...failingPreview]).toEqual(recomputedPreview);
    expect(reopened).toEqual(failing);
    expect(view).toMatchObject({ status: 'FAIL', reason: '1 of 2 fail', excepted: [], failingCount: 1 });
  });

  it('keeps a check INCONCLUSIVE for its data, with the expired item back among the failing', () => {
    const stale = { present: true, fresh: false, complete: true };
    const stored = summarize(mfaCheck(users, stale, [exception('u2', '2026-12-01')], NOW));
    expect(asOf(stored, later)).toMatchObject({
      status: 'INCONCLUSIVE',
      reason: 'the evidence is stale',
      failingCount: 1,
      reopened: [expect.objectContaining({ sourceId: 'u2' })],
      excepted: [],
    });
  });
});
