import { type EvidenceSubject } from '#src/modules/connectors/connector-definition';
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
import { secondFactorDefinition } from './second-factor.check';
import { superAdminsDefinition } from './super-admins.check';

type Data = Readonly<Record<string, unknown>>;
export interface Row {
  readonly sourceId: string;
  readonly data: Data;
}

const DAY = 86_400_000;

/**
 * The fields of those types' data the checks read (users: status to created; password policies: status,
 * name and the settings; authentication policies: status, name, type, groups and rules; admin roles:
 * login and roles; users' factors, for the Super Admins' MFA): all a refresh loads of an organization's
 * evidence.
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
  'policyType',
  'groupsIncluded',
  'rules',
  'roles',
  'factors',
] as const;

function userLabel(row: Row): string {
  return typeof row.data.login === 'string' ? row.data.login : row.sourceId;
}

function finish(
  base: Pick<CheckResult, 'key' | 'title' | 'control'>,
  evaluated: number,
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
    return { ...base, status: 'INCONCLUSIVE', reason: distrust, failing, excepted, evaluated };
  }
  if (failing.length > 0) {
    return {
      ...base,
      status: 'FAIL',
      reason: failReason(failing.length, evaluated),
      failing,
      excepted,
      evaluated,
    };
  }
  if (inconclusive.length > 0) {
    const reason = `${inconclusive.length} item(s) cannot be evaluated: ${inconclusive.map((i) => `${i.label} (${i.reason})`).join('; ')}`;
    return { ...base, status: 'INCONCLUSIVE', reason, failing, excepted, evaluated };
  }
  const suffix = excepted.length > 0 ? ` (${excepted.length} excepted)` : '';
  return {
    ...base,
    status: 'PASS',
    reason: `${passReason}${suffix}`,
    failing,
    excepted,
    evaluated,
  };
}

function failReason(failing: number, evaluated: number): string {
  return `${failing} of ${evaluated} fail`;
}

/** Failing items kept in a check's stored summary: a first page as clients ask for it by default, plus one. */
export const FAILING_PREVIEW = 21;

/**
 * A check result as stored: all but its failing items, which can be as many as the organization's users.
 * They are stored apart (`check_failures`) and read only when a client pages past the first few, kept here
 * (`failingPreview`), so reading coverage or the checks' first page costs the same at any size.
 */
export interface CheckSummary extends Omit<CheckResult, 'failing'> {
  readonly failingCount: number;
  readonly failingPreview: readonly CheckItem[];
}

/** A stored summary as of a later instant: `reopened` are the items whose exception expired since. */
export interface CheckView extends CheckSummary {
  readonly reopened: readonly CheckItem[];
}

export function summarize(result: CheckResult): CheckSummary {
  const { failing, ...summary } = result;
  return { ...summary, failingCount: failing.length, failingPreview: failing.slice(0, FAILING_PREVIEW) };
}

/**
 * A stored check summary as of `now`: items whose exception expired since it was computed fail again (they
 * are its `reopened` items, counted among the failing), so the result stays exact between refreshes without
 * reading the evidence. A check INCONCLUSIVE because of its data stays so; any other fails.
 */
export function asOf(check: CheckSummary, now: Date): CheckView {
  const expired = check.excepted.filter((e) => new Date(e.expiresAt).getTime() <= now.getTime());
  if (expired.length === 0) return { ...check, reopened: [] };
  const reopened = expired.map(({ sourceId, label, reason }) => ({ sourceId, label, reason }));
  const excepted = check.excepted.filter((e) => !expired.includes(e));
  const failingCount = check.failingCount + reopened.length;
  const view = { ...check, failingCount, reopened, excepted };
  if (check.status === 'INCONCLUSIVE' && isDistrust(check.reason)) return view;
  return { ...view, status: 'FAIL', reason: failReason(failingCount, check.evaluated) };
}

type Judgement = { failing: CheckItem } | { unknown: CheckItem } | undefined;

/** A small fact a check keeps about one item, for a verdict over all of them (`CheckDefinition.conclude`). */
export type Fact = Readonly<Record<string, string | number | boolean | null>>;

/** A check's verdict over its items' facts, added to the items it judged one at a time. */
export interface Conclusion {
  readonly failing?: readonly CheckItem[];
  readonly unknown?: readonly CheckItem[];
  /** How many items the verdict is about, when not every row read (e.g. the Super Admins, not every user). */
  readonly evaluated?: number;
  /** The reason of a PASS, when it depends on what was found. */
  readonly passReason?: string;
}

/**
 * One check: what its evidence describes (every installed type of those subjects), its judgement of one
 * item and, for a verdict no single item decides (e.g. "at least one active sign-on policy"), the facts it
 * keeps per item and its conclusion over them. Facts are kept only for items that return one, so memory
 * follows what the conclusion needs, not the organization.
 */
export interface CheckDefinition {
  readonly base: Pick<CheckResult, 'key' | 'title' | 'control'>;
  readonly subjects: readonly EvidenceSubject[];
  readonly passReason: string;
  judge(row: Row, subject: EvidenceSubject): Judgement;
  fact?(row: Row, subject: EvidenceSubject): Fact | undefined;
  conclude?(facts: readonly Fact[]): Conclusion;
}

/** Every active user has at least one ACTIVE MFA factor. */
export function mfaDefinition(): CheckDefinition {
  return {
    base: { key: 'mfa_enrolled', title: 'Every active user has MFA', control: 'CC6.1' },
    subjects: ['identity.user'],
    passReason: 'every active user has an ACTIVE MFA factor',
    judge: (user) =>
      user.data.status === 'ACTIVE' && user.data.mfaEnrolled !== true
        ? { failing: { sourceId: user.sourceId, label: userLabel(user), reason: 'no ACTIVE MFA factor' } }
        : undefined,
  };
}

