import { Injectable } from '@nestjs/common';
import { DomainError } from '#src/common/errors/domain.error';
import { OrgContext } from '#src/common/tenancy/org-context';
import { AuditService } from '#src/modules/audit/audit.service';
import { type Connection } from '#src/modules/connections/connection.types';
import { ConnectionsService } from '#src/modules/connections/connections.service';
import { ConnectorRegistry } from '#src/modules/connectors/connector.registry';
import { type EvidenceSubject } from '#src/modules/connectors/connector-definition';
import { SyncService } from '#src/modules/connectors/sync/sync.service';
import { type CheckItem, type CheckKey, type CheckResult, DISTRUST } from './checks/check.types';
import { CheckExceptionsRepository, type StoredException } from './check-exceptions.repository';
import { CheckFailuresRepository, newGeneration } from './check-failures.repository';
import { CheckSettingsService, type SettingsChange } from './check-settings.service';
import { asOf, checkDefinitions, type CheckSummary, type CheckView, summarize } from './checks/checks';
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
import { type CheckSettings, DEFAULT_SETTINGS } from './settings-history';
import { EvaluateChecks } from './use-cases/evaluate-checks.use-case';
import { incompleteCollections, PictureAtInstant } from './use-cases/picture-at.use-case';

export { type CheckSettings } from './settings-history';

/**
 * A check as reported: a stored one as of now, with the generation its failing items are stored under
 * (null: none stored), or one computed at an instant (generation null), which carries all its failing
 * items (`allFailing`: computed, never stored).
 */
export interface CheckReport extends CheckView {
  readonly generation: string | null;
  readonly allFailing?: readonly CheckItem[];
}

/** Coverage and checks as they were at one instant, computed together (one read of the evidence). */
export interface SnapshotAt {
  readonly asOf: Date;
  readonly coverage: CoverageResult;
  readonly checks: CheckReport[];
}

const MAX_EXCEPTION_MS = 366 * 86_400_000;
/** What each check's evidence describes, from the checks' own definitions. */
const CHECK_SUBJECTS = Object.fromEntries(
  checkDefinitions(DEFAULT_SETTINGS, new Date()).map((d) => [d.base.key, d.subjects]),
) as Record<CheckKey, readonly EvidenceSubject[]>;

function storedChecks(state: CoverageStateDocument | undefined): CheckSummary[] {
  return (state?.checks ?? []) as unknown as CheckSummary[];
}

/**
 * Coverage and checks for the organization in context. Check results and evidence counts are computed when
 * evidence changes (a sync finished, an exception or setting changed) and stored, so `coverage` reads one
 * document plus the connections; freshness is always evaluated at read time. At a past instant
 * (`coverageAt`, `checksAt`) nothing stored is used: both are computed from history (see `PictureAtInstant`).
 */
@Injectable()
export class CoverageService {
  constructor(
    private readonly state: CoverageStateRepository,
    private readonly exceptions: CheckExceptionsRepository,
    private readonly failures: CheckFailuresRepository,
    private readonly connections: ConnectionsService,
    private readonly registry: ConnectorRegistry,
    private readonly audit: AuditService,
    private readonly sync: SyncService,
    private readonly checkSettings: CheckSettingsService,
    private readonly evaluate: EvaluateChecks,
    private readonly pictureAt: PictureAtInstant,
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
      const types = CHECK_SUBJECTS[check.key].flatMap((subject) => this.registry.typesOf(subject));
      const providers = connections.filter((c) => types.some((t) => (c.evidenceCounts[t] ?? 0) > 0));
      const untrusted = providers.some((c) => freshnessProblem(c, now) !== undefined);
      return untrusted ? { ...check, status: 'INCONCLUSIVE', reason: DISTRUST.stale } : check;
    });
  }

  /**
   * Coverage as it was at `asOf`, rebuilt from history: the evidence valid then, the settings and
   * exceptions in force then, and each connection's status and freshness then. BAD_USER_INPUT when `asOf`
   * is in the future (beyond a minute of clock skew) or before the organization was created.
   */
  async coverageAt(asOf: Date, now = new Date()): Promise<CoverageResult> {
    return (await this.snapshotAt(asOf, now)).coverage;
  }

  /** The checks as they were at `asOf` (see `coverageAt`), each with all its failing items then. */
  async checksAt(asOf: Date, now = new Date()): Promise<CheckReport[]> {
    return (await this.snapshotAt(asOf, now)).checks;
  }

  /** Coverage and checks at `asOf` from one read of the evidence (what a bundle writes). */
  async snapshotAt(asOf: Date, now = new Date()): Promise<SnapshotAt> {
    const picture = await this.pictureAt.at(asOf, now);
    const checks = picture.checks.map((result): CheckReport => ({
      ...summarize(result),
      reopened: [],
      generation: null,
      allFailing: result.failing,
    }));
    const coverage = calculateCoverage(
      this.controls(),
      picture.connections,
      picture.checks,
      asOf,
      evidenceLabels(this.registry.all()),
    );
    return { asOf, coverage, checks };
  }

  /**
   * A check's failing items from position `offset`: first those whose exception expired since the check
   * was stored, then the stored ones. Those within the summary's preview cost no read; a page past it reads
   * one or two stored chunks, never the evidence. A check computed at an instant carries all its items.
   */
  async failingItems(check: CheckReport, offset: number, limit: number): Promise<CheckItem[]> {
    if (check.allFailing !== undefined) return check.allFailing.slice(offset, offset + limit);
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
    const { results, counts } = await this.evaluate.run({
      settings: await this.checkSettings.current(),
      exceptions: await this.exceptions.all(),
      sources: live.map((c) => ({
        connectionId: c.id,
        fresh: freshnessProblem(this.toFreshness(c, {}), now) === undefined,
        complete: c.lastSyncAt === null || c.lastSuccessfulSyncAt?.getTime() === c.lastSyncAt.getTime(),
        connectorKey: c.connectorKey,
        grantedScopes: c.grantedScopes,
      })),
      now,
    });
    const evidenceCounts = live.flatMap((connection) =>
      this.registry.get(connection.connectorKey).evidenceTypes.map((type) => ({
        connectionId: connection.id,
        type,
        count: counts.get(connection.id)?.[type] ?? 0,
      })),
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

  /** The check settings in force now (the newest version; see `CheckSettingsService`). */
  settings(): Promise<CheckSettings> {
    return this.checkSettings.current();
  }

  /** Appends a settings version in force from now, audits it, and recomputes the checks under it. */
  async updateSettings(change: SettingsChange): Promise<CheckSettings> {
    const { settings, effectiveFrom } = await this.checkSettings.update(change);
    await this.refresh(effectiveFrom);
    return settings;
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
    return incompleteCollections(latest ?? null, this.registry.get(connection.connectorKey).evidenceTypes);
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
}
