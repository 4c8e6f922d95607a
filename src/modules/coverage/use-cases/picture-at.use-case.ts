import { Injectable } from '@nestjs/common';
import { type Connection } from '#src/modules/connections/connection.types';
import { ConnectionsService } from '#src/modules/connections/connections.service';
import { ConnectorRegistry } from '#src/modules/connectors/connector.registry';
import {
  type ConnectionStateAt,
  ContinuityService,
} from '#src/modules/connectors/sync/continuity/continuity.service';
import { OrganizationsService } from '#src/modules/organizations/organizations.service';
import { type CheckResult } from '../checks/check.types';
import { CheckExceptionsRepository } from '../check-exceptions.repository';
import { CheckSettingsService } from '../check-settings.service';
import {
  type ConnectionFreshness,
  freshnessProblem,
  type IncompleteCollection,
} from '../coverage.calculator';
import { EvaluateChecks } from './evaluate-checks.use-case';

/** A finished run, as the connection's state at an instant names its last one. */
type FinishedRun = NonNullable<ConnectionStateAt['lastFinishedRun']>;

/** The connections read at most (as `CoverageService.liveConnections`). */
const MAX_CONNECTIONS = 1000;

/** What coverage and checks are computed from, as it was at one instant. */
export interface PictureAt {
  readonly asOf: Date;
  /** Every check, judged over the evidence valid then, with the settings and exceptions in force then. */
  readonly checks: readonly CheckResult[];
  /** The connections live then (ACTIVE or NEEDS_REAUTH), with their freshness then and evidence counts. */
  readonly connections: readonly ConnectionFreshness[];
}

/**
 * Rebuilds the organization's picture at a past instant from history alone, never from the stored results
 * nor from the connections' current fields: the evidence rows valid then (one streamed read), the settings
 * version and the exceptions in force then, and each connection's status and last successful sync then
 * (its audited status changes and run history, as `ContinuityService.stateAt` derives them).
 */
@Injectable()
export class PictureAtInstant {
  constructor(
    private readonly organizations: OrganizationsService,
    private readonly settings: CheckSettingsService,
    private readonly exceptions: CheckExceptionsRepository,
    private readonly connections: ConnectionsService,
    private readonly continuity: ContinuityService,
    private readonly registry: ConnectorRegistry,
    private readonly evaluate: EvaluateChecks,
  ) {}

  /** BAD_USER_INPUT when `asOf` is in the future (beyond a minute of skew) or before the organization existed. */
  async at(asOf: Date, now = new Date()): Promise<PictureAt> {
    await this.organizations.assertInHistory(asOf, now);
    const [settings, exceptions, live] = await Promise.all([
      this.settings.at(asOf),
      this.exceptions.inForceAt(asOf),
      this.liveAt(asOf),
    ]);
    const { results, counts } = await this.evaluate.run({
      settings,
      exceptions,
      sources: live.map(({ connection, freshness, lastRun }) => ({
        connectionId: freshness.connectionId,
        fresh: freshnessProblem(freshness, asOf) === undefined,
        complete: lastRun === null || lastRun.status === 'SUCCEEDED',
        connectorKey: connection.connectorKey,
        // What the authorization had granted then: its last run's record (the connection's own, before any).
        grantedScopes: lastRun?.grantedScopes ?? connection.grantedScopes,
      })),
      now: asOf,
      asOf,
    });
    return {
      asOf,
      checks: results,
      connections: live.map(({ connection, freshness }) => ({
        ...freshness,
        evidenceCounts: Object.fromEntries(
          this.registry
            .get(connection.connectorKey)
            .evidenceTypes.map((type) => [type, counts.get(connection.id)?.[type] ?? 0]),
        ),
      })),
    };
  }

  /** The connections that existed and were live at `asOf`, with their freshness and last finished run then. */
  private async liveAt(
    asOf: Date,
  ): Promise<{ connection: Connection; freshness: ConnectionFreshness; lastRun: FinishedRun | null }[]> {
    const all = await this.connections.page({ includeRevoked: true }, MAX_CONNECTIONS);
    const existing = all.filter((c) => c.createdAt.getTime() <= asOf.getTime());
    const states = await Promise.all(
      existing.map(async (connection) => ({
        connection,
        state: await this.continuity.stateAt(connection, asOf),
      })),
    );
    return states.flatMap(({ connection, state }) => {
      if (state.status !== 'ACTIVE' && state.status !== 'NEEDS_REAUTH') return [];
      const definition = this.registry.get(connection.connectorKey);
      const freshness: ConnectionFreshness = {
        connectionId: connection.id,
        label: `${definition.name} ${connection.externalTenant}`,
        status: state.status,
        lastSuccessfulSyncAt: state.lastSuccessfulSyncAt,
        staleThresholdMs: definition.staleThresholdMs,
        evidenceCounts: {},
        incomplete: incompleteCollections(state.lastFinishedRun, definition.evidenceTypes),
      };
      return [{ connection, freshness, lastRun: state.lastFinishedRun }];
    });
  }
}

/** Evidence types a finished run did not collect completely (none when it succeeded, or there was none). */
export function incompleteCollections(
  run: Pick<FinishedRun, 'id' | 'status' | 'stats'> | null,
  types: readonly string[],
): IncompleteCollection[] {
  if (run === null || run.status === 'SUCCEEDED') return [];
  const complete = new Set(run.stats.filter((s) => s.complete).map((s) => s.collector));
  return types
    .filter((type) => !complete.has(type))
    .map((type) => ({ type, runId: run.id, runStatus: run.status }));
}
