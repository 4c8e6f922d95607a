import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable, Logger } from '@nestjs/common';
import { DomainError } from '#src/common/errors/domain.error';
import { LeaseLock } from '#src/common/scheduling/lease-lock';
import { OAuthExchangeError } from '#src/modules/connectors/okta/okta-oauth.adapter';
import { OktaTokenClient } from '#src/modules/connectors/okta/okta-token.client';
import { AuditService } from '#src/modules/audit/audit.service';
import { ConnectionHooks } from './connection-hooks';
import { type ConnectionCredentials } from './connection.types';
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
    private readonly alerts: ConnectionHooks,
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
        try {
          // Another instance may have refreshed between our read and our lease.
          const latest = (await this.credentials.read(connectionId)) ?? creds;
          if (usable(latest, rejected)) return latest.accessToken as string;
          return await this.refresh(connectionId, latest);
        } finally {
          await this.leases.release(`refresh:${connectionId}`, owner);
        }
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

  private async refresh(connectionId: string, creds: ConnectionCredentials): Promise<string> {
    const connection = await this.connections.findById(connectionId);
    if (connection === undefined) throw DomainError.notFound('Connection');
    if (creds.refreshToken === undefined) {
      return this.needsReauth(
        connectionId,
        'no_refresh_token',
        'Okta issued no refresh token (offline_access not granted)',
      );
    }
    const client = {
      origin: this.flow.origin(connection),
      clientId: connection.clientId,
      clientSecret: creds.clientSecret,
    };
    let tokens;
    try {
      tokens = await this.tokens.refresh(client, creds.refreshToken);
    } catch (error) {
      const code = error instanceof OAuthExchangeError ? error.code : 'failed';
      if (code === 'invalid_grant') {
        return this.needsReauth(
          connectionId,
          'invalid_grant',
          'Okta rejected the refresh token (invalid_grant)',
        );
      }
      this.logger.warn(`token refresh failed for connection ${connectionId}: ${code}`);
      throw new DomainError('CONNECTOR_UNAVAILABLE', `Could not refresh the Okta access token (${code})`);
    }
    // Persist first (a rotated refresh token is only good once), then hand out the access token.
    await this.credentials.write(connectionId, {
      clientSecret: creds.clientSecret,
      refreshToken: tokens.refreshToken ?? creds.refreshToken,
      accessToken: tokens.accessToken,
      accessTokenExpiresAt: new Date(Date.now() + tokens.expiresInSeconds * 1000).toISOString(),
    });
    return tokens.accessToken;
  }

  private async needsReauth(connectionId: string, code: string, reason: string): Promise<never> {
    await this.connections.update(connectionId, {
      status: 'NEEDS_REAUTH',
      statusReason: `refresh_failed: ${code}`,
    });
    await this.audit.append({
      action: 'SYNC_FAILURE',
      target: { type: 'connection', id: connectionId },
      details: { code, reason },
    });
    await this.alerts.needsReauth(connectionId, reason);
    throw new DomainError('CONNECTOR_UNAVAILABLE', `${reason}; an admin must re-authorize the connection`);
  }
}

function usable(creds: ConnectionCredentials, rejected: string | undefined): boolean {
  if (creds.accessToken === undefined || creds.accessTokenExpiresAt === undefined) return false;
  if (rejected !== undefined && creds.accessToken === rejected) return false;
  return new Date(creds.accessTokenExpiresAt).getTime() - Date.now() > REFRESH_MARGIN_MS;
}
