import { Inject, Injectable } from '@nestjs/common';
import { Types } from 'mongoose';
import { type AppConfig } from '#src/config/app-config';
import { APP_CONFIG } from '#src/config/config.module';
import { DomainError } from '#src/common/errors/domain.error';
import { parseOktaDomain } from '#src/common/net/outbound-guard';
import { OrgContext } from '#src/common/tenancy/org-context';
import { OKTA_CONNECTOR_KEY } from '#src/modules/connectors/okta/okta.definition';
import { OktaTokenClient, type RevocationOutcome } from '#src/modules/connectors/okta/okta-token.client';
import { AuditService } from '#src/modules/audit/audit.service';
import { ConnectionAuthLock } from './connection-auth-lock';
import { type Connection } from './connection.types';
import {
  type ConnectionPatch,
  ConnectionsRepository,
  DuplicateConnectionError,
} from './connections.repository';
import { type ClientAuthMethod } from './connection.schema';
import { ConnectionCredentialsStore } from './credentials.store';
import { OAuthFlowService } from './oauth-flow.service';

export interface ConnectOktaCommand {
  readonly oktaDomain: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly clientAuthMethod?: ClientAuthMethod | null;
}

/** Connect, re-authorize, revoke and read connections of the organization in context. */
@Injectable()
export class ConnectionsService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly connections: ConnectionsRepository,
    private readonly credentials: ConnectionCredentialsStore,
    private readonly flow: OAuthFlowService,
    private readonly tokens: OktaTokenClient,
    private readonly audit: AuditService,
    private readonly authLock: ConnectionAuthLock,
  ) {}

  async connectOkta(command: ConnectOktaCommand): Promise<{ connection: Connection; authorizeUrl: string }> {
    const origin = parseOktaDomain(command.oktaDomain, this.config.oktaAllowedInsecureHosts);
    const userId = this.userId();
    const id = new Types.ObjectId().toHexString();
    // Seal before anything is stored, so a key-service failure leaves nothing behind.
    const sealed = await this.credentials.seal(id, { clientSecret: command.clientSecret });
    let connection: Connection;
    try {
      connection = await this.connections.insert({
        id,
        connectorKey: OKTA_CONNECTOR_KEY,
        oktaDomain: origin.domain,
        clientId: command.clientId,
        clientAuthMethod: command.clientAuthMethod ?? 'CLIENT_SECRET_BASIC',
        createdBy: userId,
      });
    } catch (error) {
      if (error instanceof DuplicateConnectionError) {
        throw new DomainError(
          'CONFLICT',
          `oktaDomain: an active connection to ${origin.domain} already exists`,
          {
            field: 'oktaDomain',
          },
        );
      }
      throw error;
    }
    await this.credentials.writeSealed(id, sealed);
    return { connection, authorizeUrl: await this.flow.start(connection, 'CONNECT', userId) };
  }

  async reauthorize(connectionId: string): Promise<{ connection: Connection; authorizeUrl: string }> {
    const connection = await this.get(connectionId);
    return { connection, authorizeUrl: await this.flow.start(connection, 'REAUTH', this.userId()) };
  }

  /**
   * Soft-deletes the connection, then revokes its tokens at Okta (best effort) and deletes the
   * credentials. Idempotent; audited once. The mark is written under the connection's auth lease, so a
   * callback or refresh either stored its tokens before it (and they are revoked here) or sees it and
   * stores nothing (and revokes what it received itself).
   */
  async revoke(connectionId: string): Promise<Connection> {
    const found = await this.connections.findById(connectionId, { includeRevoked: true });
    if (found === undefined) throw DomainError.notFound('Connection');
    const marked = await this.authLock.run(found.id, async () => {
      const current = (await this.connections.findById(found.id, { includeRevoked: true })) ?? found;
      if (current.deletedAt !== null) return { connection: current, first: false };
      const revoked = await this.connections.patchUnderAuthLease(found.id, revokedPatch(current, new Date()));
      return { connection: revoked ?? current, first: true };
    });
    if (!marked.acquired) {
      throw new DomainError(
        'CONFLICT',
        'The connection is being authorized or refreshed right now; try revoking again',
      );
    }
    const { connection, first } = marked.value;
    // Read after the mark: whatever was stored before it is here; nothing is stored after it.
    const oktaRevocation = await this.revokeAtOkta(connection);
    await this.credentials.remove(connection.id);
    if (first) {
      await this.audit.append({
        action: 'REVOKE',
        target: { type: 'connection', id: connection.id },
        details: { oktaDomain: connection.oktaDomain, oktaRevocation },
      });
    }
    // Re-check after writing: should a write have undone the mark anyway (an expired lease), apply it again.
    const checked = await this.authLock.run(connection.id, async () => {
      const after = await this.connections.findById(connection.id, { includeRevoked: true });
      if (after === undefined || (after.status === 'REVOKED' && after.deletedAt !== null)) return after;
      return this.connections.patchUnderAuthLease(
        connection.id,
        revokedPatch(after, connection.deletedAt ?? new Date()),
        { includeRevoked: true },
      );
    });
    return (checked.acquired ? checked.value : undefined) ?? connection;
  }

  private async revokeAtOkta(connection: Connection): Promise<RevocationOutcome> {
    const creds = await this.credentials.read(connection.id);
    if (creds === undefined) return 'no_token';
    return this.tokens.revoke(
      {
        origin: this.flow.origin(connection),
        clientId: connection.clientId,
        clientSecret: creds.clientSecret,
        authMethod: connection.clientAuthMethod,
      },
      creds.refreshToken ?? creds.accessToken,
      creds.refreshToken === undefined ? 'access_token' : 'refresh_token',
    );
  }

  async get(connectionId: string, options: { includeRevoked?: boolean } = {}): Promise<Connection> {
    const connection = await this.connections.findById(connectionId, options);
    if (connection === undefined) throw DomainError.notFound('Connection');
    return connection;
  }

  page(
    options: { includeRevoked: boolean; connectorKey?: string; beforeId?: string },
    limit: number,
  ): Promise<Connection[]> {
    return this.connections.page(options, limit);
  }

  private userId(): string {
    const actor = OrgContext.actor();
    if (actor.type !== 'user') throw new Error('Connections are managed by users');
    return actor.id;
  }
}

function revokedPatch(connection: Connection, deletedAt: Date): ConnectionPatch {
  return {
    status: 'REVOKED',
    statusReason: null,
    deletedAt,
    domainSlot: `${connection.oktaDomain}#revoked#${connection.id}`,
    nextSyncAt: null,
  };
}
