import { type DbFigures, dbFiguresBetween } from './metrics';
import { type BenchOrg, type CollectorRunStats, type Snapshot } from './world';

export type RunKind = 'first' | 'unchanged' | 'changed' | 'unchanged-again' | 'naive' | 'rate-limited';

export interface RunFigures {
  readonly users: number;
  readonly kind: RunKind;
  readonly status: string;
  readonly error: string | undefined;
  /** The run's own startedAt → finishedAt. */
  readonly syncSeconds: number;
  /** startedAt → the coverage and checks refresh after it was stored; undefined when it failed. */
  readonly syncAndRefreshSeconds: number | undefined;
  readonly refreshError: string | undefined;
  readonly usersPerSecond: number;
  readonly apiCalls: number;
  readonly stats: CollectorRunStats[];
  /** Commands and documents from the trigger to the refresh's end (the bench's own polling included). */
  readonly db: DbFigures;
  readonly appCpuSeconds: number | undefined;
  readonly dbCpuSeconds: number | undefined;
  readonly simCpuSeconds: number | undefined;
  /** VmHWM of the app process so far (it serves one size, so this is the size's peak up to this run). */
  readonly appPeakRssMb: number | undefined;
  readonly http429: number;
}

/**
 * Starts a run with `start` (which returns its id), waits for it and for the refresh that follows, and
 * turns the counters around it into figures. A run the bench stopped waiting for reads RUNNING, timed to
 * the moment the bench gave up.
 */
export async function measureRun(
  org: BenchOrg,
  kind: RunKind,
  start: () => Promise<string>,
): Promise<RunFigures> {
  const before = await org.snapshot();
  const logOffset = org.app.child.logSize();
  const run = await org.waitForRun(await start());
  const startedAt = Date.parse(run.startedAt);
  const finishedAt = run.finishedAt === null ? Date.now() : Date.parse(run.finishedAt);
  const refresh =
    run.status === 'RUNNING'
      ? { error: 'the run did not finish' }
      : await org.waitForRefresh(new Date(finishedAt), logOffset);
  const after = await org.snapshot();
  const syncSeconds = (finishedAt - startedAt) / 1000;
  const figures: RunFigures = {
    users: org.users,
    kind,
    status: run.status,
    error: run.error === null ? undefined : `${run.error.code}: ${run.error.message}`,
    syncSeconds,
    syncAndRefreshSeconds: 'at' in refresh ? (refresh.at - startedAt) / 1000 : undefined,
    refreshError: 'error' in refresh ? refresh.error : undefined,
    usersPerSecond: org.users / syncSeconds,
    apiCalls: run.stats.reduce((sum, s) => sum + s.apiCalls, 0),
    stats: run.stats,
    db: dbFiguresBetween(before.db, after.db),
    appCpuSeconds: delta(before, after, 'appCpu'),
    dbCpuSeconds: delta(before, after, 'dbCpu'),
    simCpuSeconds: delta(before, after, 'simCpu'),
    appPeakRssMb: org.appPeakRssMb(),
    http429: (after.simStatuses['429'] ?? 0) - (before.simStatuses['429'] ?? 0),
  };
  process.stderr.write(
    `bench: ${org.users} users, ${kind}: ${run.status} in ${syncSeconds.toFixed(1)} s ` +
      `(with refresh ${figures.refreshError ?? `${figures.syncAndRefreshSeconds?.toFixed(1) ?? '-'} s`}), ` +
      `${figures.apiCalls} API calls, ${figures.db.totalCommands} DB commands\n`,
  );
  return figures;
}

function delta(before: Snapshot, after: Snapshot, key: 'appCpu' | 'dbCpu' | 'simCpu'): number | undefined {
  const [from, to] = [before[key], after[key]];
  return from === undefined || to === undefined ? undefined : to - from;
}
