import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable, Logger } from '@nestjs/common';
import { DomainError } from '#src/common/errors/domain.error';
import { LeaseLock } from '#src/common/scheduling/lease-lock';
import { OAuthExchangeError, type TokenSet } from '#src/modules/connectors/okta/okta-oauth.adapter';
import { OktaTokenClient } from '#src/modules/connectors/okta/okta-token.client';
import { AuditService } from '#src/modules/audit/audit.service';
import { DomainEvents } from '#src/common/events/domain-events';
import './connection.events';
import { ConnectionAuthLock } from './connection-auth-lock';
import { type Connection, type ConnectionCredentials } from './connection.types';
import { ConnectionsRepository } from './connections.repository';
import { ConnectionCredentialsStore } from './credentials.store';
import { OAuthFlowService } from './oauth-flow.service';

/** Refresh when the access token expires within this window. */
export const REFRESH_MARGIN_MS = 5 * 60_000;
const LEASE_TTL_MS = 30_000;
const WAIT_FOR_OTHER_REFRESH_MS = 20_000;

/**
 * Hands out a usable Okta access token for a connection of the organization in context. Refreshes at
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
    private readonly flow: OAuthFlowService,
    private readonly tokens: OktaTokenClient,
    private readonly audit: AuditService,
    private readonly events: DomainEvents,
    private readonly authLock: ConnectionAuthLock,
  ) {}

  /** `force`: the API said the token is no longer valid; refresh even if it looks fresh. */
  async accessToken(connectionId: string, options: { force?: boolean } = {}): Promise<string> {
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
          `The Okta connection is ${connection.status}; an admin must re-authorize it`,
        );
      }
      const creds = await this.credentials.read(connectionId);
      if (creds === undefined)
        throw new DomainError('CONNECTOR_UNAVAILABLE', 'The Okta connection has no credentials');
      if (usable(creds, rejected)) return creds.accessToken as string;
      if (await this.leases.tryAcquire(`refresh:${connectionId}`, owner, LEASE_TTL_MS)) {
        let token: string | undefined;
        try {
          // Another instance may have refreshed between our read and our lease.
          const latest = (await this.credentials.read(connectionId)) ?? creds;
          token = usable(latest, rejected) ? latest.accessToken : await this.refresh(connection, latest);
        } finally {
          await this.leases.release(`refresh:${connectionId}`, owner);
        }
        if (token !== undefined) return token;
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

  /** A new access token, or undefined when a re-authorization stored other credentials meanwhile. */
  private async refresh(connection: Connection, creds: ConnectionCredentials): Promise<string | undefined> {
    if (creds.refreshToken === undefined) {
      return this.needsReauth(
        connection.id,
        'no_refresh_token',
        'Okta issued no refresh token (offline_access not granted)',
      );
    }
    const client = {
      origin: this.flow.origin(connection),
      clientId: connection.clientId,
      clientSecret: creds.clientSecret,
      authMethod: connection.clientAuthMethod,
    };
    let tokens: TokenSet;
    try {
      tokens = await this.tokens.refresh(client, creds.refreshToken);
    } catch (error) {
      const code = error instanceof OAuthExchangeError ? error.code : 'failed';
      if (code === 'invalid_grant') {
        return this.needsReauth(
          connection.id,
          'invalid_grant',
          'Okta rejected the refresh token (invalid_grant)',
        );
      }
      this.logger.warn(`token refresh failed for connection ${connection.id}: ${code}`);
      throw new DomainError('CONNECTOR_UNAVAILABLE', `Could not refresh the Okta access token (${code})`);
    }
    // Sealing may call the key service: before the lease, which covers database work only.
    const sealed = await this.credentials.seal(connection.id, {
      clientSecret: creds.clientSecret,
      refreshToken: tokens.refreshToken ?? creds.refreshToken,
      accessToken: tokens.accessToken,
      accessTokenExpiresAt: new Date(Date.now() + tokens.expiresInSeconds * 1000).toISOString(),
    });
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
    if (stored.acquired && stored.value === 'stored') return tokens.accessToken;
    // Nobody else knows these tokens: revoke them rather than leave them valid at Okta.
    await Promise.all([
      this.tokens.revoke(client, tokens.refreshToken, 'refresh_token'),
      this.tokens.revoke(client, tokens.accessToken, 'access_token'),
    ]);
    if (stored.acquired && stored.value === 'replaced') return undefined;
    throw new DomainError(
      'CONNECTOR_UNAVAILABLE',
      stored.acquired
        ? 'The Okta connection was revoked'
        : 'The Okta connection is being re-authorized or revoked right now',
    );
  }

  private async needsReauth(connectionId: string, code: string, reason: string): Promise<never> {
    const marked = await this.authLock.run(connectionId, async () => {
      const updated = await this.connections.patchUnderAuthLease(connectionId, {
        status: 'NEEDS_REAUTH',
        statusReason: `refresh_failed: ${code}`,
      });
      if (updated === undefined || updated.deletedAt !== null) return false;
      await this.audit.append({
        action: 'SYNC_FAILURE',
        target: { type: 'connection', id: connectionId },
        details: { code, reason },
      });
      return true;
    });
    if (!marked.acquired || !marked.value) {
      throw new DomainError(
        'CONNECTOR_UNAVAILABLE',
        marked.acquired
          ? 'The Okta connection was revoked'
          : 'The Okta connection is being re-authorized or revoked right now',
      );
    }
    this.logger.warn(`connection ${connectionId} needs re-authorization: ${reason}`);
    await this.events.emit('connection.needsReauth', { connectionId, reason });
    throw new DomainError('CONNECTOR_UNAVAILABLE', `${reason}; an admin must re-authorize the connection`);
  }
}

function usable(creds: ConnectionCredentials, rejected: string | undefined): boolean {
  if (creds.accessToken === undefined || creds.accessTokenExpiresAt === undefined) return false;
  if (rejected !== undefined && creds.accessToken === rejected) return false;
  return new Date(creds.accessTokenExpiresAt).getTime() - Date.now() > REFRESH_MARGIN_MS;
}
