import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Schema as MongooseSchema, Types } from 'mongoose';
import { tenantScopedPlugin } from '#src/common/tenancy/tenant.plugin';
import { CLIENT_AUTH_METHODS, type ClientAuthMethod } from '#src/modules/connectors/connector-driver.port';

export { CLIENT_AUTH_METHODS, type ClientAuthMethod };

/**
 * How a connection authorizes: an admin's OAuth grant (authorization code with PKCE, a refresh token, re-authorized
 * when the vendor's grant lifetime ends), or a service app (client credentials with `private_key_jwt`, and DPoP
 * when the vendor requires it; no refresh token, nothing expires).
 */
export const CONNECTION_AUTH_MODES = ['OAUTH_PKCE', 'SERVICE_APP'] as const;
export type ConnectionAuthMode = (typeof CONNECTION_AUTH_MODES)[number];

/** The public half of a service app's client key, as the admin registers it at the vendor (not a secret). */
export interface ServiceAppPublicKey {
  readonly kid: string;
  /** RFC 7638 SHA-256 thumbprint, base64url (equal to `kid`). */
  readonly thumbprint: string;
  readonly alg: string;
  /** The public JWK, JSON text. */
  readonly publicJwk: string;
  readonly createdAt: Date;
}

export const CONNECTION_STATUSES = ['PENDING_AUTHORIZATION', 'ACTIVE', 'NEEDS_REAUTH', 'REVOKED'] as const;
export type ConnectionStatus = (typeof CONNECTION_STATUSES)[number];

/**
 * A customer's connection to their account at one connector's vendor. Holds no secret: credentials live, sealed, in
 * `connection_credentials`, so no query on this collection can ever return them.
 */
@Schema({ collection: 'connections', timestamps: true, versionKey: false })
export class ConnectionDocument {
  _id: Types.ObjectId;
  @Prop({ required: true, type: Types.ObjectId }) organizationId: Types.ObjectId;
  @Prop({ required: true, type: String }) connectorKey: string;
  /** The customer's account at the vendor, as the driver normalized it (a domain, a tenant id). */
  @Prop({ required: true, type: String }) externalTenant: string;
  /**
   * `<connectorKey>:<externalTenant>` while the connection is live; made unique per revoked connection.
   * Enforces one live connection per account at a vendor.
   */
  @Prop({ required: true, type: String }) domainSlot: string;
  @Prop({ required: true, type: String }) clientId: string;
  /** Missing on connections made before it was chosen: they all used CLIENT_SECRET_POST. */
  @Prop({ type: String, enum: CLIENT_AUTH_METHODS, default: 'CLIENT_SECRET_POST' })
  clientAuthMethod: ClientAuthMethod;
  /** Missing on connections made before service apps: they all used OAUTH_PKCE. */
  @Prop({ type: String, enum: CONNECTION_AUTH_MODES, default: 'OAUTH_PKCE' })
  authMode: ConnectionAuthMode;
  /** SERVICE_APP only: the public key to register at the vendor (its private half is in the credentials). */
  @Prop({ type: MongooseSchema.Types.Mixed, default: null })
  serviceAppKey: ServiceAppPublicKey | null;
  /** SERVICE_APP only: a new key made by a rotation, used from the next successful activation on. */
  @Prop({ type: MongooseSchema.Types.Mixed, default: null })
  serviceAppPendingKey: ServiceAppPublicKey | null;
  @Prop({ required: true, type: String, enum: CONNECTION_STATUSES }) status: ConnectionStatus;
  @Prop({ type: String, default: null }) statusReason: string | null;
  @Prop({ type: [String], default: [] }) grantedScopes: string[];
  @Prop({ type: Date, default: null }) authorizedAt: Date | null;
  @Prop({ type: Date, default: null }) reauthDueAt: Date | null;
  @Prop({ type: Date, default: null }) lastSyncAt: Date | null;
  @Prop({ type: Date, default: null }) lastSuccessfulSyncAt: Date | null;
  @Prop({ type: Date, default: null }) nextSyncAt: Date | null;
  /** Incremental-sync cursors (ISO timestamps), written after complete collections. */
  @Prop({ type: MongooseSchema.Types.Mixed, default: {} }) syncState: Record<string, string>;
  @Prop({ required: true, type: String }) createdBy: string;
  @Prop({ type: Date, default: null }) deletedAt: Date | null;
  /** When the retention purge removed this revoked connection's unattached history. */
  @Prop({ type: Date, default: null }) purgedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export const ConnectionSchema = SchemaFactory.createForClass(ConnectionDocument);
ConnectionSchema.index({ organizationId: 1, domainSlot: 1 }, { unique: true });
ConnectionSchema.index({ organizationId: 1, connectorKey: 1, _id: 1 });
ConnectionSchema.index({ organizationId: 1, status: 1, nextSyncAt: 1 });
ConnectionSchema.plugin(tenantScopedPlugin);

/** The sealed credentials of one connection (client secret, refresh and access tokens). */
@Schema({ collection: 'connection_credentials', timestamps: true, versionKey: false })
export class ConnectionCredentialsDocument {
  @Prop({ required: true, type: Types.ObjectId }) organizationId: Types.ObjectId;
  @Prop({ required: true, type: Types.ObjectId }) connectionId: Types.ObjectId;
  /** `EnvelopeService` output; AAD binds it to the organization and the connection id. */
  @Prop({ required: true, type: String }) sealed: string;
}

export const ConnectionCredentialsSchema = SchemaFactory.createForClass(ConnectionCredentialsDocument);
ConnectionCredentialsSchema.index({ organizationId: 1, connectionId: 1 }, { unique: true });
ConnectionCredentialsSchema.plugin(tenantScopedPlugin);

export const OAUTH_PURPOSES = ['CONNECT', 'REAUTH'] as const;
export type OAuthPurpose = (typeof OAUTH_PURPOSES)[number];

/** One authorize round trip: single use, 10 minutes, bound to organization, connection and user. */
@Schema({
  collection: 'oauth_attempts',
  timestamps: { createdAt: true, updatedAt: false },
  versionKey: false,
})
export class OAuthAttemptDocument {
  _id: Types.ObjectId;
  @Prop({ required: true, type: Types.ObjectId }) organizationId: Types.ObjectId;
  @Prop({ required: true, type: Types.ObjectId }) connectionId: Types.ObjectId;
  @Prop({ required: true, type: String }) userId: string;
  @Prop({ required: true, type: String, enum: OAUTH_PURPOSES }) purpose: OAuthPurpose;
  /** SHA-256 of the random part of `state`; the state itself is never stored. */
  @Prop({ required: true, type: String }) stateHash: string;
  /** The PKCE verifier, sealed (record id = attempt id). */
  @Prop({ type: String, default: null }) codeVerifier: string | null;
  @Prop({ required: true, type: Date }) expiresAt: Date;
  @Prop({ type: Date, default: null }) usedAt: Date | null;
  createdAt: Date;
}

export const OAuthAttemptSchema = SchemaFactory.createForClass(OAuthAttemptDocument);
OAuthAttemptSchema.index({ organizationId: 1, stateHash: 1 }, { unique: true });
OAuthAttemptSchema.plugin(tenantScopedPlugin);
