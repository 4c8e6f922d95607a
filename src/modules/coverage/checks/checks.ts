import {
  applyExceptions,
  type CheckException,
  type CheckItem,
  type CheckResult,
  type DataState,
  type PasswordBaseline,
  isDistrust,
  untrusted,
} from './check.types';

type Data = Readonly<Record<string, unknown>>;
interface Row {
  readonly sourceId: string;
  readonly data: Data;
}

const DAY = 86_400_000;

/** The evidence types the checks evaluate item by item. */
export const CHECKED_TYPES = ['okta.user_mfa', 'okta.password_policy'] as const;
/**
 * The fields of those types' data the checks read (users: status to created; policies: status, name and
 * the settings): all a refresh loads of an organization's evidence.
 */
export const CHECK_FIELDS = [
  'status',
  'mfaEnrolled',
  'login',
  'lastLoginDay',
  'created',
  'name',
  'complexity',
  'lockout',
  'age',
] as const;

function userLabel(row: Row): string {
  return typeof row.data.login === 'string' ? row.data.login : row.sourceId;
}

function finish(
  base: Pick<CheckResult, 'key' | 'title' | 'control'>,
  rows: readonly Row[],
  data: DataState,
  failingAll: CheckItem[],
  exceptions: readonly CheckException[],
  now: Date,
  inconclusive: readonly CheckItem[] = [],
  passReason = 'all items pass',
): CheckResult {
  const { failing, excepted } = applyExceptions(base.key, failingAll, exceptions, now);
  const distrust = untrusted(data);
  if (distrust !== undefined) {
    return { ...base, status: 'INCONCLUSIVE', reason: distrust, failing, excepted, evaluated: rows.length };
  }
  if (failing.length > 0) {
    return {
      ...base,
      status: 'FAIL',
      reason: failReason(failing.length, rows.length),
      failing,
      excepted,
      evaluated: rows.length,
    };
  }
  if (inconclusive.length > 0) {
    const reason = `${inconclusive.length} item(s) cannot be evaluated: ${inconclusive.map((i) => `${i.label} (${i.reason})`).join('; ')}`;
    return { ...base, status: 'INCONCLUSIVE', reason, failing, excepted, evaluated: rows.length };
  }
  const suffix = excepted.length > 0 ? ` (${excepted.length} excepted)` : '';
  return {
    ...base,
    status: 'PASS',
    reason: `${passReason}${suffix}`,
    failing,
    excepted,
    evaluated: rows.length,
  };
}

function failReason(failing: number, evaluated: number): string {
  return `${failing} of ${evaluated} fail`;
}

/**
 * A stored check result as of `now`: items whose exception expired since it was computed fail again, so
 * the result stays exact between refreshes without reading the evidence. A check INCONCLUSIVE because of
 * its data stays so; any other fails.
 */
export function asOf(check: CheckResult, now: Date): CheckResult {
  const expired = check.excepted.filter((e) => new Date(e.expiresAt).getTime() <= now.getTime());
  if (expired.length === 0) return check;
  const failing = [
    ...check.failing,
    ...expired.map(({ sourceId, label, reason }) => ({ sourceId, label, reason })),
  ];
  const excepted = check.excepted.filter((e) => !expired.includes(e));
  if (check.status === 'INCONCLUSIVE' && isDistrust(check.reason)) return { ...check, failing, excepted };
  return { ...check, failing, excepted, status: 'FAIL', reason: failReason(failing.length, check.evaluated) };
}

/** Every active user has at least one ACTIVE MFA factor. */
export function mfaCheck(
  users: readonly Row[],
  data: DataState,
  exceptions: readonly CheckException[],
  now: Date,
): CheckResult {
  const failing = users
    .filter((u) => u.data.status === 'ACTIVE' && u.data.mfaEnrolled !== true)
    .map((u) => ({ sourceId: u.sourceId, label: userLabel(u), reason: 'no ACTIVE MFA factor' }));
  return finish(
    { key: 'mfa_enrolled', title: 'Every active user has MFA', control: 'CC6.1' },
    users,
    data,
    failing,
    exceptions,
    now,
    [],
    'every active user has an ACTIVE MFA factor',
  );
}

