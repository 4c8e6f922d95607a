import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';
import { tenantScopedPlugin } from '#src/common/tenancy/tenant.plugin';

/**
 * An organization's Ed25519 signing key: the public half in the clear (auditors pin its fingerprint), the
 * private half sealed under the organization's KMS data key like every other secret. One per organization.
 */
@Schema({ collection: 'signing_keys', versionKey: false })
export class SigningKeyDocument {
  _id: Types.ObjectId;
  @Prop({ required: true, type: Types.ObjectId }) organizationId: Types.ObjectId;
  @Prop({ required: true, type: String }) algorithm: 'Ed25519';
  /** The raw 32-byte public key, base64url (the JWK `x`). */
  @Prop({ required: true, type: String }) publicKey: string;
  /** SHA-256 of the raw public key, hex. */
  @Prop({ required: true, type: String }) fingerprint: string;
  @Prop({ required: true, type: String }) sealedPrivateKey: string;
  @Prop({ required: true, type: Date }) createdAt: Date;
}
export const SigningKeySchema = SchemaFactory.createForClass(SigningKeyDocument);
SigningKeySchema.index({ organizationId: 1 }, { unique: true });
SigningKeySchema.plugin(tenantScopedPlugin);

/**
 * A signed statement that the organization's audit chain had reached `seq` with head `hash` at `at`, kept
 * outside the entries collection: entries deleted after it show as a truncated chain. Insert-only.
 */
@Schema({ collection: 'audit_checkpoints', versionKey: false })
export class AuditCheckpointDocument {
  _id: Types.ObjectId;
  @Prop({ required: true, type: Types.ObjectId }) organizationId: Types.ObjectId;
  @Prop({ required: true, type: Number }) seq: number;
  @Prop({ required: true, type: String }) hash: string;
  @Prop({ required: true, type: Date }) at: Date;
  /** Ed25519 over `checkpointPayload(...)`, base64url. */
  @Prop({ required: true, type: String }) signature: string;
  @Prop({ required: true, type: String }) keyFingerprint: string;
}
export const AuditCheckpointSchema = SchemaFactory.createForClass(AuditCheckpointDocument);
AuditCheckpointSchema.index({ organizationId: 1, seq: -1 }, { unique: true });
AuditCheckpointSchema.plugin(tenantScopedPlugin);
