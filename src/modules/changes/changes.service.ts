import { Injectable } from '@nestjs/common';
import { TenantEvents } from '#src/common/graphql/tenant-events';
import { canonicalJson, sha256Hex } from '#src/common/util/canonical-json';
import { type ChangeDetector, type DetectedChange } from '#src/modules/connectors/connector-driver.port';
import { EvidenceService, type ItemDiff } from '#src/modules/evidence/evidence.service';
import { type Change, ChangesRepository, type NewChange } from './changes.repository';

export { type Change } from './changes.repository';

/** The channel every recorded change is published on, to its organization only. */
export const CHANGES_CHANNEL = 'changes.detected';

/** Where a run's changes come from. */
export interface ChangeSource {
  readonly connectionId: string;
  readonly connectorKey: string;
  readonly runId: string;
  readonly detectedAt: Date;
}

/**
 * The change feed: at each sync, a connector's detectors compare the items a write changed with their
 * stored rows; what they find is recorded (once: a change's `key` names its item, kind and both rows) and
 * published to the organization. Risky changes become alerts (the coverage module opens them after the run).
 */
@Injectable()
export class ChangesService {
  constructor(
    private readonly changes: ChangesRepository,
    private readonly evidence: EvidenceService,
    private readonly events: TenantEvents,
  ) {}

  /** Runs the detector over one batch's diffs, records and publishes what it finds; returns how many. */
  async detect(source: ChangeSource, detector: ChangeDetector, diffs: readonly ItemDiff[]): Promise<number> {
    const found: NewChange[] = [];
    for (const diff of diffs) {
      const detected = await detector.detect({
        before: diff.before,
        after: diff.after,
        storedData: async () =>
          diff.beforeId === undefined ? undefined : (await this.evidence.byId(diff.beforeId))?.data,
      });
      for (const change of detected) found.push(this.toNew(source, detector.evidenceType, diff, change));
    }
    const recorded = await this.changes.insertNew(found);
    for (const change of recorded) await this.events.publish(CHANGES_CHANNEL, change);
    return recorded.length;
  }

  page(
    filter: { connectionId?: string; since?: Date; risky?: boolean },
    limit: number,
    beforeId?: string,
  ): Promise<Change[]> {
    return this.changes.page(filter, limit, beforeId);
  }

  deleteForConnection(connectionId: string): Promise<number> {
    return this.changes.deleteForConnection(connectionId);
  }

  private toNew(
    source: ChangeSource,
    evidenceType: string,
    diff: ItemDiff,
    change: DetectedChange,
  ): NewChange {
    const fields = change.fields.map((f) => ({
      field: f.field,
      before: canonicalJson(f.before ?? null),
      after: canonicalJson(f.after ?? null),
    }));
    return {
      connectionId: source.connectionId,
      connectorKey: source.connectorKey,
      runId: source.runId,
      kind: change.kind,
      risky: change.risky,
      evidenceType,
      sourceId: diff.sourceId,
      label: change.label,
      summary: change.summary,
      fields,
      beforeEvidenceId: diff.beforeId ?? null,
      afterEvidenceId: diff.afterId ?? null,
      detectedAt: source.detectedAt,
      // The same change seen twice (two instances running one sync) is one change: same item, kind, previous
      // row and new content.
      key: sha256Hex(
        canonicalJson([
          source.connectionId,
          evidenceType,
          diff.sourceId,
          change.kind,
          diff.beforeId ?? null,
          diff.afterFingerprint ?? null,
        ]),
      ),
    };
  }
}
