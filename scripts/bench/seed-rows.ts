import { type Types } from 'mongoose';
import { type EvidenceItem, fingerprint } from '#src/modules/evidence/evidence.types';

/** Who a seeded row belongs to, and which run "wrote" it. */
export interface RowOwner {
  readonly organizationId: Types.ObjectId;
  readonly connectionId: Types.ObjectId;
  readonly runId: Types.ObjectId;
}

/** An evidence document as a sync stores a current row of `item` (fingerprint, slot, lifecycle fields). */
export function storedRow(owner: RowOwner, item: EvidenceItem, collectedAt: Date): Record<string, unknown> {
  const print = fingerprint(item);
  return {
    ...owner,
    connectorKey: 'okta',
    type: item.type,
    sourceId: item.sourceId,
    controls: [...item.controls],
    data: item.data,
    fingerprint: print,
    collectedAt,
    validUntil: null,
    slot: print,
    assessmentIds: [],
    locked: false,
  };
}
