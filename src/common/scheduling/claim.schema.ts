import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';
import { tenantScopedPlugin } from '#src/common/tenancy/tenant.plugin';

/** One state transition that happened, per organization and key. The unique index makes claiming atomic. */
@Schema({ collection: 'claims', versionKey: false })
export class ClaimDocument {
  @Prop({ required: true, type: Types.ObjectId }) organizationId: Types.ObjectId;
  @Prop({ required: true, type: String }) key: string;
  @Prop({ required: true, type: Date }) at: Date;
}

export const ClaimSchema = SchemaFactory.createForClass(ClaimDocument);
ClaimSchema.index({ organizationId: 1, key: 1 }, { unique: true });
ClaimSchema.plugin(tenantScopedPlugin);
