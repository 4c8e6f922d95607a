import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable, Logger } from '@nestjs/common';
import { DomainError } from '#src/common/errors/domain.error';
import { LeaseLock } from '#src/common/scheduling/lease-lock';
import {
  OAuthExchangeError,
  type PresentedToken,
  type ServiceAppTokenSet,
  type TokenSet,
} from '#src/modules/connectors/connector-driver.port';
import { ConnectorRegistry } from '#src/modules/connectors/connector.registry';
import { DpopNonces } from '#src/modules/connectors/oauth/dpop';
import { BearerToken } from '#src/modules/connectors/oauth/presented-token';
import { ConnectionAuthLock } from './connection-auth-lock';
import { type Connection, type ConnectionCredentials } from './connection.types';
import { ConnectionsRepository } from './connections.repository';
import { ConnectionsService } from './connections.service';
import { ConnectionCredentialsStore } from './credentials.store';
import { revokeReceived } from './oauth-flow.service';
import { ADMIN_FIXABLE_CODES, serviceAppAuth, serviceAppClient } from './service-app.client';

/** Refresh when the access token expires within this window. */
export const REFRESH_MARGIN_MS = 5 * 60_000;
const LEASE_TTL_MS = 30_000;
const WAIT_FOR_OTHER_REFRESH_MS = 20_000;

/**
 * Hands out a usable vendor access token for a connection of the organization in context (a service app:
 * a new one from the client-credentials grant when it expires). Refreshes at
 * most once per connection at a time across instances (a lease on the connection), persists a rotated
 * refresh token before the new access token is used, and turns `invalid_grant` into NEEDS_REAUTH.
 */
@Injectable()
export class AccessTokenProvider {
  private readonly logger = new Logger('AccessTokens');
  private readonly instance = randomBytes(6).toString('hex');

  constructor(
    private readonly connections: ConnectionsRepository,
    private readonly leases: LeaseLock,
    private readonly credentials: ConnectionCredentialsStore,
    private readonly service: ConnectionsService,
    private readonly registry: ConnectorRegistry,
    private readonly authLock: ConnectionAuthLock,
    private readonly nonces: DpopNonces,
  ) {}

  /** `force`: the API said the token is no longer valid; refresh even if it looks fresh. */
  async accessToken(connectionId: string, options: { force?: boolean } = {}): Promise<string> {
    return (await this.usable(connectionId, options)).creds.accessToken as string;
  }

  /**
   * The token as requests present it: Bearer, or DPoP-bound with proofs signed by the connection's DPoP key
   * (a service app whose vendor app requires DPoP).
   */
  async presented(connectionId: string, options: { force?: boolean } = {}): Promise<PresentedToken> {
    const { connection, creds } = await this.usable(connectionId, options);
    const token = creds.accessToken as string;
    if (connection.authMode !== 'SERVICE_APP') return new BearerToken(token);
    const auth = serviceAppAuth(this.registry.driver(connection.connectorKey));
    return auth.present(
      serviceAppClient(connection, creds),
      {
        accessToken: token,
        tokenType: creds.accessTokenType ?? 'Bearer',
        expiresInSeconds: 0,
        scope: undefined,
      },
      this.nonces,
    );
  }

  /** The connection and its credentials holding a usable access token (refreshed or fetched when needed). */
  private async usable(
    connectionId: string,
    options: { force?: boolean },
  ): Promise<{ connection: Connection; creds: ConnectionCredentials }> {
    const rejected =
      options.force === true ? (await this.credentials.read(connectionId))?.accessToken : undefined;
    const owner = `${this.instance}:${randomBytes(4).toString('hex')}`;
    const deadline = Date.now() + WAIT_FOR_OTHER_REFRESH_MS;
    for (;;) {
      const connection = await this.connections.findById(connectionId);
      if (connection === undefined) throw DomainError.notFound('Connection');
      if (connection.status !== 'ACTIVE') {
        throw new DomainError(
          'CONNECTOR_UNAVAILABLE',
          `The ${this.vendor(connection)} connection is ${connection.status}; an admin must re-authorize it`,
        );
      }
      const creds = await this.credentials.read(connectionId);
      if (creds === undefined)
        throw new DomainError(
          'CONNECTOR_UNAVAILABLE',
          `The ${this.vendor(connection)} connection has no credentials`,
        );
      if (usable(creds, rejected)) return { connection, creds };
      if (await this.leases.tryAcquire(`refresh:${connectionId}`, owner, LEASE_TTL_MS)) {
        let renewed: ConnectionCredentials | undefined;
        try {
          // Another instance may have refreshed between our read and our lease.
          const latest = (await this.credentials.read(connectionId)) ?? creds;
          renewed = usable(latest, rejected)
            ? latest
            : connection.authMode === 'SERVICE_APP'
              ? await this.fetchServiceAppToken(connection, latest)
              : await this.refresh(connection, latest);
        } finally {
          await this.leases.release(`refresh:${connectionId}`, owner);
        }
        if (renewed !== undefined) return { connection, creds: renewed };
        continue; // a re-authorization replaced the credentials meanwhile: use those
      }
      if (Date.now() > deadline) {
        throw new DomainError(
          'CONNECTOR_UNAVAILABLE',
          'Timed out waiting for another token refresh of this connection',
        );
      }
      await sleep(200);
    }
  }

