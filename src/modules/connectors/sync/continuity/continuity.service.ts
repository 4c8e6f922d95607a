import { Injectable } from '@nestjs/common';
import { DomainError } from '#src/common/errors/domain.error';
import { AuditService } from '#src/modules/audit/audit.service';
import { ConnectionsService } from '#src/modules/connections/connections.service';
import { ConnectorRegistry } from '#src/modules/connectors/connector.registry';
import { type Connection } from '#src/modules/connections/connection.types';
import { type ConnectorRun, ConnectorRunsRepository } from '../connector-runs.repository';
import { type Continuity, continuity, type StatusChange, statusAt } from './continuity.calculator';

const MAX_WINDOW_MS = 548 * 86_400_000; // 18 months
const GRACE_MS = 10 * 60_000;
const MAX_SYNCS = 20_000;
const MAX_CHANGES = 5_000;
/** SYNC_FAILURE codes that mean the connection needs an admin to authorize it again. */
const NEEDS_REAUTH_CODES = new Set(['invalid_grant', 'no_refresh_token', 'INSUFFICIENT_SCOPE']);

export interface ConnectionContinuity {
  readonly connectionId: string;
  readonly connectorKey: string;
  readonly externalTenant: string;
  readonly continuity: Continuity;
}

/** A connection as it was at one instant, derived from history (see `ContinuityService.stateAt`). */
export interface ConnectionStateAt {
  readonly connectionId: string;
  readonly at: Date;
  /** null: the connection did not exist yet. */
  readonly status: Connection['status'] | null;
  /** Its last authorization (CONNECT or REAUTH) by then. */
  readonly authorizedAt: Date | null;
  readonly lastSuccessfulSyncAt: Date | null;
  /** Live (ACTIVE or NEEDS_REAUTH) with no successful sync within the connector's stale threshold then. */
  readonly stale: boolean;
  /** The last run that had finished by then, whatever its outcome. */
  readonly lastFinishedRun: ConnectorRun | null;
}

/** How continuously a connection synced over a window, from its run history and its audited status changes. */
@Injectable()
export class ContinuityService {
  constructor(
    private readonly connections: ConnectionsService,
    private readonly registry: ConnectorRegistry,
    private readonly runs: ConnectorRunsRepository,
    private readonly audit: AuditService,
  ) {}

  /** Every connection of the organization over [start, min(end, now)), its last 18 months at most. */
  async overPeriod(start: Date, end: Date, now = new Date()): Promise<ConnectionContinuity[]> {
    const to = new Date(Math.min(end.getTime(), now.getTime()));
    const from = new Date(Math.max(start.getTime(), to.getTime() - MAX_WINDOW_MS));
    if (from.getTime() >= to.getTime()) return [];
    const connections = await this.connections.page({ includeRevoked: true }, 100);
    return Promise.all(
      connections.map(async (c) => ({
        connectionId: c.id,
        connectorKey: c.connectorKey,
        externalTenant: c.externalTenant,
        continuity: await this.of(c.id, from, to, now),
      })),
    );
  }

  async of(connectionId: string, from: Date, to: Date, now = new Date()): Promise<Continuity> {
    // NOT_FOUND first: a foreign or unknown id says nothing else, whatever the window.
    const connection = await this.connections.get(connectionId, { includeRevoked: true });
    if (!isDate(from)) throw input('from must be an ISO-8601 date-time');
    if (!isDate(to)) throw input('to must be an ISO-8601 date-time');
    if (from.getTime() >= to.getTime()) throw input('from must be before to');
    if (to.getTime() - from.getTime() > MAX_WINDOW_MS)
      throw input('the window may be at most 18 months long');
    if (to.getTime() > now.getTime() + 60_000) throw input('to must not be in the future');
    const definition = this.registry.get(connection.connectorKey);
    const [before, within, changes] = await Promise.all([
      this.runs.lastSuccessBefore(connection.id, from),
      this.runs.successesBetween(connection.id, from, to, MAX_SYNCS),
      this.statusChanges(connection.id, to),
    ]);
    return continuity({
      from,
      to,
      cadenceMs: definition.syncCadenceMs,
      staleMs: definition.staleThresholdMs,
      graceMs: GRACE_MS,
      successes: before === undefined ? within : [before, ...within],
      changes,
    });
  }

  /**
   * The connection as it was at `at`, from its run history and audited status changes (never from its
   * current fields): its status then (null before it was created), its last successful sync finished by
   * then, whether it was stale then (the same rule as `Connection.stale`), and the last run finished by then.
   */
  async stateAt(connection: Connection, at: Date): Promise<ConnectionStateAt> {
    const definition = this.registry.get(connection.connectorKey);
    const justAfter = new Date(at.getTime() + 1);
    const [lastSuccess, lastFinished, changes] = await Promise.all([
      this.runs.lastSuccessBefore(connection.id, justAfter),
      this.runs.lastFinishedBefore(connection.id, justAfter),
      this.statusChanges(connection.id, justAfter),
    ]);
    const status = statusAt(changes, at, connection) ?? null;
    const authorizedAt = changes.filter((c) => c.status === 'ACTIVE' && c.at <= at).at(-1)?.at ?? null;
    const lastSuccessfulSyncAt = lastSuccess ?? null;
    const reference = lastSuccessfulSyncAt ?? authorizedAt ?? connection.createdAt;
    const live = status === 'ACTIVE' || status === 'NEEDS_REAUTH';
    return {
      connectionId: connection.id,
      at,
      status,
      authorizedAt,
      lastSuccessfulSyncAt,
      stale: live && at.getTime() - reference.getTime() > definition.staleThresholdMs,
      lastFinishedRun: lastFinished ?? null,
    };
  }

  /**
   * The connection's status changes before `to`, oldest first, from its audited CONNECT, REAUTH, REVOKE and
   * SYNC_FAILURE entries (the newest MAX_CHANGES of them).
   */
  private async statusChanges(connectionId: string, to: Date): Promise<StatusChange[]> {
    // Status changes only (not the hourly SYNC entries), so a long history fits the bound.
    const entries = await this.audit.page(
      {
        targetType: 'connection',
        targetId: connectionId,
        to,
        actions: ['CONNECT', 'REAUTH', 'REVOKE', 'SYNC_FAILURE'],
      },
      MAX_CHANGES,
    );
    return entries.reverse().flatMap((e): StatusChange[] => {
      if (e.action === 'CONNECT' || e.action === 'REAUTH') return [{ at: e.at, status: 'ACTIVE' }];
      if (e.action === 'REVOKE') return [{ at: e.at, status: 'REVOKED' }];
      const code = (e.details as { code?: unknown }).code;
      if (e.action === 'SYNC_FAILURE' && typeof code === 'string' && NEEDS_REAUTH_CODES.has(code))
        return [{ at: e.at, status: 'NEEDS_REAUTH' }];
      return [];
    });
  }
}

function isDate(value: unknown): value is Date {
  return value instanceof Date && !Number.isNaN(value.getTime());
}

function input(message: string): DomainError {
  return new DomainError('BAD_USER_INPUT', message);
}
