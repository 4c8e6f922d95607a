import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Schema as MongooseSchema, Types } from 'mongoose';
import { appendOnlyPlugin } from '#src/common/database/append-only.plugin';
import { tenantScopedPlugin } from '#src/common/tenancy/tenant.plugin';

export const AUDIT_ACTIONS = [
  'ORGANIZATION_CREATE',
  'ORGANIZATION_UPDATE',
  'CONNECT',
  'SYNC',
  'SYNC_FAILURE',
  'REAUTH',
  'REVOKE',
  'ASSESSMENT_APPROVE',
  'ASSESSMENT_EXPORT',
  'EXCEPTION_CREATE',
  'EXCEPTION_EXPIRE',
  'CHECK_SETTINGS_UPDATE',
  'ALERT_ACKNOWLEDGE',
  'RETENTION_PURGE',
  'OAUTH_CALLBACK_REFUSED',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

@Schema({ _id: false })
export class AuditActorDocument {
  @Prop({ required: true, type: String, enum: ['user', 'system'] }) type: 'user' | 'system';
  @Prop({ required: true, type: String }) id: string;
}

@Schema({ _id: false })
export class AuditTargetDocument {
  @Prop({ required: true, type: String }) type: string;
  @Prop({ required: true, type: String }) id: string;
}

/** One link of an organization's hash chain. Append-only: the schema rejects updates and deletes. */
@Schema({ collection: 'audit_log', versionKey: false })
export class AuditLogDocument {
  _id: Types.ObjectId;

  @Prop({ required: true, type: Types.ObjectId }) organizationId: Types.ObjectId;
  @Prop({ required: true, type: Number, min: 1 }) seq: number;
  @Prop({ required: true, type: Date }) at: Date;
  @Prop({ required: true, type: AuditActorDocument }) actor: AuditActorDocument;
  @Prop({ required: true, type: String, enum: AUDIT_ACTIONS }) action: AuditAction;
  @Prop({ required: true, type: AuditTargetDocument }) target: AuditTargetDocument;
  @Prop({ type: MongooseSchema.Types.Mixed, default: {} }) details: Record<string, unknown>;
  @Prop({ required: true, type: String }) prevHash: string;
  @Prop({ required: true, type: String }) hash: string;
}

export const AuditLogSchema = SchemaFactory.createForClass(AuditLogDocument);
AuditLogSchema.index({ organizationId: 1, seq: 1 }, { unique: true });
AuditLogSchema.index({ organizationId: 1, action: 1, seq: -1 });
AuditLogSchema.index({ organizationId: 1, 'target.type': 1, 'target.id': 1, seq: -1 });
AuditLogSchema.plugin(tenantScopedPlugin);
AuditLogSchema.plugin(appendOnlyPlugin);
