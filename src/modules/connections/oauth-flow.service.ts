import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Types } from 'mongoose';
import { type AppConfig } from '#src/config/app-config';
import { APP_CONFIG } from '#src/config/config.module';
import { EnvelopeService } from '#src/common/crypto/envelope.service';
import { OnceClaims } from '#src/common/scheduling/once-claim';
import { OrgContext } from '#src/common/tenancy/org-context';
import { isObjectIdHex } from '#src/common/tenancy/principal';
import {
  type ConnectorAuth,
  type OAuthClient,
  OAuthExchangeError,
  type TokenSet,
} from '#src/modules/connectors/connector-driver.port';
import { ConnectorRegistry } from '#src/modules/connectors/connector.registry';
import { withLegacyAuditKeys } from '#src/modules/connectors/connector-definition';
import { AuditService } from '#src/modules/audit/audit.service';
import { DomainEvents } from '#src/common/events/domain-events';
import './connection.events';
import { type OAuthPurpose } from './connection.schema';
import { ConnectionAuthLock } from './connection-auth-lock';
import { type Connection, type ConnectionCredentials } from './connection.types';
import { ConnectionsRepository } from './connections.repository';
import { ConnectionCredentialsStore } from './credentials.store';
import { idpErrorCode, printableText } from './idp-error';
import { type OAuthAttempt, OAuthAttemptsRepository } from './oauth-attempts.repository';

const ATTEMPT_TTL_MS = 10 * 60_000;

export type CallbackOutcome =
  | { readonly kind: 'rejected'; readonly reason: string }
  | { readonly kind: 'redirect'; readonly location: string };

export interface CallbackQuery {
  readonly state?: unknown;
  readonly code?: unknown;
  readonly error?: unknown;
  readonly error_description?: unknown;
}

/**
 * The authorization code + PKCE round trip: starting an attempt (single-use state bound to organization,
 * connection and user; verifier sealed) and completing it on the callback.
 */
