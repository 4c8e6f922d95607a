import { Injectable } from '@nestjs/common';
import { Types } from 'mongoose';
import { DomainError } from '#src/common/errors/domain.error';
import { DomainEvents } from '#src/common/events/domain-events';
import { OrgContext } from '#src/common/tenancy/org-context';
import { type RevocationOutcome } from '#src/modules/connectors/connector-driver.port';
import { ConnectorRegistry } from '#src/modules/connectors/connector.registry';
import { DpopNonces } from '#src/modules/connectors/oauth/dpop';
import { withLegacyAuditKeys } from '#src/modules/connectors/connector-definition';
import { AuditService } from '#src/modules/audit/audit.service';
import './connection.events';
import { ConnectionAuthLock } from './connection-auth-lock';
import { type Connection } from './connection.types';
import { ConnectionsRepository } from './connections.repository';
import { type ClientAuthMethod } from './connection.schema';
import {
  type ConnectFieldNames,
  GENERIC_FIELDS,
  insertNewConnection,
  parseExternalTenant,
} from './connect-input';
import { ConnectionCredentialsStore } from './credentials.store';
import { serviceAppClient } from './service-app.client';
import { OAuthFlowService } from './oauth-flow.service';

export interface ConnectCommand {
  readonly externalTenant: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly clientAuthMethod?: ClientAuthMethod | null;
}

export type { ConnectFieldNames };

/** Connect, re-authorize, revoke and read connections of the organization in context. */
@Injectable()
export class ConnectionsService {
  constructor(
    private readonly registry: ConnectorRegistry,
    private readonly connections: ConnectionsRepository,
    private readonly credentials: ConnectionCredentialsStore,
    private readonly flow: OAuthFlowService,
    private readonly audit: AuditService,
    private readonly events: DomainEvents,
    private readonly authLock: ConnectionAuthLock,
    private readonly nonces: DpopNonces,
  ) {}

  /**
   * Starts connecting the organization's account at the vendor of connector `key` (NOT_FOUND when no such
   * connector is installed): stores the connection, PENDING_AUTHORIZATION, with its sealed client secret,
   * and returns where to send the admin's browser. Input the driver refuses is BAD_USER_INPUT naming the
   * field, as `fields` calls it.
   */
  async connect(
    key: string,
    command: ConnectCommand,
    fields: ConnectFieldNames = GENERIC_FIELDS,
  ): Promise<{ connection: Connection; authorizeUrl: string }> {
    const driver = this.registry.requested(key);
    const externalTenant = parseExternalTenant(driver, command.externalTenant, fields);
    const userId = this.userId();
    const id = new Types.ObjectId().toHexString();
    // Seal before anything is stored, so a key-service failure leaves nothing behind.
    const sealed = await this.credentials.seal(id, { clientSecret: command.clientSecret });
    const connection = await insertNewConnection(
      this.connections,
      {
        id,
        connectorKey: driver.definition.key,
        externalTenant,
        clientId: command.clientId,
        clientAuthMethod: command.clientAuthMethod ?? 'CLIENT_SECRET_BASIC',
        createdBy: userId,
      },
      fields,
    );
    await this.credentials.writeSealed(id, sealed);
    return { connection, authorizeUrl: await this.flow.start(connection, 'CONNECT', userId) };
  }

  async reauthorize(connectionId: string): Promise<{ connection: Connection; authorizeUrl: string }> {
    const connection = await this.get(connectionId);
    if (connection.authMode === 'SERVICE_APP')
      throw new DomainError(
        'BAD_USER_INPUT',
        'connectionId: a service-app connection has no browser authorization; activate it again (activateServiceApp)',
        { field: 'connectionId' },
      );
    return { connection, authorizeUrl: await this.flow.start(connection, 'REAUTH', this.userId()) };
  }

