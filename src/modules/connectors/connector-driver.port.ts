import { type EvidenceItem } from '#src/modules/evidence/evidence.types';
import { type ConnectorDefinition } from './connector-definition';
import { type DpopNonces } from './oauth/dpop';
import { type SigningKey } from './oauth/jwk';

/** How a connection authenticates to the vendor's token endpoint with its client secret (RFC 6749 §2.3.1). */
export const CLIENT_AUTH_METHODS = ['CLIENT_SECRET_BASIC', 'CLIENT_SECRET_POST'] as const;
export type ClientAuthMethod = (typeof CLIENT_AUTH_METHODS)[number];

/** Counters a collector keeps about its calls to the vendor. */
export interface ApiStats {
  apiCalls: number;
  pages: number;
  rateLimitWaits: number;
  rateLimitWaitMs: number;
  retries: number;
}

/** Per-connection incremental state, kept between runs (ISO timestamps). */
export type SyncCursor = Readonly<Record<string, string>>;

/** How long a run may take: vendor clients must not wait past `deadline`, and stop when `signal` aborts. */
export interface RunBounds {
  readonly deadline: Date;
  /** Aborted when the run must stop (deadline passed, shutdown, lease lost); its `reason` is what to throw. */
  readonly signal: AbortSignal;
}

/** One run of a connection: when it started, and the incremental state the previous runs left. */
export interface RunContext extends RunBounds {
  readonly now: Date;
  readonly cursor: SyncCursor;
}

/** What a collector sees of its run. */
export interface CollectorContext extends RunContext {
  /**
   * The collector's `carries` fields of an item's current stored row (read once at the start of the run),
   * for carrying state forward instead of re-fetching it; undefined for an item without a current row.
   */
  carried(sourceId: string): Record<string, unknown> | undefined;
}

/** One evidence type from one vendor: streams batches of items with bounded memory. */
export interface Collector {
  readonly evidenceType: string;
  readonly endpoint: string;
  readonly filter: string;
  /** Items not seen in a complete collection stop being current (false for append-only facts like events). */
  readonly closesVanished: boolean;
  /** Fields of an item's stored data the collector may reuse (`CollectorContext.carried`); none by default. */
  readonly carries?: readonly string[];
  readonly stats: ApiStats;
  collect(context: CollectorContext): AsyncGenerator<EvidenceItem[]>;
  /** Cursor fields to persist once `collect` completed. */
  cursorAfter(context: RunContext): Record<string, string>;
}

/** What a driver sees of a connection. */
export interface DriverConnection {
  readonly id: string;
  /** The customer's account at the vendor, as the driver's `parseExternalTenant` normalized it. */
  readonly externalTenant: string;
  /** The scopes its authorization granted: collectors behind an optional scope run only when it is here. */
  readonly grantedScopes: readonly string[];
}

/**
 * An access token as requests present it: `Bearer`, or `DPoP` for a token bound to the connection's DPoP key
 * (RFC 9449), where every request carries a fresh proof. Bearer and DPoP go through the same call sites.
 */
export interface PresentedToken {
  readonly scheme: 'Bearer' | 'DPoP';
  /** The token itself (never logged, never in an error). */
  readonly value: string;
  /** The headers for one request: `authorization`, and `dpop` (a fresh proof) for a DPoP token. */
  headers(method: string, url: string): Record<string, string>;
  /**
   * The server at `url` demanded (or offered) this DPoP nonce: later proofs to it carry it. False for a
   * Bearer token, where a nonce challenge means nothing and is not worth retrying.
   */
  useNonce(url: string, nonce: string): boolean;
}

/** Supplies and renews the vendor access token for one connection. */
export interface AccessTokenSource {
  current(): Promise<PresentedToken>;
  refreshed(): Promise<PresentedToken>;
}

/** The OAuth client of one connection, as its driver's auth side needs it. */
export interface OAuthClient {
  readonly externalTenant: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** How the secret goes to the token endpoint; the vendor app's setting must match. */
  readonly authMethod: ClientAuthMethod;
  readonly redirectUri: string;
}

