import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectModel, Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { type Model, Types } from 'mongoose';
import { tenantScopedPlugin } from '#src/common/tenancy/tenant.plugin';
import { TenantRepository } from '#src/common/tenancy/tenant.repository';

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

/**
 * Exactly-once state transitions on every server we run on: `claim('attempt-used:<id>')` is true for
 * exactly one caller, ever. A conditional `updateOne` ("set usedAt where it is null") is not atomic on
 * FerretDB 1.x (docs/adr/0004); a unique-index insert is. Call `claim` before the transition it guards;
 * the guarded write itself may then be a plain update.
 */
@Injectable()
export class OnceClaims extends TenantRepository<ClaimDocument> implements OnModuleInit {
  constructor(@InjectModel(ClaimDocument.name) model: Model<ClaimDocument>) {
    super(model);
  }

  async onModuleInit(): Promise<void> {
    await this.model.init();
  }

  /** True for the one caller that claims `key` first in the organization in context; false for all others. */
  async claim(key: string): Promise<boolean> {
    try {
      await this.model.create(this.owned({ key, at: new Date() }));
      return true;
    } catch (error) {
      if ((error as { code?: unknown }).code === 11000) return false;
      throw error;
    }
  }
}
