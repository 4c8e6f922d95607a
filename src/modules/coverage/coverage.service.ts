import { Injectable } from '@nestjs/common';
import { DomainError } from '#src/common/errors/domain.error';
import { OrgContext } from '#src/common/tenancy/org-context';
import { AuditService } from '#src/modules/audit/audit.service';
import { type Connection } from '#src/modules/connections/connection.types';
import { ConnectionsService } from '#src/modules/connections/connections.service';
import { ConnectorRegistry } from '#src/modules/connectors/connector.registry';
import { type EvidenceSubject } from '#src/modules/connectors/connector-definition';
import { SyncService } from '#src/modules/connectors/sync/sync.service';
import { EvidenceService } from '#src/modules/evidence/evidence.service';
import {
  type CheckItem,
  type CheckKey,
  type CheckResult,
  type DataState,
  DEFAULT_BASELINE,
  DEFAULT_DORMANT_DAYS,
  DISTRUST,
  type PasswordBaseline,
} from './checks/check.types';
import { CheckExceptionsRepository, type StoredException } from './check-exceptions.repository';
import { CheckFailuresRepository, newGeneration } from './check-failures.repository';
import {
  asOf,
  CHECK_FIELDS,
  checkDefinitions,
  type CheckSummary,
  type CheckView,
  StreamedCheck,
  summarize,
} from './checks/checks';
import { controlCatalog, type ControlDefinition, evidenceLabels } from './controls.catalog';
import {
  calculateCoverage,
  type ConnectionFreshness,
  type CoverageResult,
  freshnessProblem,
  type IncompleteCollection,
} from './coverage.calculator';
import { type CoverageStateDocument } from './coverage.schema';
import { CoverageStateRepository } from './coverage-state.repository';

export interface CheckSettings {
  readonly passwordBaseline: PasswordBaseline;
  readonly dormantDays: number;
}

/** A stored check as of now, with the generation its failing items are stored under (null: none stored). */
export interface CheckReport extends CheckView {
  readonly generation: string | null;
}

const MAX_EXCEPTION_MS = 366 * 86_400_000;
/** What each check's evidence describes, from the checks' own definitions. */
const CHECK_SUBJECT = Object.fromEntries(
  checkDefinitions({ passwordBaseline: DEFAULT_BASELINE, dormantDays: DEFAULT_DORMANT_DAYS }, new Date()).map(
    (d) => [d.base.key, d.subject],
  ),
) as Record<CheckKey, EvidenceSubject>;

function storedChecks(state: CoverageStateDocument | undefined): CheckSummary[] {
  return (state?.checks ?? []) as unknown as CheckSummary[];
}

/**
 * Coverage and checks for the organization in context. Check results and evidence counts are computed when
 * evidence changes (a sync finished, an exception or setting changed) and stored, so `coverage` reads one
 * document plus the connections; freshness is always evaluated at read time.
 */
@Injectable()
export class CoverageService {
  constructor(
    private readonly state: CoverageStateRepository,
    private readonly exceptions: CheckExceptionsRepository,
    private readonly failures: CheckFailuresRepository,
    private readonly connections: ConnectionsService,
    private readonly registry: ConnectorRegistry,
    private readonly evidence: EvidenceService,
    private readonly audit: AuditService,
    private readonly sync: SyncService,
  ) {}

  /** The controls, with the evidence types the registered connectors give each. */
  controls(): ControlDefinition[] {
    return controlCatalog(this.registry.all());
  }

  async coverage(now = new Date()): Promise<CoverageResult> {
    const { state, connections } = await this.stored(now);
    const checks = storedChecks(state).map((check) => asOf(check, now));
    return calculateCoverage(this.controls(), connections, checks, now, evidenceLabels(this.registry.all()));
  }

  /**
   * The stored check results (computed after each sync and each exception or setting change; never
   * recomputed from the evidence here), judged against the connections as they are now: a check whose
   * evidence comes from a connection that went stale since reads INCONCLUSIVE. Failing items are not read
   * here: `failingItems` pages through them.
   */
  async checks(now = new Date()): Promise<CheckReport[]> {
    const { state, connections } = await this.stored(now);
    const generation = state?.failingGeneration ?? null;
    return storedChecks(state).map((stored) => {
      const check = { ...asOf(stored, now), generation };
      if (check.status === 'INCONCLUSIVE') return check;
      const types = this.registry.typesOf(CHECK_SUBJECT[check.key]);
      const providers = connections.filter((c) => types.some((t) => (c.evidenceCounts[t] ?? 0) > 0));
      const untrusted = providers.some((c) => freshnessProblem(c, now) !== undefined);
      return untrusted ? { ...check, status: 'INCONCLUSIVE', reason: DISTRUST.stale } : check;
    });
  }

