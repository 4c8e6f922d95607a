import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { type HydratedDocument, Types } from 'mongoose';

/** The tenant itself: the only collection read without an organization filter (by the system repository). */
@Schema({ collection: 'organizations', timestamps: { createdAt: true, updatedAt: false }, versionKey: false })
export class OrganizationDocument {
  _id: Types.ObjectId;

  @Prop({ required: true, type: String, trim: true, maxlength: 200 })
  name: string;

  /** The organization's data key wrapped by the key provider; the plaintext is never stored. */
  @Prop({ required: true, type: Buffer })
  dataKeyCiphertext: Buffer;

  @Prop({ required: true, type: String, enum: ['aws', 'local'] })
  keyProvider: 'aws' | 'local';

  createdAt: Date;
}

export type OrganizationHydrated = HydratedDocument<OrganizationDocument>;
export const OrganizationSchema = SchemaFactory.createForClass(OrganizationDocument);