@Injectable()
export class OAuthFlowService {
  private readonly logger = new Logger('OAuthFlow');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: ConnectorRegistry,
    private readonly connections: ConnectionsRepository,
    private readonly attempts: OAuthAttemptsRepository,
    private readonly claims: OnceClaims,
    private readonly credentials: ConnectionCredentialsStore,
    private readonly envelope: EnvelopeService,
    private readonly audit: AuditService,
    private readonly events: DomainEvents,
    private readonly authLock: ConnectionAuthLock,
  ) {}

  /** Creates an attempt for the connection and returns the vendor's authorize URL. */
  async start(connection: Connection, purpose: OAuthPurpose, userId: string): Promise<string> {
    const organizationId = OrgContext.organizationId();
    const state = `${organizationId}.${randomBytes(32).toString('base64url')}`;
    const attemptId = new Types.ObjectId().toHexString();
    return this.auth(connection).authorizeUrl(
      {
        externalTenant: connection.externalTenant,
        clientId: connection.clientId,
        redirectUri: this.redirectUri(connection),
      },
      async (verifier) => {
        await this.attempts.insert({
          id: attemptId,
          connectionId: connection.id,
          userId,
          purpose,
          stateHash: hashState(state),
          codeVerifier: await this.envelope.seal(`oauth-attempt:${attemptId}`, verifier),
          expiresAt: new Date(Date.now() + ATTEMPT_TTL_MS),
        });
        return state;
      },
    );
  }

  /**
   * `GET /api/integrations/:key/callback`. Public: trusts nothing but a matching, unused, unexpired state,
   * issued for a connection of that connector. A state arriving on another connector's route is used up,
   * audited and refused.
   */
  async complete(key: string, query: CallbackQuery): Promise<CallbackOutcome> {
    const state = typeof query.state === 'string' ? query.state : undefined;
    const organizationId = state?.split('.', 1)[0];
    if (state === undefined || state.length > 200 || !isObjectIdHex(organizationId)) {
      return { kind: 'rejected', reason: 'unknown_state' };
    }
    return OrgContext.runAsSystem(organizationId, 'oauth-callback', async () => {
      const attempt = await this.attempts.findByStateHash(hashState(state));
      if (attempt === undefined) return { kind: 'rejected', reason: 'unknown_state' } as const;
      if (attempt.usedAt !== null) return { kind: 'rejected', reason: 'state_already_used' } as const;
      if (attempt.expiresAt.getTime() <= Date.now())
        return { kind: 'rejected', reason: 'state_expired' } as const;
      const hasError = typeof query.error === 'string' && query.error !== '';
      const code = typeof query.code === 'string' && query.code !== '' ? query.code : undefined;
      if (!hasError && code === undefined) return { kind: 'rejected', reason: 'missing_code' } as const;
      // Single use: exactly one caller ever wins this claim; it alone may act on the attempt.
      if (!(await this.claims.claim(`oauth-attempt:${attempt.id}`)))
        return { kind: 'rejected', reason: 'state_already_used' } as const;
      await this.attempts.markUsed(attempt.id);
      const connection = await this.connections.findById(attempt.connectionId, { includeRevoked: true });
      if (connection !== undefined && connection.connectorKey !== key) {
        await OrgContext.runAsUser(organizationId, attempt.userId, () =>
          this.audit.append({
            action: 'OAUTH_CALLBACK_REFUSED',
            target: { type: 'connection', id: connection.id },
            details: { reason: 'wrong_integration', route: key, connectorKey: connection.connectorKey },
          }),
        );
        return { kind: 'rejected', reason: 'wrong_integration' } as const;
      }
      return OrgContext.runAsUser(organizationId, attempt.userId, () =>
        hasError ? this.denied(attempt, query) : this.exchange(attempt, code ?? ''),
      );
    });
  }

  /** The admin (or the vendor) refused: keep a fixed code and a short printable description, nothing verbatim. */
  private async denied(attempt: OAuthAttempt, query: CallbackQuery): Promise<CallbackOutcome> {
    const error = idpErrorCode(query.error);
    const description = printableText(query.error_description);
    await this.noteReason(
      attempt.connectionId,
      `authorization_failed: ${error}${description === '' ? '' : ` (${description})`}`,
    );
    return this.redirect(attempt.connectionId, 'error', error);
  }

  private async exchange(attempt: OAuthAttempt, code: string): Promise<CallbackOutcome> {
    const connection = await this.connections.findById(attempt.connectionId, { includeRevoked: true });
    if (connection === undefined || attempt.codeVerifier === null)
      return { kind: 'rejected', reason: 'connection_not_found' };
    const secrets = connection.deletedAt === null ? await this.credentials.read(connection.id) : undefined;
    if (secrets === undefined) return this.redirect(connection.id, 'error', 'connection_revoked');
    const verifier = await this.envelope.open(`oauth-attempt:${attempt.id}`, attempt.codeVerifier);
    const auth = this.auth(connection);
    const client: OAuthClient = {
      externalTenant: connection.externalTenant,
      clientId: connection.clientId,
      clientSecret: secrets.clientSecret,
      authMethod: connection.clientAuthMethod,
      redirectUri: this.redirectUri(connection),
    };

    let tokens: TokenSet;
    try {
      tokens = await auth.exchangeCode(client, code, verifier);
    } catch (error) {
      const reason = error instanceof OAuthExchangeError ? error.code : 'failed';
      const hint = error instanceof OAuthExchangeError && error.hint !== undefined ? ` (${error.hint})` : '';
      this.logger.warn(`token exchange failed for connection ${connection.id}: ${reason}`);
      await this.noteReason(connection.id, `token_exchange_failed: ${reason}${hint}`);
      return this.redirect(connection.id, 'error', 'token_exchange_failed');
    }

    const scopes = auth.checkScopes(tokens.scope);
    if (!scopes.ok) {
      const revoked = await revokeReceived(auth, client, tokens);
      const parts = [
        scopes.missing.length > 0 ? `missing ${scopes.missing.join(' ')}` : '',
        scopes.excess.length > 0 ? `not read-only ${scopes.excess.join(' ')}` : '',
      ].filter((p) => p !== '');
      this.logger.warn(
        `connection ${connection.id}: scopes rejected (${parts.join('; ')}); tokens revoked: ${revoked}`,
      );
      await this.noteReason(connection.id, `scope_rejected: ${parts.join('; ')}`);
      return this.redirect(connection.id, 'error', 'scope_rejected');
    }
    return this.activate(attempt, connection, client, secrets, tokens, scopes.granted);
  }

  /**
   * Stores the tokens and makes the connection ACTIVE, under the connection's auth lease and only while it
   * is not revoked. A connection revoked meanwhile gets nothing stored, and the tokens just received are
   * revoked at the vendor, since nobody else knows them.
   */
  private async activate(
    attempt: OAuthAttempt,
    connection: Connection,
    client: OAuthClient,
    secrets: ConnectionCredentials,
    tokens: TokenSet,
    granted: string[],
  ): Promise<CallbackOutcome> {
    const now = new Date();
    // Sealing may call the key service: do it before taking the lease, which covers database writes only.
    const sealed = await this.credentials.seal(connection.id, {
      clientSecret: secrets.clientSecret,
      accessToken: tokens.accessToken,
      accessTokenExpiresAt: new Date(now.getTime() + tokens.expiresInSeconds * 1000).toISOString(),
      ...(tokens.refreshToken === undefined ? {} : { refreshToken: tokens.refreshToken }),
    });
    const stored = await this.authLock.run(connection.id, async () => {
      const current = await this.connections.findById(connection.id, { includeRevoked: true });
      if (current === undefined || current.deletedAt !== null) return false;
      await this.credentials.writeSealed(connection.id, sealed);
      const updated = await this.connections.markActive(connection.id, {
        grantedScopes: granted,
        authorizedAt: now,
        reauthDueAt: new Date(now.getTime() + this.registry.get(connection.connectorKey).grantLifetimeMs),
      });
      // Re-check after writing: should a revoke have got in anyway (an expired lease), take it all back.
      if (updated === undefined || updated.deletedAt !== null) {
        await this.credentials.remove(connection.id);
        return false;
      }
      await this.audit.append({
        action: attempt.purpose === 'CONNECT' ? 'CONNECT' : 'REAUTH',
        target: { type: 'connection', id: connection.id },
        details: withLegacyAuditKeys(this.registry.get(connection.connectorKey), {
          externalTenant: connection.externalTenant,
          grantedScopes: granted,
          offlineAccess: tokens.refreshToken !== undefined,
        }),
      });
      return true;
    });
    if (!stored.acquired || !stored.value) {
      const reason = stored.acquired ? 'connection_revoked' : 'connection_busy';
      const revoked = await revokeReceived(this.auth(connection), client, tokens);
      this.logger.warn(
        `connection ${connection.id}: authorization not stored (${reason}); tokens revoked: ${revoked}`,
      );
      return this.redirect(connection.id, 'error', reason);
    }
    // Starts the first sync. Should it not start, the connection is authorized all the same, and the scheduler
    // picks it up (nextSyncAt is now) unless it was revoked since.
    await this.events.emit('connection.authorized', {
      connectionId: connection.id,
      purpose: attempt.purpose,
    });
    return this.redirect(connection.id, 'connected');
  }

  /** Why the connection is not (yet) working; written under the auth lease, never to a revoked connection. */
  private async noteReason(connectionId: string, statusReason: string): Promise<void> {
    await this.authLock.run(connectionId, () =>
      this.connections.patchUnderAuthLease(connectionId, { statusReason }),
    );
  }

  private auth(connection: Pick<Connection, 'connectorKey'>): ConnectorAuth {
    return this.registry.driver(connection.connectorKey).auth;
  }

  private redirect(connectionId: string, result: 'connected' | 'error', reason?: string): CallbackOutcome {
    const url = new URL(this.config.dashboardUrl);
    url.searchParams.set('connection', connectionId);
    url.searchParams.set('result', result);
    if (reason !== undefined) url.searchParams.set('reason', reason);
    return { kind: 'redirect', location: url.toString() };
  }

  private redirectUri(connection: Pick<Connection, 'connectorKey'>): string {
    return this.registry.get(connection.connectorKey).redirectUri;
  }
}

/** Revokes tokens nobody else knows (best effort); reports both outcomes. */
export async function revokeReceived(
  auth: ConnectorAuth,
  client: Omit<OAuthClient, 'redirectUri'>,
  tokens: TokenSet,
): Promise<string> {
  const [refresh, access] = await Promise.all([
    auth.revoke(client, tokens.refreshToken, 'refresh_token'),
    auth.revoke(client, tokens.accessToken, 'access_token'),
  ]);
  return `${refresh}/${access}`;
}

export function hashState(state: string): string {
  return createHash('sha256').update(state, 'utf8').digest('hex');
}