export interface TokenSet {
  readonly accessToken: string;
  readonly refreshToken: string | undefined;
  readonly expiresInSeconds: number;
  /** Space-separated, as the token endpoint returned it. */
  readonly scope: string | undefined;
}

/** What a best-effort revocation did; never throws. */
export type RevocationOutcome = 'revoked' | 'no_token' | `failed: ${string}`;

/** The scopes a token response granted, against what the connector requires and tolerates. */
export interface ScopeCheck {
  readonly ok: boolean;
  readonly granted: string[];
  readonly missing: string[];
  /** Granted scopes the connector refuses to hold (write or admin scopes, anything unknown). */
  readonly excess: string[];
  /** Optional scopes (`ConnectorDefinition.optionalScopes`) not granted: less evidence, never an error. */
  readonly optionalMissing: string[];
}

/** The key pairs of a service-app connection, opened from its sealed credentials. */
export interface ServiceAppKeys {
  /** Signs the `private_key_jwt` client assertions; its public half is registered at the vendor. */
  readonly client: SigningKey;
  /** Signs DPoP proofs. */
  readonly dpop: SigningKey;
}

/** A service app (client credentials with `private_key_jwt`) as its driver's auth side needs it. */
export interface ServiceAppClient {
  readonly connectionId: string;
  readonly externalTenant: string;
  readonly clientId: string;
  readonly keys: ServiceAppKeys;
  /** Send a DPoP proof from the first request (the token was DPoP-bound before). */
  readonly dpop: boolean;
}

export interface ServiceAppTokenSet {
  readonly accessToken: string;
  readonly tokenType: 'Bearer' | 'DPoP';
  readonly expiresInSeconds: number;
  readonly scope: string | undefined;
}

/**
 * The service-app side of a connector's authorization: the client-credentials grant with a `private_key_jwt`
 * client assertion, DPoP when the vendor demands it (nonces remembered in `nonces`), no refresh token.
 */
export interface ServiceAppAuth {
  /** Throws OAuthExchangeError, whose message and hint are safe to show. */
  token(client: ServiceAppClient, nonces: DpopNonces): Promise<ServiceAppTokenSet>;
  /** Best effort, never throws. */
  revoke(client: ServiceAppClient, accessToken: string | undefined): Promise<RevocationOutcome>;
  /** Presents a token from `token` on the vendor's API. */
  present(client: ServiceAppClient, tokens: ServiceAppTokenSet, nonces: DpopNonces): PresentedToken;
}

/** A token exchange failed: `code` is the OAuth error (`invalid_grant`, …) or a transport reason. Safe to show. */
export class OAuthExchangeError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** What the admin can check, when the code alone does not say it. Safe to show. */
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'OAuthExchangeError';
  }
}

/** A connect input the driver refuses: `field` names the input field, `reason` completes "<field> …". */
export class ConnectorInputError extends Error {
  constructor(
    readonly field: 'externalTenant' | 'clientId' | 'clientSecret',
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'ConnectorInputError';
  }
}

/** The authorization side of a connector: OAuth 2.0 authorization code with PKCE, per connection client. */
export interface ConnectorAuth {
  /** Validates the external tenant as an admin typed it and returns its normalized form (throws ConnectorInputError). */
  parseExternalTenant(input: string): string;
  /** Builds the authorize URL; `persistVerifier` stores the PKCE verifier and returns the state to send. */
  authorizeUrl(
    client: Omit<OAuthClient, 'clientSecret' | 'authMethod'>,
    persistVerifier: (verifier: string) => Promise<string>,
  ): Promise<string>;
  /** Throws OAuthExchangeError. */
  exchangeCode(client: OAuthClient, code: string, verifier: string): Promise<TokenSet>;
  checkScopes(granted: string | undefined): ScopeCheck;
  /** Throws OAuthExchangeError; `invalid_grant` means the grant is gone and an admin must authorize again. */
  refresh(client: Omit<OAuthClient, 'redirectUri'>, refreshToken: string): Promise<TokenSet>;
  revoke(
    client: Omit<OAuthClient, 'redirectUri'>,
    token: string | undefined,
    hint: 'refresh_token' | 'access_token',
  ): Promise<RevocationOutcome>;
  /** The service-app mode (client credentials, `private_key_jwt`, DPoP), when the connector supports it. */
  readonly serviceApp?: ServiceAppAuth;
}

