import { type StoredKeyPair } from '#src/modules/connectors/oauth/jwk';
import {
  type ClientAuthMethod,
  type ConnectionAuthMode,
  type ConnectionStatus,
  type ServiceAppPublicKey,
} from './connection.schema';

/** A connection as the rest of the application sees it: no credentials, ids as strings. */
export interface Connection {
  readonly id: string;
  readonly organizationId: string;
  readonly connectorKey: string;
  /** The customer's account at the vendor (see `ConnectionDocument.externalTenant`). */
  readonly externalTenant: string;
  readonly clientId: string;
  readonly clientAuthMethod: ClientAuthMethod;
  readonly authMode: ConnectionAuthMode;
  readonly serviceAppKey: ServiceAppPublicKey | null;
  readonly serviceAppPendingKey: ServiceAppPublicKey | null;
  readonly status: ConnectionStatus;
  readonly statusReason: string | null;
  readonly grantedScopes: readonly string[];
  readonly authorizedAt: Date | null;
  readonly reauthDueAt: Date | null;
  readonly lastSyncAt: Date | null;
  readonly lastSuccessfulSyncAt: Date | null;
  readonly nextSyncAt: Date | null;
  readonly syncState: Readonly<Record<string, string>>;
  readonly createdBy: string;
  readonly createdAt: Date;
  readonly deletedAt: Date | null;
}

/** What `connection_credentials.sealed` holds once opened. */
export interface ConnectionCredentials {
  /** Empty for a SERVICE_APP connection, which authenticates with `serviceApp.clientKey` instead. */
  clientSecret: string;
  /** SERVICE_APP only: the private keys (client authentication and DPoP). */
  serviceApp?: {
    clientKey: StoredKeyPair;
    dpopKey: StoredKeyPair;
    /** A rotation's new client key: activation tries it, and on success it replaces `clientKey`. */
    pendingClientKey?: StoredKeyPair;
  };
  /** How the access token is presented; missing means Bearer. */
  accessTokenType?: 'Bearer' | 'DPoP';
  refreshToken?: string;
  accessToken?: string;
  /** ISO-8601. */
  accessTokenExpiresAt?: string;
}