type Verdict = true | false | null;

function atLeast(value: unknown, min: number): Verdict {
  return typeof value === 'number' ? value >= min : null;
}

/** Every ACTIVE password policy meets the organization's baseline; a null setting is "unknown", not a fail. */
export function passwordBaselineCheck(
  policies: readonly Row[],
  baseline: PasswordBaseline,
  data: DataState,
  exceptions: readonly CheckException[],
  now: Date,
): CheckResult {
  const failing: CheckItem[] = [];
  const unknown: CheckItem[] = [];
  for (const policy of policies.filter((p) => p.data.status === 'ACTIVE')) {
    const complexity = (policy.data.complexity ?? {}) as Data;
    const lockout = (policy.data.lockout ?? {}) as Data;
    const age = (policy.data.age ?? {}) as Data;
    const attempts = lockout.maxAttempts;
    const rules: [string, Verdict][] = [
      [`minimum length ${baseline.minLength}`, atLeast(complexity.minLength, baseline.minLength)],
      ['a lowercase letter', baseline.requireLowerCase ? atLeast(complexity.minLowerCase, 1) : true],
      ['an uppercase letter', baseline.requireUpperCase ? atLeast(complexity.minUpperCase, 1) : true],
      ['a number', baseline.requireNumber ? atLeast(complexity.minNumber, 1) : true],
      [
        `lockout after at most ${baseline.maxLockoutAttempts} attempts`,
        typeof attempts === 'number' ? attempts >= 1 && attempts <= baseline.maxLockoutAttempts : null,
      ],
      [
        `history of at least ${baseline.minHistoryCount}`,
        atLeast(age.historyCount, baseline.minHistoryCount),
      ],
    ];
    const label = typeof policy.data.name === 'string' ? policy.data.name : policy.sourceId;
    const failed = rules.filter(([, v]) => v === false).map(([name]) => name);
    const unknowns = rules.filter(([, v]) => v === null).map(([name]) => name);
    if (failed.length > 0)
      failing.push({ sourceId: policy.sourceId, label, reason: `does not require ${failed.join(', ')}` });
    else if (unknowns.length > 0)
      unknown.push({ sourceId: policy.sourceId, label, reason: `not set: ${unknowns.join(', ')}` });
  }
  return finish(
    { key: 'password_baseline', title: 'Password policies meet the baseline', control: 'CC6.1' },
    policies,
    data,
    failing,
    exceptions,
    now,
    unknown,
    'every active password policy meets the baseline',
  );
}

/** No active user dormant for more than `days` (a never-used account older than `days` counts as dormant). */
export function dormantCheck(
  users: readonly Row[],
  days: number,
  data: DataState,
  exceptions: readonly CheckException[],
  now: Date,
): CheckResult {
  const cutoff = now.getTime() - days * DAY;
  const failing: CheckItem[] = [];
  for (const user of users.filter((u) => u.data.status === 'ACTIVE')) {
    const last =
      typeof user.data.lastLoginDay === 'string'
        ? Date.parse(`${user.data.lastLoginDay}T23:59:59.999Z`)
        : undefined;
    const created = typeof user.data.created === 'string' ? Date.parse(user.data.created) : undefined;
    if (last !== undefined && last < cutoff) {
      failing.push({
        sourceId: user.sourceId,
        label: userLabel(user),
        reason: `last sign-in ${String(user.data.lastLoginDay)}`,
      });
    } else if (last === undefined && created !== undefined && created < cutoff) {
      failing.push({
        sourceId: user.sourceId,
        label: userLabel(user),
        reason: `never signed in since ${user.data.created as string}`,
      });
    }
  }
  return finish(
    { key: 'no_dormant_users', title: `No user dormant for more than ${days} days`, control: 'CC6.2' },
    users,
    data,
    failing,
    exceptions,
    now,
    [],
    `every active user signed in within ${days} days`,
  );
}
