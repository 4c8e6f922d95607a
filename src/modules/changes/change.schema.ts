import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Schema as MongooseSchema, Types } from 'mongoose';
import { tenantScopedPlugin } from '#src/common/tenancy/tenant.plugin';
import { CHANGE_KINDS, type ChangeKind } from '#src/modules/connectors/connector-driver.port';

/** A field's values before and after, as canonical JSON text (any JSON value, kept exactly). */
export interface StoredFieldChange {
  field: string;
  before: string;
  after: string;
}

/**
 * One change the feed reported: derived at a sync from an item's stored row and its new collection.
 * Never updated (the repository has no update); deleted only with its connection's history by retention.
 * `key` makes a change recorded twice (a retried batch) one change.
 */
@Schema({ collection: 'changes', versionKey: false })
export class ChangeDocument {
  _id: Types.ObjectId;
  @Prop({ required: true, type: Types.ObjectId }) organizationId: Types.ObjectId;
  @Prop({ required: true, type: Types.ObjectId }) connectionId: Types.ObjectId;
  @Prop({ required: true, type: String }) connectorKey: string;
  @Prop({ required: true, type: Types.ObjectId }) runId: Types.ObjectId;
  @Prop({ required: true, type: String, enum: CHANGE_KINDS }) kind: ChangeKind;
  @Prop({ required: true, type: Boolean }) risky: boolean;
  @Prop({ required: true, type: String }) evidenceType: string;
  @Prop({ required: true, type: String }) sourceId: string;
  @Prop({ required: true, type: String }) label: string;
  @Prop({ required: true, type: String }) summary: string;
  @Prop({ required: true, type: [MongooseSchema.Types.Mixed] }) fields: StoredFieldChange[];
  @Prop({ type: Types.ObjectId, default: null }) beforeEvidenceId: Types.ObjectId | null;
  @Prop({ type: Types.ObjectId, default: null }) afterEvidenceId: Types.ObjectId | null;
  @Prop({ required: true, type: Date }) detectedAt: Date;
  @Prop({ required: true, type: String }) key: string;
}
export const ChangeSchema = SchemaFactory.createForClass(ChangeDocument);
ChangeSchema.index({ organizationId: 1, key: 1 }, { unique: true });
ChangeSchema.index({ organizationId: 1, connectionId: 1, _id: -1 });
ChangeSchema.plugin(tenantScopedPlugin);