  /** New credentials with a new access token, or undefined when a re-authorization stored others meanwhile. */
  private async refresh(
    connection: Connection,
    creds: ConnectionCredentials,
  ): Promise<ConnectionCredentials | undefined> {
    const vendor = this.vendor(connection);
    if (creds.refreshToken === undefined) {
      return this.needsReauth(
        connection,
        'no_refresh_token',
        `${vendor} issued no refresh token (offline_access not granted)`,
      );
    }
    const auth = this.registry.driver(connection.connectorKey).auth;
    const client = {
      externalTenant: connection.externalTenant,
      clientId: connection.clientId,
      clientSecret: creds.clientSecret,
      authMethod: connection.clientAuthMethod,
    };
    let tokens: TokenSet;
    try {
      tokens = await auth.refresh(client, creds.refreshToken);
    } catch (error) {
      const code = error instanceof OAuthExchangeError ? error.code : 'failed';
      if (code === 'invalid_grant') {
        return this.needsReauth(
          connection,
          'invalid_grant',
          `${vendor} rejected the refresh token (invalid_grant)`,
        );
      }
      this.logger.warn(`token refresh failed for connection ${connection.id}: ${code}`);
      throw new DomainError(
        'CONNECTOR_UNAVAILABLE',
        `Could not refresh the ${vendor} access token (${code})`,
      );
    }
    // Sealing may call the key service: before the lease, which covers database work only.
    const renewed: ConnectionCredentials = {
      clientSecret: creds.clientSecret,
      refreshToken: tokens.refreshToken ?? creds.refreshToken,
      accessToken: tokens.accessToken,
      accessTokenExpiresAt: new Date(Date.now() + tokens.expiresInSeconds * 1000).toISOString(),
    };
    const sealed = await this.credentials.seal(connection.id, renewed);
    // Persist before handing out the access token (a rotated refresh token is only good once), and only
    // while the connection is live and still holds the credentials we refreshed.
    const stored = await this.authLock.run(connection.id, async () => {
      const current = await this.connections.findById(connection.id, { includeRevoked: true });
      if (current === undefined || current.deletedAt !== null) return 'revoked' as const;
      if ((await this.credentials.read(connection.id))?.refreshToken !== creds.refreshToken)
        return 'replaced' as const;
      await this.credentials.writeSealed(connection.id, sealed);
      const after = await this.connections.findById(connection.id, { includeRevoked: true });
      if (after === undefined || after.deletedAt !== null) {
        await this.credentials.remove(connection.id);
        return 'revoked' as const;
      }
      return 'stored' as const;
    });
    if (stored.acquired && stored.value === 'stored') return renewed;
    // Nobody else knows these tokens: revoke them rather than leave them valid at the vendor.
    await revokeReceived(auth, client, tokens);
    if (stored.acquired && stored.value === 'replaced') return undefined;
    throw new DomainError(
      'CONNECTOR_UNAVAILABLE',
      stored.acquired
        ? `The ${vendor} connection was revoked`
        : `The ${vendor} connection is being re-authorized or revoked right now`,
    );
  }

