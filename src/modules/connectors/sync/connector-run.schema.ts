import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Schema as MongooseSchema, Types } from 'mongoose';
import { tenantScopedPlugin } from '#src/common/tenancy/tenant.plugin';

/** `ABANDONED`: the instance running it stopped (its lease expired) before it finished. */
export const RUN_STATUSES = ['RUNNING', 'SUCCEEDED', 'PARTIAL', 'FAILED', 'ABANDONED'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const RUN_TRIGGERS = ['schedule', 'manual', 'connect'] as const;
export type RunTrigger = (typeof RUN_TRIGGERS)[number];

export interface CollectorStats {
  collector: string;
  endpoint: string;
  filter: string;
  pages: number;
  items: number;
  apiCalls: number;
  rateLimitWaits: number;
  rateLimitWaitMs: number;
  retries: number;
  inserted: number;
  closed: number;
  unchanged: number;
  /** Changes the run reported to the change feed (absent on runs recorded before the feed). */
  changes: number;
  durationMs: number;
  complete: boolean;
  error: string | null;
}

/** One sync of one connection: live counts while RUNNING, the outcome afterwards. */
@Schema({ collection: 'connector_runs', versionKey: false })
export class ConnectorRunDocument {
  _id: Types.ObjectId;
  @Prop({ required: true, type: Types.ObjectId }) organizationId: Types.ObjectId;
  @Prop({ required: true, type: Types.ObjectId }) connectionId: Types.ObjectId;
  @Prop({ required: true, type: String, enum: RUN_TRIGGERS }) trigger: RunTrigger;
  @Prop({ required: true, type: String, enum: RUN_STATUSES }) status: RunStatus;
  @Prop({ required: true, type: String }) owner: string;
  @Prop({ required: true, type: Date }) startedAt: Date;
  @Prop({ type: Date, default: null }) heartbeatAt: Date | null;
  @Prop({ type: Date, default: null }) finishedAt: Date | null;
  @Prop({ type: [MongooseSchema.Types.Mixed], default: [] }) stats: CollectorStats[];
  @Prop({ type: [String], default: [] }) grantedScopes: string[];
  @Prop({ type: MongooseSchema.Types.Mixed, default: null }) error: { code: string; message: string } | null;
}

export const ConnectorRunSchema = SchemaFactory.createForClass(ConnectorRunDocument);
ConnectorRunSchema.index({ organizationId: 1, connectionId: 1, _id: -1 });
ConnectorRunSchema.index({ organizationId: 1, connectionId: 1, status: 1 });
ConnectorRunSchema.index({ organizationId: 1, status: 1, heartbeatAt: 1 });
ConnectorRunSchema.plugin(tenantScopedPlugin);
