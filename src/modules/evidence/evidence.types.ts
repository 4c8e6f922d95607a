import { canonicalJson, sha256Hex } from '#src/common/util/canonical-json';

/** What a collector yields: one item of one type, content only. */
export interface EvidenceItem {
  readonly type: string;
  readonly sourceId: string;
  readonly controls: readonly string[];
  readonly data: Readonly<Record<string, unknown>>;
}

export interface Evidence extends EvidenceItem {
  readonly id: string;
  readonly connectionId: string;
  readonly runId: string;
  readonly connectorKey: string;
  readonly fingerprint: string;
  readonly collectedAt: Date;
  readonly validUntil: Date | null;
  readonly locked: boolean;
  readonly assessmentIds: readonly string[];
}

/** SHA-256 of the canonical JSON of `{type, sourceId, data}`: equal content, equal fingerprint. */
export function fingerprint(
  item: Pick<EvidenceItem, 'type' | 'sourceId' | 'data'>,
  serialize = canonicalJson,
): string {
  return sha256Hex(serialize({ type: item.type, sourceId: item.sourceId, data: item.data }));
}

export interface WriteCounts {
  inserted: number;
  closed: number;
  unchanged: number;
}
