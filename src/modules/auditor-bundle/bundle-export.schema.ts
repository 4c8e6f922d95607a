import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Schema as MongooseSchema, Types } from 'mongoose';
import { tenantScopedPlugin } from '#src/common/tenancy/tenant.plugin';

export const EXPORT_STATUSES = ['RUNNING', 'READY', 'FAILED', 'EXPIRED'] as const;
export type ExportStatus = (typeof EXPORT_STATUSES)[number];

/**
 * One export of an assessment's auditor bundle. `slot` is `running` while it runs (unique per organization:
 * one export at a time each) and `done:<id>` afterwards; the bundle's bytes are in `bundle_chunks`.
 */
@Schema({ collection: 'bundle_exports', versionKey: false })
export class BundleExportDocument {
  _id: Types.ObjectId;
  @Prop({ required: true, type: Types.ObjectId }) organizationId: Types.ObjectId;
  @Prop({ required: true, type: Types.ObjectId }) assessmentId: Types.ObjectId;
  @Prop({ required: true, type: String, enum: EXPORT_STATUSES }) status: ExportStatus;
  @Prop({ required: true, type: String }) slot: string;
  @Prop({ required: true, type: String }) requestedBy: string;
  @Prop({ required: true, type: Date }) createdAt: Date;
  @Prop({ required: true, type: Date }) heartbeatAt: Date;
  @Prop({ type: Date, default: null }) finishedAt: Date | null;
  @Prop({ type: Number, default: 0 }) rows: number;
  @Prop({ type: Number, default: 0 }) bytes: number;
  @Prop({ type: Number, default: 0 }) chunks: number;
  @Prop({ type: String, default: null }) sha256: string | null;
  @Prop({ type: String, default: null }) manifestSha256: string | null;
  @Prop({ type: Boolean, default: null }) draft: boolean | null;
  @Prop({ type: MongooseSchema.Types.Mixed, default: null }) populations: unknown[] | null;
  @Prop({ type: String, default: null }) error: string | null;
}
export const BundleExportSchema = SchemaFactory.createForClass(BundleExportDocument);
BundleExportSchema.index({ organizationId: 1, slot: 1 }, { unique: true });
BundleExportSchema.index({ organizationId: 1, assessmentId: 1, _id: -1 });
BundleExportSchema.plugin(tenantScopedPlugin);

/** One piece of an export's ZIP, `_id` = `<exportId>:<n>` so that each is read by its id. */
@Schema({ collection: 'bundle_chunks', versionKey: false })
export class BundleChunkDocument {
  @Prop({ required: true, type: String }) _id: string;
  @Prop({ required: true, type: Types.ObjectId }) organizationId: Types.ObjectId;
  @Prop({ required: true, type: Types.ObjectId }) exportId: Types.ObjectId;
  @Prop({ required: true, type: Number }) n: number;
  @Prop({ required: true, type: Buffer }) data: Buffer;
}
export const BundleChunkSchema = SchemaFactory.createForClass(BundleChunkDocument);
BundleChunkSchema.index({ organizationId: 1, exportId: 1 });
BundleChunkSchema.plugin(tenantScopedPlugin);