export const CONNECTOR_ERROR_CODES = [
  'UNAUTHORIZED',
  'INSUFFICIENT_SCOPE',
  'RATE_LIMITED',
  'UNAVAILABLE',
  'BAD_RESPONSE',
  /** The authorizing account may not read what was asked. */
  'PERMISSION_DENIED',
  /** The vendor refused the request for another reason (a 4xx the driver has no better name for). */
  'CLIENT_ERROR',
] as const;
export type ConnectorErrorCode = (typeof CONNECTOR_ERROR_CODES)[number];

/** A vendor failure in the platform's terms. The message is safe to show (never a token). */
export class ConnectorError extends Error {
  constructor(
    readonly code: ConnectorErrorCode,
    message: string,
    /** For INSUFFICIENT_SCOPE: the scope the vendor asked for. */
    readonly scope?: string,
  ) {
    super(message);
    this.name = 'ConnectorError';
  }
}

/** What a change feed reports: connector-neutral kinds of changes between two collections of an item. */
export const CHANGE_KINDS = [
  'MFA_REMOVED',
  'USER_ACTIVATED',
  'USER_DEACTIVATED',
  'POLICY_WEAKENED',
  'ADMIN_ROLE_GRANTED',
  'GROUP_MEMBERSHIP_ADDED',
] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** One field of an item that changed, with its values before and after. */
export interface FieldChange {
  readonly field: string;
  readonly before: unknown;
  readonly after: unknown;
}

/** A change a detector found between an item's stored row and its new collection. Safe to show. */
export interface DetectedChange {
  readonly kind: ChangeKind;
  /** Dangerous enough to open an alert that stays until an admin acknowledges it. */
  readonly risky: boolean;
  /** The item as people name it (a login, a policy name). */
  readonly label: string;
  readonly summary: string;
  readonly fields: readonly FieldChange[];
}

/** What a detector sees of one changed item. `before` holds only its `watches` fields of the stored row. */
export interface ItemChange {
  /** Undefined for an item seen for the first time. */
  readonly before: Readonly<Record<string, unknown>> | undefined;
  /** Undefined for an item that vanished from a complete collection. */
  readonly after: Readonly<Record<string, unknown>> | undefined;
  /** The whole stored row's data, read on demand (one lookup by id; for the rare item that needs more). */
  storedData(): Promise<Readonly<Record<string, unknown>> | undefined>;
}

/**
 * Finds the changes worth telling people about in one evidence type: called for every item whose content
 * changed, appeared or vanished in a sync after the connection's first collection of the type.
 */
export interface ChangeDetector {
  readonly evidenceType: string;
  /** Fields of the stored data to compare, read with the run's current rows: keep them small. */
  readonly watches: readonly string[];
  detect(change: ItemChange): DetectedChange[] | Promise<DetectedChange[]>;
}

/** What a connector implements. Adding a connector is a folder with its module and driver, and one registry line. */
export interface ConnectorDriver {
  readonly definition: ConnectorDefinition;
  readonly auth: ConnectorAuth;
  collectors(connection: DriverConnection, tokens: AccessTokenSource): Collector[];
  /** The change feed's detectors, per evidence type (none: the connector's changes are not reported). */
  readonly changeDetectors?: readonly ChangeDetector[];
  /** Maps the driver's own errors to neutral codes; undefined for an error it does not know. */
  classify(error: unknown): ConnectorError | undefined;
}

/** The multi-provider token: every installed driver, each registered by its module under `driverToken(key)`. */
export const CONNECTOR_DRIVERS = Symbol('CONNECTOR_DRIVERS');

export function driverToken(key: string): string {
  return `ConnectorDriver:${key}`;
}

/** A connector's Nest module: provides and exports its driver under `driverToken(connectorKey)`. */
export interface ConnectorModule {
  readonly connectorKey: string;
  /** Resolvers of its own GraphQL entry points, if any (they are also the module's providers). */
  readonly resolvers?: readonly (new (...args: never[]) => unknown)[];
  new (...args: never[]): unknown;
}