  /**
   * A service app has no refresh token: a new access token comes from the client-credentials grant. A refusal
   * the admin must fix at the vendor (key, client authentication, scopes) makes the connection NEEDS_REAUTH,
   * as does a token missing a required scope; anything else fails this run only.
   */
  private async fetchServiceAppToken(
    connection: Connection,
    creds: ConnectionCredentials,
  ): Promise<ConnectionCredentials | undefined> {
    const vendor = this.vendor(connection);
    const driver = this.registry.driver(connection.connectorKey);
    const auth = serviceAppAuth(driver);
    const client = serviceAppClient(connection, creds);
    let tokens: ServiceAppTokenSet;
    try {
      tokens = await auth.token(client, this.nonces);
    } catch (error) {
      if (!(error instanceof OAuthExchangeError)) throw error;
      if (ADMIN_FIXABLE_CODES.includes(error.code))
        return this.needsReauth(connection, error.code, error.message);
      this.logger.warn(`service-app token failed for connection ${connection.id}: ${error.code}`);
      throw new DomainError(
        'CONNECTOR_UNAVAILABLE',
        `Could not get an access token from ${vendor}: ${error.message}`,
      );
    }
    const scopes = driver.auth.checkScopes(tokens.scope);
    if (!scopes.ok) {
      await auth.revoke(client, tokens.accessToken);
      const missing = scopes.missing.length > 0 ? `missing ${scopes.missing.join(' ')}` : '';
      const excess = scopes.excess.length > 0 ? `not read-only ${scopes.excess.join(' ')}` : '';
      return this.needsReauth(
        connection,
        'scope_rejected',
        `${vendor} granted the wrong scopes (${[missing, excess].filter((p) => p !== '').join('; ')})`,
      );
    }
    const renewed: ConnectionCredentials = {
      ...creds,
      accessToken: tokens.accessToken,
      accessTokenType: tokens.tokenType,
      accessTokenExpiresAt: new Date(Date.now() + tokens.expiresInSeconds * 1000).toISOString(),
    };
    const sealed = await this.credentials.seal(connection.id, renewed);
    const keys = keysOf(creds);
    const stored = await this.authLock.run(connection.id, async () => {
      const current = await this.connections.findById(connection.id, { includeRevoked: true });
      if (current === undefined || current.deletedAt !== null) return 'revoked' as const;
      // Keys replaced or rotated meanwhile: writing ours would undo that.
      if (keysOf(await this.credentials.read(connection.id)) !== keys) return 'replaced' as const;
      await this.credentials.writeSealed(connection.id, sealed);
      return 'stored' as const;
    });
    if (stored.acquired && stored.value === 'stored') return renewed;
    await auth.revoke(client, tokens.accessToken);
    if (stored.acquired && stored.value === 'replaced') return undefined;
    throw new DomainError(
      'CONNECTOR_UNAVAILABLE',
      stored.acquired
        ? `The ${vendor} connection was revoked`
        : `The ${vendor} connection is being re-authorized or revoked right now`,
    );
  }

  private async needsReauth(connection: Connection, code: string, reason: string): Promise<never> {
    const vendor = this.vendor(connection);
    const marked = await this.service.markNeedsReauth(connection.id, `refresh_failed: ${code}`, reason, {
      code,
      reason,
    });
    if (marked !== 'marked') {
      throw new DomainError(
        'CONNECTOR_UNAVAILABLE',
        marked === 'revoked'
          ? `The ${vendor} connection was revoked`
          : `The ${vendor} connection is being re-authorized or revoked right now`,
      );
    }
    this.logger.warn(`connection ${connection.id} needs re-authorization: ${reason}`);
    throw new DomainError('CONNECTOR_UNAVAILABLE', `${reason}; an admin must re-authorize the connection`);
  }

  private vendor(connection: Pick<Connection, 'connectorKey'>): string {
    return this.registry.get(connection.connectorKey).name;
  }
}

function usable(creds: ConnectionCredentials, rejected: string | undefined): boolean {
  if (creds.accessToken === undefined || creds.accessTokenExpiresAt === undefined) return false;
  if (rejected !== undefined && creds.accessToken === rejected) return false;
  return new Date(creds.accessTokenExpiresAt).getTime() - Date.now() > REFRESH_MARGIN_MS;
}

/** Which keys a service app's credentials hold (current and pending client key). */
function keysOf(creds: ConnectionCredentials | undefined): string {
  const keys = creds?.serviceApp;
  return `${keys?.clientKey.publicJwk.kid ?? ''}/${keys?.pendingClientKey?.publicJwk.kid ?? ''}`;
}