type Verdict = true | false | null;

function atLeast(value: unknown, min: number): Verdict {
  return typeof value === 'number' ? value >= min : null;
}

/** Every ACTIVE password policy meets the organization's baseline; a null setting is "unknown", not a fail. */
export function passwordBaselineDefinition(baseline: PasswordBaseline): CheckDefinition {
  return {
    base: { key: 'password_baseline', title: 'Password policies meet the baseline', control: 'CC6.1' },
    subjects: ['identity.password_policy'],
    passReason: 'every active password policy meets the baseline',
    judge: (policy) => {
      if (policy.data.status !== 'ACTIVE') return undefined;
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
        return {
          failing: { sourceId: policy.sourceId, label, reason: `does not require ${failed.join(', ')}` },
        };
      if (unknowns.length > 0)
        return { unknown: { sourceId: policy.sourceId, label, reason: `not set: ${unknowns.join(', ')}` } };
      return undefined;
    },
  };
}

/** No active user dormant for more than `days` (a never-used account older than `days` counts as dormant). */
export function dormantDefinition(days: number, now: Date): CheckDefinition {
  const cutoff = now.getTime() - days * DAY;
  return {
    base: { key: 'no_dormant_users', title: `No user dormant for more than ${days} days`, control: 'CC6.2' },
    subjects: ['identity.user'],
    passReason: `every active user signed in within ${days} days`,
    judge: (user) => {
      if (user.data.status !== 'ACTIVE') return undefined;
      const last =
        typeof user.data.lastLoginDay === 'string'
          ? Date.parse(`${user.data.lastLoginDay}T23:59:59.999Z`)
          : undefined;
      const created = typeof user.data.created === 'string' ? Date.parse(user.data.created) : undefined;
      if (last !== undefined && last < cutoff)
        return {
          failing: {
            sourceId: user.sourceId,
            label: userLabel(user),
            reason: `last sign-in ${String(user.data.lastLoginDay)}`,
          },
        };
      if (last === undefined && created !== undefined && created < cutoff)
        return {
          failing: {
            sourceId: user.sourceId,
            label: userLabel(user),
            reason: `never signed in since ${user.data.created as string}`,
          },
        };
      return undefined;
    },
  };
}

/**
 * A check over a stream of items, one at a time: it keeps each item's judgement only when the item fails or
 * cannot be evaluated, so memory follows the failing items, not the organization. A newer row of an item
 * already judged (`replaces`) replaces its judgement.
 */
export class StreamedCheck {
  private readonly failing = new Map<string, CheckItem>();
  private readonly unknown = new Map<string, CheckItem>();
  private readonly facts = new Map<string, Fact>();
  private evaluated = 0;

  constructor(readonly definition: CheckDefinition) {}

  item(key: string, row: Row, replaces: boolean, subject: EvidenceSubject): void {
    if (!replaces) this.evaluated += 1;
    this.failing.delete(key);
    this.unknown.delete(key);
    this.facts.delete(key);
    const judgement = this.definition.judge(row, subject);
    if (judgement !== undefined && 'failing' in judgement) this.failing.set(key, judgement.failing);
    else if (judgement !== undefined) this.unknown.set(key, judgement.unknown);
    const fact = this.definition.fact?.(row, subject);
    if (fact !== undefined) this.facts.set(key, fact);
  }

  result(data: DataState, exceptions: readonly CheckException[], now: Date): CheckResult {
    const { base } = this.definition;
    const conclusion = this.definition.conclude?.([...this.facts.values()]) ?? {};
    const failing = [...this.failing.values(), ...(conclusion.failing ?? [])];
    const unknown = [...this.unknown.values(), ...(conclusion.unknown ?? [])];
    const evaluated = conclusion.evaluated ?? this.evaluated;
    const passReason = conclusion.passReason ?? this.definition.passReason;
    return finish(base, evaluated, data, failing, exceptions, now, unknown, passReason);
  }
}

/** The organization's checks, in the order they are reported. */
export function checkDefinitions(
  settings: { passwordBaseline: PasswordBaseline; dormantDays: number; maxSuperAdmins: number },
  now: Date,
): CheckDefinition[] {
  return [
    mfaDefinition(),
    passwordBaselineDefinition(settings.passwordBaseline),
    dormantDefinition(settings.dormantDays, now),
    secondFactorDefinition(),
    superAdminsDefinition(settings.maxSuperAdmins),
  ];
}

/** A check over rows already in memory (each row its own item). */
function judgeAll(
  definition: CheckDefinition,
  rows: readonly Row[],
  data: DataState,
  exceptions: readonly CheckException[],
  now: Date,
): CheckResult {
  const check = new StreamedCheck(definition);
  const subject = definition.subjects[0] ?? 'identity.user';
  rows.forEach((row, i) => check.item(String(i), row, false, subject));
  return check.result(data, exceptions, now);
}

export function mfaCheck(
  users: readonly Row[],
  data: DataState,
  exceptions: readonly CheckException[],
  now: Date,
): CheckResult {
  return judgeAll(mfaDefinition(), users, data, exceptions, now);
}

export function passwordBaselineCheck(
  policies: readonly Row[],
  baseline: PasswordBaseline,
  data: DataState,
  exceptions: readonly CheckException[],
  now: Date,
): CheckResult {
  return judgeAll(passwordBaselineDefinition(baseline), policies, data, exceptions, now);
}

export function dormantCheck(
  users: readonly Row[],
  days: number,
  data: DataState,
  exceptions: readonly CheckException[],
  now: Date,
): CheckResult {
  return judgeAll(dormantDefinition(days, now), users, data, exceptions, now);
}