  /**
   * A check's failing items from position `offset`: first those whose exception expired since the check
   * was stored, then the stored ones. Those within the summary's preview cost no read; a page past it reads
   * one or two stored chunks, never the evidence.
   */
  async failingItems(check: CheckReport, offset: number, limit: number): Promise<CheckItem[]> {
    const reopened = check.reopened.slice(offset, offset + limit);
    const rest = limit - reopened.length;
    if (rest === 0) return [...reopened];
    const from = Math.max(0, offset - check.reopened.length);
    const preview = check.failingPreview ?? [];
    const stored = check.failingCount - check.reopened.length;
    if (from + rest <= preview.length || stored <= preview.length || check.generation === null)
      return [...reopened, ...preview.slice(from, from + rest)];
    return [...reopened, ...(await this.failures.slice(check.generation, check.key, from, rest))];
  }

  /**
   * The stored state, never recomputed here (exceptions that expired since are applied by `asOf`). Only
   * when nothing was ever computed, before the organization's first sync finished (so without evidence to
   * read), is it computed first.
   */
  private async stored(
    now: Date,
  ): Promise<{ state: CoverageStateDocument | undefined; connections: ConnectionFreshness[] }> {
    let state = await this.state.get();
    // A state from before failing items were stored apart (no generation) is computed once more, too.
    if (state === undefined || state.computedAt === null || !state.failingGeneration) {
      await this.refresh(now);
      state = await this.state.get();
    }
    const counts: Record<string, Record<string, number>> = {};
    for (const { connectionId, type, count } of state?.evidenceCounts ?? []) {
      counts[connectionId] = { ...(counts[connectionId] ?? {}), [type]: count };
    }
    return { state, connections: await this.freshness(counts) };
  }

  /**
   * Recomputes evidence counts and check results from one streamed read of the evidence (each item judged
   * as it is read; only failing items are kept); stores them.
   */
  async refresh(now = new Date()): Promise<CheckResult[]> {
    const live = await this.liveConnections();
    const checks = checkDefinitions(await this.settings(), now).map((d) => new StreamedCheck(d));
    const subjectOf = new Map(
      this.registry.all().flatMap((d) => d.evidence.map((e) => [e.type, e.subject] as const)),
    );
    const counts = await this.evidence.scan(CHECK_FIELDS, (type, key, item, replaces) => {
      const subject = subjectOf.get(type);
      if (subject === undefined) return;
      for (const check of checks) if (check.definition.subject === subject) check.item(key, item, replaces);
    });
    const evidenceCounts = live.flatMap((connection) =>
      this.registry.get(connection.connectorKey).evidenceTypes.map((type) => ({
        connectionId: connection.id,
        type,
        count: counts.get(connection.id)?.[type] ?? 0,
      })),
    );
    const exceptions = await this.exceptions.all();
    const judged = exceptions.map(({ id, check, sourceId, expiresAt }) => ({
      id,
      check,
      sourceId,
      expiresAt,
    }));
    const providers = (subject: EvidenceSubject): Set<string> => {
      const types = this.registry.typesOf(subject);
      return new Set(
        [...counts].filter(([, perType]) => types.some((t) => (perType[t] ?? 0) > 0)).map(([id]) => id),
      );
    };
    const results = checks.map((check) =>
      check.result(this.dataState(providers(check.definition.subject), live, now), judged, now),
    );
    const generation = newGeneration();
    for (const result of results) await this.failures.write(generation, result.key, result.failing);
    await this.state.save({
      checks: results.map(summarize) as unknown as Record<string, unknown>[],
      evidenceCounts,
      computedAt: now,
      failingGeneration: generation,
    });
    await this.failures.deleteOlderThan(generation);
    return results;
  }

  async settings(): Promise<CheckSettings> {
    const state = await this.state.get();
    const stored = Object.fromEntries(
      Object.entries(state?.passwordBaseline ?? {}).filter(([, v]) => v !== null && v !== undefined),
    );
    return {
      passwordBaseline: { ...DEFAULT_BASELINE, ...(stored as Partial<PasswordBaseline>) },
      dormantDays: state?.dormantDays ?? DEFAULT_DORMANT_DAYS,
    };
  }

