import { Injectable } from '@nestjs/common';
import { ConnectorRegistry } from '#src/modules/connectors/connector.registry';
import { type EvidenceSubject } from '#src/modules/connectors/connector-definition';
import { EvidenceService } from '#src/modules/evidence/evidence.service';
import { type CheckException, type CheckResult, type DataState } from '../checks/check.types';
import { CHECK_FIELDS, checkDefinitions, StreamedCheck } from '../checks/checks';
import { type CheckSettings } from '../settings-history';

/** A live connection as the checks weigh its data: whether it could vouch for it at the instant judged. */
export interface CheckSource {
  readonly connectionId: string;
  /** Synced successfully within its stale threshold, and not awaiting re-authorization. */
  readonly fresh: boolean;
  /** Its latest finished sync collected everything. */
  readonly complete: boolean;
  readonly connectorKey: string;
  /** The scopes its authorization had granted (at the instant judged). */
  readonly grantedScopes: readonly string[];
}

export interface ChecksInput {
  readonly settings: CheckSettings;
  /** Exceptions created by `now` (those expired by then are ignored). */
  readonly exceptions: readonly CheckException[];
  /** The connections live at `now`. */
  readonly sources: readonly CheckSource[];
  readonly now: Date;
  /** Judge the evidence valid at this instant rather than the current evidence. */
  readonly asOf?: Date;
}

export interface ChecksOutcome {
  readonly results: CheckResult[];
  /** Items per connection and evidence type in the evidence judged. */
  readonly counts: Map<string, Record<string, number>>;
}

/**
 * Every check over one streamed read of the evidence (the current rows, or those valid at an instant):
 * each item is judged as it is read and only failing items are kept, so memory follows the failing items,
 * not the organization. Shared by the stored refresh and the point-in-time reads.
 */
@Injectable()
export class EvaluateChecks {
  constructor(
    private readonly registry: ConnectorRegistry,
    private readonly evidence: EvidenceService,
  ) {}

  async run(input: ChecksInput): Promise<ChecksOutcome> {
    const checks = checkDefinitions(input.settings, input.now).map((d) => new StreamedCheck(d));
    const subjectOf = new Map(
      this.registry.all().flatMap((d) => d.evidence.map((e) => [e.type, e.subject] as const)),
    );
    const counts = await this.evidence.scan(
      CHECK_FIELDS,
      (type, key, item, replaces) => {
        const subject = subjectOf.get(type);
        if (subject === undefined) return;
        for (const check of checks)
          if (check.definition.subjects.includes(subject)) check.item(key, item, replaces, subject);
      },
      input.asOf,
    );
    const exceptions = input.exceptions.map(({ id, check, sourceId, expiresAt }) => ({
      id,
      check,
      sourceId,
      expiresAt,
    }));
    const providers = (subjects: readonly EvidenceSubject[]): Set<string> => {
      const types = subjects.flatMap((subject) => this.registry.typesOf(subject));
      return new Set(
        [...counts].filter(([, perType]) => types.some((t) => (perType[t] ?? 0) > 0)).map(([id]) => id),
      );
    };
    const results = checks.map((check) =>
      check.result(
        dataState(
          providers(check.definition.subjects),
          input.sources,
          this.notGranted(check.definition.subjects, input.sources),
        ),
        exceptions,
        input.now,
      ),
    );
    return { results, counts };
  }

  /** Optional scopes the subjects' evidence types need that a live connection of their connector did not grant. */
  private notGranted(subjects: readonly EvidenceSubject[], sources: readonly CheckSource[]): string[] {
    const missing = new Set<string>();
    for (const source of sources) {
      const definition = this.registry.find(source.connectorKey);
      for (const e of definition?.evidence ?? [])
        if (
          e.subject !== undefined &&
          subjects.includes(e.subject) &&
          e.optionalScope !== undefined &&
          !source.grantedScopes.includes(e.optionalScope)
        )
          missing.add(e.optionalScope);
    }
    return [...missing].sort();
  }
}

/** Stale or partial data makes a check INCONCLUSIVE, never a false pass or fail. */
export function dataState(
  providers: ReadonlySet<string>,
  live: readonly Pick<CheckSource, 'connectionId' | 'fresh' | 'complete'>[],
  notGranted: readonly string[] = [],
): DataState {
  const sources = live.filter((c) => providers.has(c.connectionId));
  return {
    present: sources.length > 0,
    fresh: sources.length > 0 && sources.every((c) => c.fresh),
    complete: sources.every((c) => c.complete),
    ...(notGranted.length > 0 ? { notGranted } : {}),
  };
}
