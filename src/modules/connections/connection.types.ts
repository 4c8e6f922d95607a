import { type ClientAuthMethod, type ConnectionStatus } from './connection.schema';

/** A connection as the rest of the application sees it: no credentials, ids as strings. */
export interface Connection {
  readonly id: string;
  readonly organizationId: string;
  readonly connectorKey: string;
  /** The customer's account at the vendor (see `ConnectionDocument.externalTenant`). */
  readonly externalTenant: string;
  readonly clientId: string;
  readonly clientAuthMethod: ClientAuthMethod;
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
  clientSecret: string;
  refreshToken?: string;
  accessToken?: string;
  /** ISO-8601. */
  accessTokenExpiresAt?: string;
}