  async updateSettings(
    settings: Partial<PasswordBaseline> & { dormantDays?: number },
  ): Promise<CheckSettings> {
    const { dormantDays, ...given } = settings;
    const baseline = Object.fromEntries(
      Object.entries(given).filter(([, v]) => v !== undefined && v !== null),
    );
    const current = await this.settings();
    await this.state.save({
      passwordBaseline: { ...current.passwordBaseline, ...baseline },
      dormantDays: dormantDays ?? current.dormantDays,
    });
    await this.audit.append({
      action: 'CHECK_SETTINGS_UPDATE',
      target: { type: 'organization', id: OrgContext.organizationId() },
      details: { ...baseline, ...(dormantDays === undefined || dormantDays === null ? {} : { dormantDays }) },
    });
    await this.refresh();
    return this.settings();
  }

  async createException(input: {
    check: CheckKey;
    sourceId: string;
    reason: string;
    expiresAt: Date;
  }): Promise<StoredException> {
    const now = Date.now();
    if (input.expiresAt.getTime() <= now)
      throw new DomainError('BAD_USER_INPUT', 'expiresAt must be in the future', { field: 'expiresAt' });
    if (input.expiresAt.getTime() > now + MAX_EXCEPTION_MS) {
      throw new DomainError('BAD_USER_INPUT', 'expiresAt must be within one year', { field: 'expiresAt' });
    }
    const exception = await this.exceptions.insert({
      ...input,
      approvedBy: OrgContext.actor().id,
      createdAt: new Date(),
    });
    await this.audit.append({
      action: 'EXCEPTION_CREATE',
      target: { type: 'check_exception', id: exception.id },
      details: {
        check: input.check,
        sourceId: input.sourceId,
        reason: input.reason,
        expiresAt: input.expiresAt,
      },
    });
    await this.refresh();
    return exception;
  }

  listExceptions(): Promise<StoredException[]> {
    return this.exceptions.all();
  }

  /** Audits exceptions that expired since the last call and recomputes checks if any did. */
  async expireExceptions(now = new Date()): Promise<number> {
    const expired = await this.exceptions.claimNewlyExpired(now);
    for (const exception of expired) {
      await this.audit.append({
        action: 'EXCEPTION_EXPIRE',
        target: { type: 'check_exception', id: exception.id },
        details: { check: exception.check, sourceId: exception.sourceId, expiresAt: exception.expiresAt },
      });
    }
    if (expired.length > 0) await this.refresh(now);
    return expired.length;
  }

  async liveConnections(): Promise<Connection[]> {
    const rows = await this.connections.page({ includeRevoked: false }, 1000);
    return rows.filter((c) => c.status === 'ACTIVE' || c.status === 'NEEDS_REAUTH');
  }

  private async freshness(counts: Record<string, Record<string, number>>): Promise<ConnectionFreshness[]> {
    return Promise.all(
      (await this.liveConnections()).map(async (c) => ({
        ...this.toFreshness(c, counts[c.id] ?? {}),
        incomplete: await this.incompleteCollections(c),
      })),
    );
  }

  /** Evidence types the connection's latest finished run did not collect completely (one small read). */
  private async incompleteCollections(connection: Connection): Promise<IncompleteCollection[]> {
    const latest = (await this.sync.page(connection.id, 5)).find((run) => run.status !== 'RUNNING');
    if (latest === undefined || latest.status === 'SUCCEEDED') return [];
    const complete = new Set(latest.stats.filter((s) => s.complete).map((s) => s.collector));
    return this.registry
      .get(connection.connectorKey)
      .evidenceTypes.filter((type) => !complete.has(type))
      .map((type) => ({ type, runId: latest.id, runStatus: latest.status }));
  }

  private toFreshness(connection: Connection, evidenceCounts: Record<string, number>): ConnectionFreshness {
    const definition = this.registry.get(connection.connectorKey);
    return {
      connectionId: connection.id,
      label: `${definition.name} ${connection.externalTenant}`,
      status: connection.status,
      lastSuccessfulSyncAt: connection.lastSuccessfulSyncAt,
      staleThresholdMs: definition.staleThresholdMs,
      evidenceCounts,
    };
  }

  /** Stale or partial data makes a check INCONCLUSIVE, never a false pass or fail. */
  private dataState(providers: ReadonlySet<string>, live: readonly Connection[], now: Date): DataState {
    const sources = live.filter((c) => providers.has(c.id));
    return {
      present: sources.length > 0,
      fresh:
        sources.length > 0 &&
        sources.every((c) => freshnessProblem(this.toFreshness(c, {}), now) === undefined),
      complete: sources.every(
        (c) => c.lastSyncAt === null || c.lastSuccessfulSyncAt?.getTime() === c.lastSyncAt.getTime(),
      ),
    };
  }
}
