import { Injectable, Logger } from '@nestjs/common';
import { Metrics } from '#src/common/metrics/metrics';
import { AuditService } from '#src/modules/audit/audit.service';
import { type Connection } from '#src/modules/connections/connection.types';
import { ConnectionsService } from '#src/modules/connections/connections.service';
import { type CollectorStats, type RunStatus } from '../connector-run.schema';
import { type ConnectorRun, ConnectorRunsRepository } from '../connector-runs.repository';
import { type RunError, runOutcome } from '../run-outcome';

export interface RunResult {
  readonly connection: Connection;
  readonly run: ConnectorRun;
  readonly started: Date;
  readonly stats: readonly CollectorStats[];
  /** Codes of the collectors that failed (`RATE_LIMITED`, `COLLECTOR_FAILED`). */
  readonly failures: readonly string[];
  /** What stopped the whole run, if anything. */
  readonly aborted: RunError | null;
  /** Cursor fields of the collectors that completed. */
  readonly cursor: Record<string, string>;
}

/**
 * Records how a run ended: its status and error on the run record, metrics, the connection's sync times and
 * cursor (due again at once after a SHUTDOWN), an info line ("sync finished", or "sync failed" with its code
 * when nothing was collected) and a SYNC or SYNC_FAILURE audit entry. Returns the status,
 * or undefined when the run was no longer RUNNING (another instance marked it ABANDONED): nothing else is
 * written then.
 */
@Injectable()
export class RecordRunOutcome {
  private readonly logger = new Logger('Sync');

  constructor(
    private readonly runs: ConnectorRunsRepository,
    private readonly connections: ConnectionsService,
    private readonly audit: AuditService,
    private readonly metrics: Metrics,
  ) {}

  async record(result: RunResult): Promise<Exclude<RunStatus, 'RUNNING'> | undefined> {
    const { connection, run, stats } = result;
    const { status, error } = runOutcome(stats, result.failures, result.aborted);
    if (!(await this.runs.finish(run.id, status, stats, error))) {
      this.logger.warn(`run ${run.id} ended ${status} after another instance marked it ABANDONED`);
      return undefined;
    }
    const finished = new Date();
    const labels = { connector: connection.connectorKey, status };
    this.metrics.syncs.inc(labels);
    this.metrics.syncDuration.observe(labels, (finished.getTime() - result.started.getTime()) / 1000);
    for (const s of stats) {
      this.metrics.apiCalls.inc({ collector: s.collector }, s.apiCalls);
      this.metrics.rateLimitWaits.inc({ collector: s.collector }, s.rateLimitWaits);
      this.metrics.evidenceRows.inc({ type: s.collector }, s.inserted);
    }
    await this.connections.recordSync(connection.id, {
      lastSyncAt: finished,
      ...(status === 'SUCCEEDED' ? { lastSuccessfulSyncAt: finished } : {}),
      // Stopped by a shutdown: due again at once, on whichever instance ticks next.
      ...(error?.code === 'SHUTDOWN' ? { nextSyncAt: finished } : {}),
      syncState: result.cursor,
    });
    const counts = {
      items: stats.reduce((n, s) => n + s.items, 0),
      inserted: stats.reduce((n, s) => n + s.inserted, 0),
      closed: stats.reduce((n, s) => n + s.closed, 0),
      apiCalls: stats.reduce((n, s) => n + s.apiCalls, 0),
    };
    // The operator's line: FAILED (nothing collected) as "sync failed", the others as "sync finished".
    this.logger.log({
      msg: status === 'FAILED' ? 'sync failed' : 'sync finished',
      connectionId: connection.id,
      runId: run.id,
      status,
      ...(error === null ? {} : { code: error.code }),
      ...counts,
      changes: stats.reduce((n, s) => n + s.changes, 0),
      durationMs: finished.getTime() - result.started.getTime(),
    });
    await this.audit.append(
      status === 'SUCCEEDED'
        ? {
            action: 'SYNC',
            target: { type: 'connection', id: connection.id },
            details: { runId: run.id, trigger: run.trigger, ...counts },
          }
        : {
            action: 'SYNC_FAILURE',
            target: { type: 'connection', id: connection.id },
            details: { runId: run.id, status, code: error?.code ?? 'UNKNOWN', ...counts },
          },
    );
    return status;
  }
}
