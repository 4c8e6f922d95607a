import { randomBytes } from 'node:crypto';
import { type BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { type AppConfig } from '#src/config/app-config';
import { APP_CONFIG } from '#src/config/config.module';
import { DomainError } from '#src/common/errors/domain.error';
import { LeaseLock } from '#src/common/scheduling/lease-lock';
import { RunLogContext } from '#src/common/logging/run-log-context';
import { AccessTokenProvider } from '#src/modules/connections/access-token.provider';
import { ConnectionsService } from '#src/modules/connections/connections.service';
import { DomainEvents, OnDomainEvent } from '#src/common/events/domain-events';
import '#src/modules/connections/connection.events';
import './sync.events';
import { type Connection } from '#src/modules/connections/connection.types';
import { RunTokenSource } from '#src/modules/connections/run-token-source';
import { type RunContext } from '#src/modules/connectors/connector-driver.port';
import { ConnectorRegistry } from '#src/modules/connectors/connector.registry';
import { EvidenceService } from '#src/modules/evidence/evidence.service';
import { type CollectorStats, type RunTrigger } from './connector-run.schema';
import { AbandonedRuns } from './abandoned-runs';
import { type ConnectorRun, ConnectorRunsRepository } from './connector-runs.repository';

export type { ConnectorRun } from './connector-runs.repository';
import { RunHeartbeat } from './run-heartbeat';
import { RunAborted, type RunError } from './run-outcome';
import { SyncSlots } from './sync-slots';
import { CollectEvidence } from './use-cases/collect-evidence.use-case';
import { RecordRunOutcome } from './use-cases/record-run-outcome.use-case';

/** How long a shutdown lets running syncs finish before stopping them, and then lets them wrap up. */
const SHUTDOWN_GRACE_MS = 15_000;
const SHUTDOWN_WRAP_UP_MS = 5_000;

/**
 * Runs syncs: one at a time per connection across instances (a lease renewed while the run lasts), each
 * collector streamed into the evidence store, live counts on the run record, the outcome audited. Every
 * run ends with an honest status: a deadline, a shutdown or a lost lease stops it (`DEADLINE_EXCEEDED`,
 * `SHUTDOWN`, `LEASE_LOST`), and a run whose instance died is marked ABANDONED by whoever next holds its
 * lease (`AbandonedRuns`).
 */
@Injectable()
export class SyncService implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Sync');
  private readonly instance = randomBytes(6).toString('hex');
  /** This instance's runs: what they do, and how to stop them. */
  private readonly running = new Map<string, { task: Promise<void>; stop: AbortController }>();
  private stopping = false;
  private readonly slots: SyncSlots;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly connections: ConnectionsService,
    private readonly runs: ConnectorRunsRepository,
    private readonly leases: LeaseLock,
    private readonly tokens: AccessTokenProvider,
    private readonly events: DomainEvents,
    private readonly evidence: EvidenceService,
    private readonly registry: ConnectorRegistry,
    private readonly abandoned: AbandonedRuns,
    private readonly collectEvidence: CollectEvidence,
    private readonly outcome: RecordRunOutcome,
  ) {
    this.slots = new SyncSlots(config.sync.maxConcurrentSyncs, config.sync.maxConcurrentSyncsPerOrg);
  }

  /** A connection just authorized syncs at once. */
  @OnDomainEvent('connection.authorized')
  async onAuthorized(event: { readonly connectionId: string }): Promise<void> {
    await this.start(event.connectionId, 'connect');
  }

  get activeRuns(): number {
    return this.slots.inUse;
  }

  /** How many more syncs of the organization this instance may start now (per-organization and global caps). */
  roomFor(organizationId: string): number {
    return this.slots.room(organizationId);
  }

  /**
   * Starts a sync of a connection of the organization in context and returns its RUNNING record, or the run
   * already in progress. `schedule` runs only if the connection is still due once the lease is held. When the
   * organization (or the instance) is at its cap, a `manual` sync is refused, a `connect` sync is left to
   * the scheduler (the connection is due) and a `schedule` one to a later tick.
   */
  async start(
    connectionId: string,
    trigger: RunTrigger,
  ): Promise<{ run: ConnectorRun | undefined; started: boolean }> {
    if (this.stopping) throw new DomainError('CONNECTOR_UNAVAILABLE', 'This instance is shutting down');
    const connection = await this.connections.find(connectionId);
    if (connection === undefined) throw DomainError.notFound('Connection');
    if (connection.status !== 'ACTIVE') {
      throw new DomainError(
        'CONFLICT',
        `The connection is ${connection.status}; only ACTIVE connections sync`,
      );
    }
    const organizationId = connection.organizationId;
    if (!this.slots.take(organizationId)) {
      const running = await this.runs.findRunning(connectionId);
      if (running !== undefined || trigger !== 'manual') return { run: running, started: false };
      throw new DomainError(
        'CONFLICT',
        'This organization already has as many syncs running as allowed; try again when one finishes',
      );
    }
    let handedOver = false;
    try {
      const result = await this.claimAndRun(connection, trigger);
      handedOver = result.started;
      return result;
    } finally {
      if (!handedOver) this.slots.free(organizationId);
    }
  }

  /** Under a slot: takes the lease, records the run and sets it going in the background. */
  private async claimAndRun(
    connection: Connection,
    trigger: RunTrigger,
  ): Promise<{ run: ConnectorRun | undefined; started: boolean }> {
    const connectionId = connection.id;
    const owner = `${this.instance}:${randomBytes(4).toString('hex')}`;
    const key = `sync:${connectionId}`;
    if (!(await this.leases.tryAcquire(key, owner, this.config.sync.leaseTtlMs))) {
      return { run: await this.runInProgress(connectionId), started: false };
    }
    let run: ConnectorRun;
    try {
      const fresh = await this.connections.find(connectionId);
      const now = new Date();
      if (
        fresh === undefined ||
        fresh.status !== 'ACTIVE' ||
        (trigger === 'schedule' && (fresh.nextSyncAt?.getTime() ?? 0) > now.getTime())
      ) {
        await this.leases.release(key, owner);
        return { run: undefined, started: false };
      }
      await this.abandoned.abandonAll(connectionId, now); // we hold the lease: their owner is gone
      run = await this.runs.start({ connectionId, trigger, owner, grantedScopes: fresh.grantedScopes });
      await this.connections.recordSync(connectionId, {
        nextSyncAt: new Date(now.getTime() + this.registry.get(fresh.connectorKey).syncCadenceMs),
      });
    } catch (error) {
      await this.leases.release(key, owner);
      throw error;
    }
    const stop = new AbortController();
    const task = RunLogContext.run(run.id, () => this.execute(connection, run, key, owner, stop))
      .catch((error: unknown) =>
        this.logger.error(
          `sync ${run.id} crashed: ${error instanceof Error ? error.message : String(error)}`,
        ),
      )
      .finally(() => {
        this.running.delete(run.id);
        this.slots.free(connection.organizationId);
      });
    this.running.set(run.id, { task, stop });
    return { run, started: true };
  }

  /** The run of whoever holds the lease; it may take a moment between taking the lease and recording the run. */
  private async runInProgress(connectionId: string): Promise<ConnectorRun | undefined> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const run = await this.runs.findRunning(connectionId);
      if (run !== undefined) return run;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return undefined;
  }

  /**
   * For the scheduler, in an organization's context: marks the organization's runs whose instance is gone
   * ABANDONED (audited; their connections due at once). Returns how many.
   */
  async reclaimAbandoned(now: Date): Promise<number> {
    const marked = await this.abandoned.reclaim(now, (runId) => this.running.has(runId));
    for (const run of marked)
      await this.events.emit('sync.finished', {
        connectionId: run.connectionId,
        runId: run.id,
        status: 'ABANDONED',
      });
    return marked.length;
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  /** Waits for this instance's syncs (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()].map((r) => r.task));
  }

  /**
   * Before the database closes: no new runs; running ones get `SHUTDOWN_GRACE_MS` to finish, then are
   * stopped and end FAILED/PARTIAL with code SHUTDOWN (audited, connection due at once). A run that cannot
   * even record that (database gone) stays RUNNING until another instance marks it ABANDONED.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (await this.idleWithin(SHUTDOWN_GRACE_MS)) return;
    this.logger.warn(`stopping ${this.running.size} sync(s) still running at shutdown`);
    for (const { stop } of this.running.values())
      stop.abort(
        new RunAborted({
          code: 'SHUTDOWN',
          message: 'The instance shut down before the sync finished; it runs again at once',
        }),
      );
    if (!(await this.idleWithin(SHUTDOWN_WRAP_UP_MS)))
      this.logger.error(`${this.running.size} sync(s) did not stop; they will be marked ABANDONED`);
  }

  private async idleWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const idle = await Promise.race([
      this.idle().then(() => true),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
    ]);
    clearTimeout(timer);
    return idle;
  }

  private async execute(
    connection: Connection,
    run: ConnectorRun,
    leaseKey: string,
    owner: string,
    stop: AbortController,
  ): Promise<void> {
    const started = new Date();
    this.logger.log({
      msg: 'sync started',
      connectionId: connection.id,
      runId: run.id,
      trigger: run.trigger,
    });
    const stats: CollectorStats[] = [];
    const failures: string[] = [];
    const deadlineMs = this.config.sync.runDeadlineMs;
    const deadline = new Date(started.getTime() + deadlineMs);
    const deadlineTimer = setTimeout(
      () =>
        stop.abort(
          new RunAborted({
            code: 'DEADLINE_EXCEEDED',
            message: `The sync did not finish within its deadline of ${Math.round(deadlineMs / 1000)} s`,
          }),
        ),
      deadlineMs,
    );
    const heartbeat = new RunHeartbeat(
      {
        renew: () => this.leases.renew(leaseKey, owner, this.config.sync.leaseTtlMs),
        progress: () => this.runs.progress(run.id, stats),
        lost: () =>
          stop.abort(new RunAborted({ code: 'LEASE_LOST', message: 'Another instance took over this sync' })),
      },
      Math.max(250, Math.floor(this.config.sync.leaseTtlMs / 3)),
      this.logger,
    );
    heartbeat.start();
    let runError: RunError | null = null;
    const cursor: Record<string, string> = {};
    try {
      const tokens = new RunTokenSource({
        current: () => this.tokens.presented(connection.id),
        refreshed: () => this.tokens.presented(connection.id, { force: true }),
      });
      const driver = this.registry.driver(connection.connectorKey);
      const collectors = driver.collectors(connection, tokens);
      const context: RunContext = {
        now: started,
        cursor: connection.syncState,
        deadline,
        signal: stop.signal,
      };
      const current = this.evidence.forRun(
        connection.id,
        collectors.map((c) => ({
          type: c.evidenceType,
          carries: c.carries ?? [],
          watches: driver.changeDetectors?.find((d) => d.evidenceType === c.evidenceType)?.watches ?? [],
        })),
      );
      for (const collector of collectors) {
        stop.signal.throwIfAborted();
        const entry = await this.collectEvidence.run(
          { connection, driver, run, collector, context },
          stats,
          current,
        );
        if (entry.complete) Object.assign(cursor, collector.cursorAfter(context));
        else if (entry.code !== undefined) failures.push(entry.code);
      }
    } catch (error) {
      runError =
        error instanceof RunAborted
          ? error.runError
          : error instanceof DomainError
            ? { code: error.code, message: error.message }
            : { code: 'INTERNAL', message: 'The sync failed unexpectedly' };
      if (!(error instanceof RunAborted) && !(error instanceof DomainError))
        this.logger.error(
          `sync ${run.id}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
        );
    } finally {
      heartbeat.stop();
      clearTimeout(deadlineTimer);
    }

    const status = await this.outcome.record({
      connection,
      run,
      started,
      stats,
      failures,
      aborted: runError,
      cursor,
    });
    await this.leases.release(leaseKey, owner);
    if (status !== undefined)
      await this.events.emit('sync.finished', { connectionId: connection.id, runId: run.id, status });
  }

  /** For the scheduler: due connections of the organization in context. */
  due(now: Date, limit: number): Promise<Connection[]> {
    return this.connections.due(now, limit);
  }

  /** For retention: deletes a connection's finished runs, except those in `keep`. Returns how many. */
  purgeRuns(connectionId: string, keep: readonly string[]): Promise<number> {
    return this.runs.deleteForConnection(connectionId, keep);
  }

  /** Runs of any connection that started by `end` and finished (or are running) after `start`, streamed. */
  runsOverlapping(start: Date, end: Date): AsyncGenerator<ConnectorRun> {
    return this.runs.overlapping(start, end);
  }

  /** The runs with these ids; unknown ids are skipped. */
  runsByIds(ids: readonly string[]): AsyncGenerator<ConnectorRun> {
    return this.runs.byIds(ids);
  }

  page(connectionId: string, limit: number, beforeId?: string): Promise<ConnectorRun[]> {
    return this.runs.page(connectionId, limit, beforeId);
  }
}
