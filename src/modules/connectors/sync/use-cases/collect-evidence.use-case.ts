import { Injectable, Logger } from '@nestjs/common';
import { SecretIntegrityError } from '#src/common/crypto/key-provider';
import { DomainError } from '#src/common/errors/domain.error';
import { type Connection } from '#src/modules/connections/connection.types';
import { ConnectionsService } from '#src/modules/connections/connections.service';
import {
  type Collector,
  type ConnectorDriver,
  type RunContext,
} from '#src/modules/connectors/connector-driver.port';
import { ChangesService } from '#src/modules/changes/changes.service';
import { EvidenceService, type RunCurrentRows } from '#src/modules/evidence/evidence.service';
import { type CollectorStats } from '../connector-run.schema';
import { type ConnectorRun, ConnectorRunsRepository } from '../connector-runs.repository';
import { RunAborted, type RunError } from '../run-outcome';

/** How often a collector writes its live counts to the run record, at most. */
const PROGRESS_INTERVAL_MS = 1000;

/**
 * One collector of a run: streams its batches into the evidence store with live counts on the run, closes
 * vanished rows only after a complete pass, and stops between batches when the run is stopped. A failure
 * of this collector is recorded on its stats (with a code); one that stops the whole run is thrown as
 * `RunAborted`.
 */
@Injectable()
export class CollectEvidence {
  private readonly logger = new Logger('Sync');

  constructor(
    private readonly evidence: EvidenceService,
    private readonly runs: ConnectorRunsRepository,
    private readonly connections: ConnectionsService,
    private readonly changes: ChangesService,
  ) {}

  async run(
    of: {
      readonly connection: Connection;
      readonly driver: ConnectorDriver;
      readonly run: ConnectorRun;
      readonly collector: Collector;
      readonly context: RunContext;
    },
    all: CollectorStats[],
    current: RunCurrentRows,
  ): Promise<CollectorStats & { code?: string }> {
    const { connection, run, collector, context } = of;
    const entry: CollectorStats = {
      collector: collector.evidenceType,
      endpoint: collector.endpoint,
      filter: collector.filter,
      pages: 0,
      items: 0,
      apiCalls: 0,
      rateLimitWaits: 0,
      rateLimitWaitMs: 0,
      retries: 0,
      inserted: 0,
      closed: 0,
      unchanged: 0,
      changes: 0,
      durationMs: 0,
      complete: false,
      error: null,
    };
    all.push(entry);
    const begin = Date.now();
    const sync = (): void => {
      Object.assign(entry, {
        pages: collector.stats.pages,
        apiCalls: collector.stats.apiCalls,
        rateLimitWaits: collector.stats.rateLimitWaits,
        rateLimitWaitMs: collector.stats.rateLimitWaitMs,
        retries: collector.stats.retries,
        durationMs: Date.now() - begin,
      });
    };
    const target = {
      connectionId: connection.id,
      connectorKey: connection.connectorKey,
      runId: run.id,
      collectedAt: context.now,
    };
    let progressAt = Date.now();
    try {
      const index = await current.of(collector.evidenceType);
      entry.closed += await this.evidence.heal(index);
      // The change feed compares with what was stored; a type's first collection is its baseline.
      const detector = of.driver.changeDetectors?.find((d) => d.evidenceType === collector.evidenceType);
      const watch = detector !== undefined && index.size > 0 ? detector : undefined;
      const source = { ...target, detectedAt: context.now };
      const carried = (sourceId: string): Record<string, unknown> | undefined => index.carried(sourceId);
      for await (const batch of collector.collect({ ...context, carried })) {
        const counts = await this.evidence.write(target, index, batch);
        if (watch !== undefined) entry.changes += await this.changes.detect(source, watch, counts.changed);
        entry.items += batch.length;
        entry.inserted += counts.inserted;
        entry.closed += counts.closed;
        entry.unchanged += counts.unchanged;
        sync();
        // Live counts at most about once a second (the run's heartbeat writes them too).
        if (Date.now() - progressAt >= PROGRESS_INTERVAL_MS) {
          progressAt = Date.now();
          await this.runs.progress(run.id, all);
        }
        context.signal.throwIfAborted();
      }
      if (collector.closesVanished) {
        if (watch !== undefined)
          entry.changes += await this.changes.detect(source, watch, this.evidence.vanished(index));
        entry.closed += await this.evidence.closeVanished(index, context.now);
      }
      entry.complete = true;
    } catch (error) {
      const failure = await this.classify(of.driver, connection, error);
      entry.error = failure.message;
      this.logger.warn({ msg: 'collector failed', collector: collector.evidenceType, code: failure.code });
      return Object.assign(entry, { code: failure.code });
    } finally {
      sync();
    }
    return entry;
  }

  /** A safe description of a collector failure; aborts the run when nothing else can succeed either. */
  private async classify(driver: ConnectorDriver, connection: Connection, error: unknown): Promise<RunError> {
    if (error instanceof RunAborted) throw error;
    const vendor = driver.definition.name;
    // The platform's own failures first: a driver's classifier never sees (or softens) them.
    if (error instanceof DomainError) throw new RunAborted({ code: error.code, message: error.message });
    if (error instanceof SecretIntegrityError) {
      throw new RunAborted({
        code: 'CREDENTIALS_UNREADABLE',
        message: `The stored ${vendor} credentials could not be decrypted`,
      });
    }
    const failure = driver.classify(error);
    if (failure !== undefined) {
      const optional = driver.definition.optionalScopes.some((o) => o.scope === failure.scope);
      if (failure.code === 'INSUFFICIENT_SCOPE' && optional) {
        // An optional scope withdrawn at the vendor since the authorization: that collection fails, the
        // connection does not need re-authorizing for it (authorizing again without it ends the failures).
        return {
          code: 'COLLECTOR_FAILED',
          message: `insufficient_scope: the optional ${failure.scope ?? ''} scope is no longer granted`,
        };
      }
      if (failure.code === 'INSUFFICIENT_SCOPE') {
        const scope = failure.scope ?? 'unknown';
        await this.connections.markNeedsReauth(
          connection.id,
          `insufficient_scope: ${scope}`,
          `The ${vendor} token lacks the ${scope} scope`,
        );
        throw new RunAborted({
          code: 'INSUFFICIENT_SCOPE',
          message: `The ${vendor} token lacks the ${scope} scope; re-authorize the connection`,
        });
      }
      if (failure.code === 'UNAUTHORIZED')
        throw new RunAborted({ code: 'UNAUTHORIZED', message: failure.message });
      return {
        code: failure.code === 'RATE_LIMITED' ? 'RATE_LIMITED' : 'COLLECTOR_FAILED',
        message: `${failure.code.toLowerCase()}: ${failure.message}`,
      };
    }
    this.logger.error(
      `collector failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    return { code: 'COLLECTOR_FAILED', message: 'internal: unexpected error' };
  }
}
