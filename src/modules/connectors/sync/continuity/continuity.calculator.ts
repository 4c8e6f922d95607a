/** A stretch of time within the window. */
export interface Period {
  readonly from: Date;
  readonly to: Date;
}

export type StatusChange = { readonly at: Date; readonly status: 'ACTIVE' | 'NEEDS_REAUTH' | 'REVOKED' };

export interface ContinuityInput {
  readonly from: Date;
  readonly to: Date;
  readonly cadenceMs: number;
  readonly staleMs: number;
  /** Allowed lateness before an interval counts as a gap (scheduler ticks, run durations). */
  readonly graceMs: number;
  /** Finish times of successful syncs, ascending; may include the last one before `from`. */
  readonly successes: readonly Date[];
  /** Status changes, ascending; may include the last one before `from`. */
  readonly changes: readonly StatusChange[];
}

export interface Continuity {
  /** Intervals between successful syncs (or the window's edges) longer than the cadence plus grace. */
  readonly gaps: readonly Period[];
  /** When the connection had no successful sync within the stale threshold. */
  readonly stale: readonly Period[];
  readonly needsReauth: readonly Period[];
  readonly revoked: readonly Period[];
  /** Whole hours of the window with at least one successful sync, in percent. */
  readonly hoursCoveredPercent: number;
  readonly successfulSyncs: number;
}

const HOUR = 3_600_000;

/** Continuity of one connection over [from, to), from its successful syncs and status changes alone. */
export function continuity(input: ContinuityInput): Continuity {
  const { from, to } = input;
  const start = from.getTime();
  const end = to.getTime();
  const before = input.successes.filter((s) => s.getTime() < start).at(-1);
  const within = input.successes.filter((s) => s.getTime() >= start && s.getTime() < end);
  // The edges: the last success before the window (or the window's start), then each success, then its end.
  const points = [before?.getTime() ?? start, ...within.map((s) => s.getTime()), end];
  const gaps: Period[] = [];
  const stale: Period[] = [];
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1] as number;
    const b = points[i] as number;
    if (b - a > input.cadenceMs + input.graceMs) gaps.push(clip(a, b, start, end));
    if (b - a > input.staleMs) stale.push(clip(a + input.staleMs, b, start, end));
  }
  const hours = Math.max(1, Math.ceil((end - start) / HOUR));
  const covered = new Set(within.map((s) => Math.floor((s.getTime() - start) / HOUR)));
  return {
    gaps: gaps.filter(nonEmpty),
    stale: stale.filter(nonEmpty),
    needsReauth: periodsOf('NEEDS_REAUTH', input.changes, start, end),
    revoked: periodsOf('REVOKED', input.changes, start, end),
    hoursCoveredPercent: Math.round((covered.size / hours) * 1000) / 10,
    successfulSyncs: within.length,
  };
}

function periodsOf(
  status: StatusChange['status'],
  changes: readonly StatusChange[],
  start: number,
  end: number,
): Period[] {
  const periods: Period[] = [];
  let openedAt: number | undefined;
  for (const change of changes) {
    const at = change.at.getTime();
    if (change.status === status && openedAt === undefined) openedAt = at;
    else if (change.status !== status && openedAt !== undefined) {
      periods.push(clip(openedAt, at, start, end));
      openedAt = undefined;
    }
  }
  if (openedAt !== undefined) periods.push(clip(openedAt, end, start, end));
  return periods.filter(nonEmpty);
}

function clip(a: number, b: number, start: number, end: number): Period {
  return { from: new Date(Math.max(a, start)), to: new Date(Math.min(b, end)) };
}

function nonEmpty(p: Period): boolean {
  return p.to.getTime() > p.from.getTime();
}

/**
 * A connection's status at `at`, from its status changes (ascending): the last change at or before `at`;
 * PENDING_AUTHORIZATION when none was made by then (created, never authorized); undefined when the
 * connection did not exist yet. A revocation (`deletedAt`) is final whatever the changes say.
 */
export function statusAt(
  changes: readonly StatusChange[],
  at: Date,
  connection: { readonly createdAt: Date; readonly deletedAt: Date | null },
): StatusChange['status'] | 'PENDING_AUTHORIZATION' | undefined {
  const t = at.getTime();
  if (connection.createdAt.getTime() > t) return undefined;
  if (connection.deletedAt !== null && connection.deletedAt.getTime() <= t) return 'REVOKED';
  return changes.filter((c) => c.at.getTime() <= t).at(-1)?.status ?? 'PENDING_AUTHORIZATION';
}
