import { Metrics } from '#src/common/metrics/metrics';
import { type AuditRecord, type AuditService } from '#src/modules/audit/audit.service';
import { type Connection } from '#src/modules/connections/connection.types';
import { type ConnectionsService } from '#src/modules/connections/connections.service';
import { type CollectorStats } from '../connector-run.schema';
import { type ConnectorRun, type ConnectorRunsRepository } from '../connector-runs.repository';
import { RecordRunOutcome, type RunResult } from './record-run-outcome.use-case';

const complete: CollectorStats = {
  collector: 'idp.user_mfa',
  endpoint: '/api/v1/users',
  filter: 'status eq "ACTIVE"',
  pages: 2,
  items: 300,
  apiCalls: 4,
  rateLimitWaits: 0,
  rateLimitWaitMs: 0,
  retries: 0,
  inserted: 5,
  closed: 2,
  unchanged: 295,
  changes: 0,
  durationMs: 10,
  complete: true,
  error: null,
};

function fakes(finishes = true) {
  const finished: unknown[][] = [];
  const synced: [string, Record<string, unknown>][] = [];
  const audited: AuditRecord[] = [];
  const runs = {
    finish: (...args: unknown[]) => {
      finished.push(args);
      return Promise.resolve(finishes);
    },
  } as unknown as ConnectorRunsRepository;
  const connections = {
    recordSync: (id: string, fields: Record<string, unknown>) => {
      synced.push([id, fields]);
      return Promise.resolve();
    },
  } as unknown as ConnectionsService;
  const audit = {
    append: (record: AuditRecord) => {
      audited.push(record);
      return Promise.resolve();
    },
  } as unknown as AuditService;
  const metrics = new Metrics();
  return { use: new RecordRunOutcome(runs, connections, audit, metrics), finished, synced, audited, metrics };
}

function result(overrides: Partial<RunResult> = {}): RunResult {
  return {
    connection: { id: 'c1', connectorKey: 'idp' } as Connection,
    run: { id: 'r1', trigger: 'schedule' } as Pick<ConnectorRun, 'id' | 'trigger'> as ConnectorRun,
    started: new Date(Date.now() - 1000),
    stats: [complete],
    failures: [],
    aborted: null,
    cursor: { logsSince: '2026-12-01T00:00:00.000Z' },
    ...overrides,
  };
}

describe('RecordRunOutcome (the sync outcome rules, collaborators faked)', () => {
  it('a complete run: SUCCEEDED, both sync times and the cursor stored, one SYNC audit entry with its counts', async () => {
    const f = fakes();
    await expect(f.use.record(result())).resolves.toBe('SUCCEEDED');
    expect(f.finished).toEqual([['r1', 'SUCCEEDED', [complete], null]]);
    const [[id, fields]] = f.synced as [[string, Record<string, unknown>]];
    expect(id).toBe('c1');
    expect(fields).toMatchObject({ syncState: { logsSince: '2026-12-01T00:00:00.000Z' } });
    expect(fields.lastSuccessfulSyncAt).toEqual(fields.lastSyncAt);
    expect(fields).not.toHaveProperty('nextSyncAt');
    expect(f.audited).toEqual([
      {
        action: 'SYNC',
        target: { type: 'connection', id: 'c1' },
        details: { runId: 'r1', trigger: 'schedule', items: 300, inserted: 5, closed: 2, apiCalls: 4 },
      },
    ]);
  });

  it('a failed collector: PARTIAL, no new last successful sync, a SYNC_FAILURE entry with the code', async () => {
    const f = fakes();
    const broken = { ...complete, collector: 'idp.password_policy', complete: false, error: 'HTTP 503' };
    await expect(
      f.use.record(result({ stats: [complete, broken], failures: ['COLLECTOR_FAILED'] })),
    ).resolves.toBe('PARTIAL');
    expect(f.synced[0]?.[1]).not.toHaveProperty('lastSuccessfulSyncAt');
    expect(f.audited[0]).toMatchObject({
      action: 'SYNC_FAILURE',
      details: { runId: 'r1', status: 'PARTIAL', code: 'COLLECTOR_FAILED' },
    });
  });

  it('stopped by a shutdown: due again at once', async () => {
    const f = fakes();
    const status = await f.use.record(result({ aborted: { code: 'SHUTDOWN', message: 'stopping' } }));
    expect(status).toBe('PARTIAL');
    const fields = f.synced[0]?.[1] ?? {};
    expect(fields.nextSyncAt).toEqual(fields.lastSyncAt);
    expect(f.audited[0]).toMatchObject({ action: 'SYNC_FAILURE', details: { code: 'SHUTDOWN' } });
  });

  it('a run another instance marked ABANDONED: nothing else is written', async () => {
    const f = fakes(false);
    await expect(f.use.record(result())).resolves.toBeUndefined();
    expect(f.synced).toEqual([]);
    expect(f.audited).toEqual([]);
    expect((await f.metrics.syncs.get()).values).toEqual([]);
  });
});
