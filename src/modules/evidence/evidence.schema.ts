import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { type AnyBulkWriteOperation, type Query, Schema as MongooseSchema, Types } from 'mongoose';
import { tenantScopedPlugin } from '#src/common/tenancy/tenant.plugin';

/**
 * One observation of one item (a user's MFA state, a password policy, a log event). Content
 * (`type`, `sourceId`, `data`, `fingerprint`, `controls`, `collectedAt`, ids) never changes; only the
 * lifecycle fields below may be updated, and a locked row (attached to an approved assessment) can't be
 * deleted. `slot` equals `fingerprint` while the row is current, so the same content can't be current
 * twice for a connection (unique index), yet may come back after it changed in between.
 */
@Schema({ collection: 'evidence', versionKey: false })
export class EvidenceDocument {
  _id: Types.ObjectId;
  @Prop({ required: true, type: Types.ObjectId }) organizationId: Types.ObjectId;
  @Prop({ required: true, type: Types.ObjectId }) connectionId: Types.ObjectId;
  @Prop({ required: true, type: Types.ObjectId }) runId: Types.ObjectId;
  @Prop({ required: true, type: String }) connectorKey: string;
  @Prop({ required: true, type: String }) type: string;
  @Prop({ required: true, type: String }) sourceId: string;
  @Prop({ required: true, type: [String] }) controls: string[];
  @Prop({ required: true, type: MongooseSchema.Types.Mixed }) data: Record<string, unknown>;
  @Prop({ required: true, type: String }) fingerprint: string;
  @Prop({ required: true, type: Date }) collectedAt: Date;
  // lifecycle fields (the only ones an update may touch)
  @Prop({ type: Date, default: null }) validUntil: Date | null;
  @Prop({ required: true, type: String }) slot: string;
  @Prop({ type: [Types.ObjectId], default: [] }) assessmentIds: Types.ObjectId[];
  @Prop({ type: Boolean, default: false }) locked: boolean;
}

export const EVIDENCE_LIFECYCLE_FIELDS = new Set(['validUntil', 'slot', 'assessmentIds', 'locked']);

export class EvidenceImmutableError extends Error {
  constructor(what: string) {
    super(`Evidence content is immutable: ${what}`);
    this.name = 'EvidenceImmutableError';
  }
}

function assertLifecycleOnly(update: unknown): void {
  if (update === null || typeof update !== 'object') return;
  for (const [key, value] of Object.entries(update as Record<string, unknown>)) {
    if (!key.startsWith('$')) throw new EvidenceImmutableError(`replacing the document (${key})`);
    if (value === null || typeof value !== 'object') continue;
    for (const path of Object.keys(value)) {
      const root = path.split('.')[0] ?? path;
      if (!EVIDENCE_LIFECYCLE_FIELDS.has(root))
        throw new EvidenceImmutableError(`"${path}" cannot be changed`);
    }
  }
}

/** Rejects updates of content fields and deletes that could remove a locked row. */
export function evidenceImmutabilityPlugin(schema: MongooseSchema): void {
  schema.pre(
    ['updateOne', 'updateMany', 'findOneAndUpdate'],
    { document: false, query: true },
    function (this: Query<unknown, unknown>) {
      assertLifecycleOnly(this.getUpdate());
    },
  );
  schema.pre(['replaceOne', 'findOneAndReplace'], { document: false, query: true }, function () {
    throw new EvidenceImmutableError('replacing a row');
  });
  schema.pre(
    ['deleteOne', 'deleteMany', 'findOneAndDelete'],
    { document: false, query: true },
    function (this: Query<unknown, unknown>) {
      if ((this.getFilter() as { locked?: unknown }).locked !== false) {
        throw new EvidenceImmutableError('deletes must be restricted to unlocked rows ({ locked: false })');
      }
    },
  );
  schema.pre('deleteOne', { document: true, query: false }, function () {
    throw new EvidenceImmutableError('deleting a row through its document');
  });
  schema.pre('save', function () {
    if (!this.isNew) throw new EvidenceImmutableError('saving a changed row');
  });
  schema.pre('bulkWrite', function (ops: AnyBulkWriteOperation[]) {
    for (const op of ops as unknown as Record<string, { update?: unknown; filter?: unknown }>[]) {
      const [kind, body] = Object.entries(op)[0] ?? [];
      if (kind === 'updateOne' || kind === 'updateMany') assertLifecycleOnly(body?.update);
      else if (kind === 'replaceOne') throw new EvidenceImmutableError('replacing a row');
      else if (
        (kind === 'deleteOne' || kind === 'deleteMany') &&
        (body?.filter as { locked?: unknown } | undefined)?.locked !== false
      ) {
        throw new EvidenceImmutableError('deletes must be restricted to unlocked rows ({ locked: false })');
      }
    }
  });
}

export const EvidenceSchema = SchemaFactory.createForClass(EvidenceDocument);
EvidenceSchema.index({ organizationId: 1, connectionId: 1, slot: 1 }, { unique: true });
EvidenceSchema.index({ organizationId: 1, connectionId: 1, type: 1, sourceId: 1, validUntil: 1 });
EvidenceSchema.index({ organizationId: 1, type: 1, validUntil: 1, _id: -1 });
EvidenceSchema.plugin(tenantScopedPlugin);
EvidenceSchema.plugin(evidenceImmutabilityPlugin);

export const ASSESSMENT_STATUSES = ['DRAFT', 'APPROVED'] as const;
export type AssessmentStatus = (typeof ASSESSMENT_STATUSES)[number];

@Schema({ collection: 'assessments', timestamps: true, versionKey: false })
export class AssessmentDocument {
  _id: Types.ObjectId;
  @Prop({ required: true, type: Types.ObjectId }) organizationId: Types.ObjectId;
  @Prop({ required: true, type: String, default: 'SOC2' }) framework: string;
  @Prop({ required: true, type: String }) name: string;
  @Prop({ required: true, type: Date }) periodStart: Date;
  @Prop({ required: true, type: Date }) periodEnd: Date;
  @Prop({ required: true, type: String, enum: ASSESSMENT_STATUSES, default: 'DRAFT' })
  status: AssessmentStatus;
  @Prop({ type: [Types.ObjectId], default: [] }) evidenceIds: Types.ObjectId[];
  @Prop({ type: String, default: null }) approvedBy: string | null;
  @Prop({ type: Date, default: null }) approvedAt: Date | null;
  @Prop({ required: true, type: String }) createdBy: string;
  createdAt: Date;
}

export const AssessmentSchema = SchemaFactory.createForClass(AssessmentDocument);
AssessmentSchema.index({ organizationId: 1, _id: -1 });
AssessmentSchema.plugin(tenantScopedPlugin);
/** An approved assessment is frozen: no update may match it. */
AssessmentSchema.pre(
  ['updateOne', 'updateMany', 'findOneAndUpdate'],
  { document: false, query: true },
  function (this: Query<unknown, unknown>) {
    if ((this.getFilter() as { status?: unknown }).status !== 'DRAFT') {
      throw new Error('Assessment updates must be restricted to DRAFT assessments ({ status: "DRAFT" })');
    }
  },
);
