import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Schema as MongooseSchema, Types } from 'mongoose';
import { appendOnlyPlugin } from '#src/common/database/append-only.plugin';
import { tenantScopedPlugin } from '#src/common/tenancy/tenant.plugin';
import { CHECK_KEYS, type CheckKey } from './checks/check.types';

export const ALERT_KINDS = ['STALE_CONNECTOR', 'NEEDS_REAUTH', 'REAUTH_DUE', 'RISKY_CHANGE'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/**
 * One alert; `openKey` is `kind:connectionId` while open (unique), so a condition opens one alert, not one per
 * tick. A RISKY_CHANGE alert is about one change (`changeId`): its key `RISKY_CHANGE:changeId` stays after an
 * admin acknowledged it, so a change opens one alert ever.
 */
@Schema({ collection: 'alerts', versionKey: false })
export class AlertDocument {
  _id: Types.ObjectId;
  @Prop({ required: true, type: Types.ObjectId }) organizationId: Types.ObjectId;
  @Prop({ required: true, type: String, enum: ALERT_KINDS }) kind: AlertKind;
  @Prop({ required: true, type: Types.ObjectId }) connectionId: Types.ObjectId;
  @Prop({ required: true, type: String }) message: string;
  @Prop({ required: true, type: Date }) openedAt: Date;
  @Prop({ type: Date, default: null }) resolvedAt: Date | null;
  @Prop({ required: true, type: String }) openKey: string;
  @Prop({ type: Types.ObjectId, default: null }) changeId: Types.ObjectId | null;
  @Prop({ type: String, default: null }) acknowledgedBy: string | null;
}
export const AlertSchema = SchemaFactory.createForClass(AlertDocument);
AlertSchema.index({ organizationId: 1, openKey: 1 }, { unique: true });
AlertSchema.index({ organizationId: 1, _id: -1 });
AlertSchema.index({ organizationId: 1, kind: 1, resolvedAt: 1 });
AlertSchema.plugin(tenantScopedPlugin);

@Schema({ collection: 'check_exceptions', versionKey: false })
export class CheckExceptionDocument {
  _id: Types.ObjectId;
  @Prop({ required: true, type: Types.ObjectId }) organizationId: Types.ObjectId;
  @Prop({ required: true, type: String, enum: CHECK_KEYS }) check: CheckKey;
  @Prop({ required: true, type: String }) sourceId: string;
  @Prop({ required: true, type: String }) reason: string;
  @Prop({ required: true, type: Date }) expiresAt: Date;
  @Prop({ required: true, type: String }) approvedBy: string;
  @Prop({ required: true, type: Date }) createdAt: Date;
  @Prop({ type: Date, default: null }) expiryAuditedAt: Date | null;
}
export const CheckExceptionSchema = SchemaFactory.createForClass(CheckExceptionDocument);
CheckExceptionSchema.index({ organizationId: 1, check: 1, expiresAt: 1 });
CheckExceptionSchema.plugin(tenantScopedPlugin);
// Exceptions are history: what was excepted at an instant is read from `createdAt` and `expiresAt`.
CheckExceptionSchema.pre(['deleteOne', 'deleteMany', 'findOneAndDelete'], function () {
  throw new Error('Check exceptions are never deleted: they are the history of what was excepted when');
});

/**
 * One version of an organization's check settings, in force from `effectiveFrom` until the next version's.
 * Append-only: a change inserts a version, nothing updates or deletes one. `key` makes a version's insert
 * idempotent (an ObjectId's hex, or `legacy:…` for the history rebuilt from before versions existed).
 */
@Schema({ collection: 'check_settings_versions', versionKey: false })
export class CheckSettingsVersionDocument {
  @Prop({ required: true, type: Types.ObjectId }) organizationId: Types.ObjectId;
  @Prop({ required: true, type: String }) key: string;
  @Prop({ required: true, type: Date }) effectiveFrom: Date;
  @Prop({ type: MongooseSchema.Types.Mixed, default: null }) passwordBaseline: Record<string, unknown> | null;
  @Prop({ type: Number, default: null }) dormantDays: number | null;
  @Prop({ type: Number, default: null }) maxSuperAdmins: number | null;
  /** Who set it: a user id, or `system` for the rebuilt legacy history. */
  @Prop({ required: true, type: String }) setBy: string;
  @Prop({ required: true, type: Date }) recordedAt: Date;
}
export const CheckSettingsVersionSchema = SchemaFactory.createForClass(CheckSettingsVersionDocument);
CheckSettingsVersionSchema.index({ organizationId: 1, key: 1 }, { unique: true });
CheckSettingsVersionSchema.index({ organizationId: 1, effectiveFrom: -1 });
CheckSettingsVersionSchema.plugin(tenantScopedPlugin);
CheckSettingsVersionSchema.plugin(appendOnlyPlugin);

/**
 * Per organization: the last computed check results and evidence counts (for a fast `coverage`), and a copy
 * of the current check settings (kept for older builds; `check_settings_versions` holds them and their
 * history, and only an organization with no version yet is read from here).
 */
@Schema({ collection: 'coverage_state', versionKey: false })
export class CoverageStateDocument {
  @Prop({ required: true, type: Types.ObjectId }) organizationId: Types.ObjectId;
  @Prop({ type: MongooseSchema.Types.Mixed, default: null }) passwordBaseline: Record<string, unknown> | null;
  @Prop({ type: Number, default: null }) dormantDays: number | null;
  @Prop({ type: Number, default: null }) maxSuperAdmins: number | null;
  @Prop({ type: [MongooseSchema.Types.Mixed], default: [] }) checks: Record<string, unknown>[];
  /** Current rows per connection and type (a list: FerretDB refuses dotted keys, and evidence types are dotted). */
  @Prop({ type: [MongooseSchema.Types.Mixed], default: [] }) evidenceCounts: {
    connectionId: string;
    type: string;
    count: number;
  }[];
  @Prop({ type: Date, default: null }) computedAt: Date | null;
  /** The `check_failures` generation holding the failing items of `checks` (null before the first refresh). */
  @Prop({ type: String, default: null }) failingGeneration: string | null;
}
export const CoverageStateSchema = SchemaFactory.createForClass(CoverageStateDocument);
CoverageStateSchema.index({ organizationId: 1 }, { unique: true });
CoverageStateSchema.plugin(tenantScopedPlugin);

/**
 * The failing items of one check, in chunks, written by one refresh (`generation`, an ObjectId's hex, so
 * generations order by time). Kept apart from `coverage_state` so that reading coverage never reads them.
 */
@Schema({ collection: 'check_failures', versionKey: false })
export class CheckFailuresDocument {
  @Prop({ required: true, type: Types.ObjectId }) organizationId: Types.ObjectId;
  @Prop({ required: true, type: String }) generation: string;
  @Prop({ required: true, type: String, enum: CHECK_KEYS }) check: CheckKey;
  @Prop({ required: true, type: Number }) chunk: number;
  @Prop({ type: [MongooseSchema.Types.Mixed], default: [] }) items: Record<string, unknown>[];
}
export const CheckFailuresSchema = SchemaFactory.createForClass(CheckFailuresDocument);
CheckFailuresSchema.index({ organizationId: 1, generation: 1, check: 1, chunk: 1 }, { unique: true });
CheckFailuresSchema.plugin(tenantScopedPlugin);
