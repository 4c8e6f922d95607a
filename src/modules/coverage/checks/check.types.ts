export type CheckStatus = 'PASS' | 'FAIL' | 'INCONCLUSIVE';
export const CHECK_KEYS = [
  'mfa_enrolled',
  'password_baseline',
  'no_dormant_users',
  'second_factor_for_everyone',
  'super_admins_limited',
] as const;
export type CheckKey = (typeof CHECK_KEYS)[number];

export interface CheckItem {
  readonly sourceId: string;
  readonly label: string;
  readonly reason: string;
}

export interface ExceptedItem extends CheckItem {
  readonly exceptionId: string;
  readonly expiresAt: Date;
}

export interface CheckResult {
  readonly key: CheckKey;
  readonly title: string;
  readonly control: string;
  readonly status: CheckStatus;
  readonly reason: string;
  readonly failing: readonly CheckItem[];
  readonly excepted: readonly ExceptedItem[];
  readonly evaluated: number;
}

/** An admin's exception: one item excepted from one check until it expires. */
export interface CheckException {
  readonly id: string;
  readonly check: CheckKey;
  readonly sourceId: string;
  readonly expiresAt: Date;
}

/** Whether the data a check reads can be trusted right now. */
export interface DataState {
  /** Rows of the evidence type exist. */
  readonly present: boolean;
  /** Every connection that provides them synced successfully within its threshold. */
  readonly fresh: boolean;
  /** The latest collection of the type was complete. */
  readonly complete: boolean;
  /**
   * Optional scopes a live connection did not grant although the check's evidence needs them: the check
   * cannot be judged without them ("<scope> not granted"), whatever else the data says.
   */
  readonly notGranted?: readonly string[];
}

export interface PasswordBaseline {
  readonly minLength: number;
  readonly requireLowerCase: boolean;
  readonly requireUpperCase: boolean;
  readonly requireNumber: boolean;
  readonly maxLockoutAttempts: number;
  readonly minHistoryCount: number;
}

export const DEFAULT_BASELINE: PasswordBaseline = {
  minLength: 12,
  requireLowerCase: true,
  requireUpperCase: true,
  requireNumber: true,
  maxLockoutAttempts: 10,
  minHistoryCount: 4,
};

export const DEFAULT_DORMANT_DAYS = 90;
/** At most this many Super Admins (`super_admins_limited`) unless the organization sets another number. */
export const DEFAULT_MAX_SUPER_ADMINS = 4;

/** Why a check's data cannot be trusted. */
export const DISTRUST = {
  absent: 'no evidence collected yet',
  stale: 'the evidence is stale',
  partial: 'the last collection was partial',
} as const;

/** Shared tail of every check: data problems make it INCONCLUSIVE (never a false pass or fail). */
export function untrusted(data: DataState): string | undefined {
  if (data.notGranted !== undefined && data.notGranted.length > 0)
    return `${[...data.notGranted].sort().join(', ')} not granted`;
  if (!data.present) return DISTRUST.absent;
  if (!data.fresh) return DISTRUST.stale;
  if (!data.complete) return DISTRUST.partial;
  return undefined;
}

/** Whether an INCONCLUSIVE reason is about the data (rather than about items that could not be evaluated). */
export function isDistrust(reason: string): boolean {
  return (Object.values(DISTRUST) as string[]).includes(reason) || reason.endsWith(' not granted');
}

/** Splits failing items into those still failing and those covered by an unexpired exception. */
export function applyExceptions(
  check: CheckKey,
  failing: readonly CheckItem[],
  exceptions: readonly CheckException[],
  now: Date,
): { failing: CheckItem[]; excepted: ExceptedItem[] } {
  const active = new Map(
    exceptions
      .filter((e) => e.check === check && e.expiresAt.getTime() > now.getTime())
      .map((e) => [e.sourceId, e]),
  );
  const still: CheckItem[] = [];
  const excepted: ExceptedItem[] = [];
  for (const item of failing) {
    const exception = active.get(item.sourceId);
    if (exception === undefined) still.push(item);
    else excepted.push({ ...item, exceptionId: exception.id, expiresAt: exception.expiresAt });
  }
  return { failing: still, excepted };
}
