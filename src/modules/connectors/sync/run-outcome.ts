import { type CollectorStats, type RunStatus } from './connector-run.schema';

export interface RunError {
  readonly code: string;
  readonly message: string;
}

/**
 * Stops the whole run, as opposed to one collector failing: the connection cannot be read at all right now
 * (`UNAUTHORIZED`, `INSUFFICIENT_SCOPE`…), or the run must end (`DEADLINE_EXCEEDED`, `SHUTDOWN`,
 * `LEASE_LOST`). Also the reason of the run's abort signal, so whatever is waiting throws it.
 */
export class RunAborted extends Error {
  constructor(readonly runError: RunError) {
    super(runError.message);
    this.name = 'RunAborted';
  }
}

/**
 * A finished run's status and error: SUCCEEDED when every collector completed and nothing aborted the run;
 * otherwise PARTIAL when some completed, FAILED when none did. The error is the abort's, else
 * `RATE_LIMITED` when a collector was stopped by a rate limit, else `COLLECTOR_FAILED`; its message names
 * each failed collector.
 */
export function runOutcome(
  stats: readonly CollectorStats[],
  failureCodes: readonly string[],
  aborted: RunError | null,
): { status: Exclude<RunStatus, 'RUNNING' | 'ABANDONED'>; error: RunError | null } {
  const complete = stats.filter((s) => s.complete).length;
  const status =
    aborted === null && complete === stats.length ? 'SUCCEEDED' : complete === 0 ? 'FAILED' : 'PARTIAL';
  if (aborted !== null) return { status, error: aborted };
  const failed = stats.filter((s) => s.error !== null);
  if (failed.length === 0) return { status, error: null };
  return {
    status,
    error: {
      code: failureCodes.includes('RATE_LIMITED') ? 'RATE_LIMITED' : 'COLLECTOR_FAILED',
      message: failed.map((s) => `${s.collector}: ${s.error ?? ''}`).join('; '),
    },
  };
}