  /**
   * Soft-deletes the connection, then revokes its tokens at the vendor (best effort) and deletes the
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
      const revoked = await this.connections.markRevoked(current, new Date());
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
    const revocation = await this.revokeAtVendor(connection);
    await this.credentials.remove(connection.id);
    if (first) {
      await this.audit.append({
        action: 'REVOKE',
        target: { type: 'connection', id: connection.id },
        details: withLegacyAuditKeys(this.registry.get(connection.connectorKey), {
          externalTenant: connection.externalTenant,
          revocation,
        }),
      });
      await this.events.emit('connection.revoked', { connectionId: connection.id });
    }
    // Re-check after writing: should a write have undone the mark anyway (an expired lease), apply it again.
    const checked = await this.authLock.run(connection.id, async () => {
      const after = await this.connections.findById(connection.id, { includeRevoked: true });
      if (after === undefined || (after.status === 'REVOKED' && after.deletedAt !== null)) return after;
      return this.connections.markRevoked(after, connection.deletedAt ?? new Date());
    });
    return (checked.acquired ? checked.value : undefined) ?? connection;
  }

  /**
   * Best effort: revokes the grant at the vendor with the connection's own client (a service app: its current
   * access token, authenticated with its private key, which is deleted with the credentials right after).
   */
  private async revokeAtVendor(connection: Connection): Promise<RevocationOutcome> {
    const creds = await this.credentials.read(connection.id);
    if (creds === undefined) return 'no_token';
    if (this.registry.find(connection.connectorKey) === undefined) return 'failed: connector not installed';
    if (connection.authMode === 'SERVICE_APP') {
      this.nonces.forget(connection.id);
      const auth = this.registry.driver(connection.connectorKey).auth.serviceApp;
      if (auth === undefined || creds.serviceApp === undefined) return 'no_token';
      return auth.revoke(serviceAppClient(connection, creds), creds.accessToken);
    }
    return this.registry.driver(connection.connectorKey).auth.revoke(
      {
        externalTenant: connection.externalTenant,
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

  /** A live connection (a revoked one with `includeRevoked`), or undefined. */
  find(connectionId: string, options: { includeRevoked?: boolean } = {}): Promise<Connection | undefined> {
    return this.connections.findById(connectionId, options);
  }

  page(
    options: { includeRevoked: boolean; connectorKey?: string; beforeId?: string },
    limit: number,
  ): Promise<Connection[]> {
    return this.connections.page(options, limit);
  }

  /** ACTIVE connections whose next sync is due, oldest first. */
  due(now: Date, limit: number): Promise<Connection[]> {
    return this.connections.findDue(now, limit);
  }

  /** Sync bookkeeping (times, cursors) of a live connection; a revoked one is left as it is. */
  recordSync(
    connectionId: string,
    fields: Parameters<ConnectionsRepository['recordSync']>[1],
  ): Promise<void> {
    return this.connections.recordSync(connectionId, fields);
  }

  /**
   * The transition to NEEDS_REAUTH (a live connection only), audited as SYNC_FAILURE with `audit` when given,
   * then `connection.needsReauth`. Returns what happened: `revoked` (nothing written) or `busy` (its
   * authorization is being changed right now; nothing written).
   */
  async markNeedsReauth(
    connectionId: string,
    statusReason: string,
    reason: string,
    audit?: Readonly<Record<string, unknown>>,
  ): Promise<'marked' | 'revoked' | 'busy'> {
    const marked = await this.authLock.run(connectionId, async () => {
      const updated = await this.connections.markNeedsReauth(connectionId, statusReason);
      if (updated === undefined || updated.deletedAt !== null) return false;
      if (audit !== undefined) {
        await this.audit.append({
          action: 'SYNC_FAILURE',
          target: { type: 'connection', id: connectionId },
          details: { ...audit },
        });
      }
      return true;
    });
    if (!marked.acquired) return 'busy';
    if (!marked.value) return 'revoked';
    await this.events.emit('connection.needsReauth', { connectionId, reason });
    return 'marked';
  }

  /** For retention: revoked connections whose window ended and whose history was not purged yet. */
  revokedBefore(cutoff: Date): Promise<Connection[]> {
    return this.connections.findRevokedBefore(cutoff);
  }

  markPurged(connectionId: string, at: Date): Promise<void> {
    return this.connections.markPurged(connectionId, at);
  }

  private userId(): string {
    const actor = OrgContext.actor();
    if (actor.type !== 'user') throw new Error('Connections are managed by users');
    return actor.id;
  }
}
