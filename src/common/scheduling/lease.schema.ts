import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';
import { tenantScopedPlugin } from '#src/common/tenancy/tenant.plugin';

/** One held lease. The unique `{organizationId, key}` index is what makes acquiring atomic. */
@Schema({ collection: 'leases', versionKey: false })
export class LeaseDocument {
  @Prop({ required: true, type: Types.ObjectId }) organizationId: Types.ObjectId;
  @Prop({ required: true, type: String }) key: string;
  @Prop({ required: true, type: String }) owner: string;
  @Prop({ required: true, type: Date }) until: Date;
}

export const LeaseSchema = SchemaFactory.createForClass(LeaseDocument);
LeaseSchema.index({ organizationId: 1, key: 1 }, { unique: true });
LeaseSchema.plugin(tenantScopedPlugin);
