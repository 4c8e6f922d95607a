import { Injectable, Logger } from '@nestjs/common';
import { Types } from 'mongoose';
import { DomainError } from '#src/common/errors/domain.error';
import { DomainEvents } from '#src/common/events/domain-events';
import { OrgContext } from '#src/common/tenancy/org-context';
import { OAuthExchangeError, type ServiceAppTokenSet } from '#src/modules/connectors/connector-driver.port';
import { ConnectorRegistry } from '#src/modules/connectors/connector.registry';
import { withLegacyAuditKeys } from '#src/modules/connectors/connector-definition';
import { DpopNonces } from '#src/modules/connectors/oauth/dpop';
import { generateKeyPairJwk, signingKey, type StoredKeyPair } from '#src/modules/connectors/oauth/jwk';
import { AuditService } from '#src/modules/audit/audit.service';
import './connection.events';
import { ConnectionAuthLock } from './connection-auth-lock';
import { type ServiceAppPublicKey } from './connection.schema';
import { type Connection } from './connection.types';
import { ConnectionsRepository } from './connections.repository';
import { type ConnectFieldNames, insertNewConnection, parseExternalTenant } from './connect-input';
import { ConnectionCredentialsStore } from './credentials.store';
import { ADMIN_FIXABLE_CODES, serviceAppAuth, serviceAppClient } from './service-app.client';

export interface ServiceAppConnectCommand {
  readonly externalTenant: string;
  readonly clientId: string;
}

/**
 * Service-app connections: `start` makes the key pairs (RS256 for `private_key_jwt`, ES256 for DPoP), seals
 * their private halves under the organization's data key and stores the connection PENDING_AUTHORIZATION
 * with the public key to show; `activate` gets a token with the client-credentials grant, checks the scopes
 * as the PKCE flow does, and makes the connection ACTIVE (audited CONNECT, or REAUTH when it was authorized
 * before). A refused activation leaves the connection as it was, with the reason.
 */
@Injectable()
export class ServiceAppFlowService {
  private readonly logger = new Logger('ServiceAppFlow');

  constructor(
    private readonly registry: ConnectorRegistry,
    private readonly connections: ConnectionsRepository,
    private readonly credentials: ConnectionCredentialsStore,
    private readonly audit: AuditService,
    private readonly events: DomainEvents,
    private readonly authLock: ConnectionAuthLock,
    private readonly nonces: DpopNonces,
  ) {}

  async start(
    key: string,
    command: ServiceAppConnectCommand,
    fields: ConnectFieldNames,
  ): Promise<Connection> {
    const driver = this.registry.requested(key);
    serviceAppAuth(driver);
    const externalTenant = parseExternalTenant(driver, command.externalTenant, fields);
    const userId = userIdInContext();
    const id = new Types.ObjectId().toHexString();
    const [clientKey, dpopKey] = await Promise.all([
      generateKeyPairJwk('RS256'),
      generateKeyPairJwk('ES256'),
    ]);
    // Seal before anything is stored, so a key-service failure leaves nothing behind.
    const sealed = await this.credentials.seal(id, { clientSecret: '', serviceApp: { clientKey, dpopKey } });
    const connection = await insertNewConnection(
      this.connections,
      {
        id,
        connectorKey: driver.definition.key,
        externalTenant,
        clientId: command.clientId,
        clientAuthMethod: 'CLIENT_SECRET_POST',
        authMode: 'SERVICE_APP',
        serviceAppKey: publicKeyOf(clientKey),
        createdBy: userId,
      },
      fields,
    );
    await this.credentials.writeSealed(id, sealed);
    return connection;
  }

  async activate(connectionId: string): Promise<Connection> {
    const connection = await this.connections.findById(connectionId);
    if (connection === undefined) throw DomainError.notFound('Connection');
    if (connection.authMode !== 'SERVICE_APP')
      throw new DomainError('BAD_USER_INPUT', 'connectionId: not a service-app connection', {
        field: 'connectionId',
      });
    const driver = this.registry.driver(connection.connectorKey);
    const auth = serviceAppAuth(driver);
    const creds = await this.credentials.read(connection.id);
    if (creds === undefined)
      throw new DomainError('CONNECTOR_UNAVAILABLE', 'The connection has no credentials');
    // After a rotation, activation proves the new key; until it succeeds the current key stays in use.
    const pending = creds.serviceApp?.pendingClientKey;
    const current = serviceAppClient(connection, creds);
    const client =
      pending === undefined
        ? current
        : { ...current, keys: { ...current.keys, client: signingKey(pending) } };
    const vendor = driver.definition.name;

    let tokens: ServiceAppTokenSet;
    try {
      tokens = await auth.token(client, this.nonces);
    } catch (error) {
      if (!(error instanceof OAuthExchangeError)) throw error;
      this.logger.warn(`service-app activation failed for connection ${connection.id}: ${error.code}`);
      // A working connection keeps working (with its current key): only one not working yet gets the reason.
      if (connection.status !== 'ACTIVE')
        await this.noteReason(connection.id, `activation_failed: ${error.code}`);
      throw new DomainError(
        ADMIN_FIXABLE_CODES.includes(error.code) ? 'BAD_USER_INPUT' : 'CONNECTOR_UNAVAILABLE',
        error.message,
      );
    }

    const scopes = driver.auth.checkScopes(tokens.scope);
    if (!scopes.ok) {
      const revoked = await auth.revoke(client, tokens.accessToken);
      const parts = [
        scopes.missing.length > 0 ? `missing ${scopes.missing.join(' ')}` : '',
        scopes.excess.length > 0 ? `not read-only ${scopes.excess.join(' ')}` : '',
      ].filter((p) => p !== '');
      this.logger.warn(
        `connection ${connection.id}: scopes rejected (${parts.join('; ')}); token revoked: ${revoked}`,
      );
      if (connection.status !== 'ACTIVE')
        await this.noteReason(connection.id, `scope_rejected: ${parts.join('; ')}`);
      throw new DomainError(
        'BAD_USER_INPUT',
        `${vendor} granted the wrong scopes (${parts.join('; ')}): grant the app exactly the read scopes`,
      );
    }
    return this.store(connection, tokens, scopes.granted, async () => {
      await auth.revoke(client, tokens.accessToken);
    });
  }

  /**
   * A new client key pair for a service-app connection, pending until `activate` succeeds with it (the admin
   * adds its public key to the vendor app first); the connection keeps using its current key meanwhile. A
   * second rotation replaces a pending key that was never activated.
   */
  async rotate(connectionId: string): Promise<Connection> {
    const connection = await this.connections.findById(connectionId);
    if (connection === undefined) throw DomainError.notFound('Connection');
    if (connection.authMode !== 'SERVICE_APP')
      throw new DomainError('BAD_USER_INPUT', 'connectionId: not a service-app connection', {
        field: 'connectionId',
      });
    const creds = await this.credentials.read(connection.id);
    if (creds?.serviceApp === undefined)
      throw new DomainError('CONNECTOR_UNAVAILABLE', 'The connection has no credentials');
    const pending = await generateKeyPairJwk('RS256');
    const sealed = await this.credentials.seal(connection.id, {
      ...creds,
      serviceApp: { ...creds.serviceApp, pendingClientKey: pending },
    });
    const rotated = await this.authLock.run(connection.id, async () => {
      const latest = await this.credentials.read(connection.id);
      // Only over the credentials we read (a token fetch or activation may have written meanwhile).
      if (
        latest?.accessToken !== creds.accessToken ||
        latest?.serviceApp?.clientKey.publicJwk.kid !== creds.serviceApp?.clientKey.publicJwk.kid
      )
        return undefined;
      await this.credentials.writeSealed(connection.id, sealed);
      return this.connections.setServiceAppKeys(connection.id, {
        serviceAppPendingKey: publicKeyOf(pending),
      });
    });
    if (!rotated.acquired || rotated.value === undefined)
      throw new DomainError('CONFLICT', 'The connection changed while its key was rotated; try again');
    return rotated.value;
  }

  /** Stores the token and makes the connection ACTIVE under its auth lease, only while it is not revoked. */
  private async store(
    connection: Connection,
    tokens: ServiceAppTokenSet,
    granted: string[],
    revokeReceived: () => Promise<void>,
  ): Promise<Connection> {
    const now = new Date();
    const creds = await this.credentials.read(connection.id);
    if (creds === undefined) throw DomainError.notFound('Connection');
    const keys = creds.serviceApp;
    const promoted = keys?.pendingClientKey;
    const sealed = await this.credentials.seal(connection.id, {
      ...creds,
      ...(keys === undefined || promoted === undefined
        ? {}
        : { serviceApp: { clientKey: promoted, dpopKey: keys.dpopKey } }),
      accessToken: tokens.accessToken,
      accessTokenType: tokens.tokenType,
      accessTokenExpiresAt: new Date(now.getTime() + tokens.expiresInSeconds * 1000).toISOString(),
    });
    const purpose = connection.authorizedAt === null ? 'CONNECT' : 'REAUTH';
    const stored = await this.authLock.run(connection.id, async () => {
      const current = await this.connections.findById(connection.id, { includeRevoked: true });
      if (current === undefined || current.deletedAt !== null) return undefined;
      // Another rotation or activation changed the keys meanwhile: this token proves nothing about them.
      const latest = await this.credentials.read(connection.id);
      if (latest?.serviceApp?.pendingClientKey?.publicJwk.kid !== promoted?.publicJwk.kid) return undefined;
      await this.credentials.writeSealed(connection.id, sealed);
      if (promoted !== undefined)
        await this.connections.setServiceAppKeys(connection.id, {
          serviceAppKey: publicKeyOf(promoted),
          serviceAppPendingKey: null,
        });
      const updated = await this.connections.markActive(connection.id, {
        grantedScopes: granted,
        authorizedAt: now,
        reauthDueAt: null,
      });
      if (updated === undefined || updated.deletedAt !== null) {
        await this.credentials.remove(connection.id);
        return undefined;
      }
      await this.audit.append({
        action: purpose,
        target: { type: 'connection', id: connection.id },
        details: withLegacyAuditKeys(this.registry.get(connection.connectorKey), {
          externalTenant: connection.externalTenant,
          grantedScopes: granted,
          authMode: 'SERVICE_APP',
          dpop: tokens.tokenType === 'DPoP',
          keyId: promoted?.publicJwk.kid ?? connection.serviceAppKey?.kid ?? null,
          ...(promoted === undefined ? {} : { rotatedFrom: connection.serviceAppKey?.kid ?? null }),
        }),
      });
      return updated;
    });
    if (!stored.acquired || stored.value === undefined) {
      await revokeReceived();
      throw new DomainError(
        'CONFLICT',
        stored.acquired
          ? 'The connection was revoked, or its key rotated, meanwhile; try again'
          : 'The connection is being authorized or revoked right now; try again',
      );
    }
    await this.events.emit('connection.authorized', { connectionId: connection.id, purpose });
    return stored.value;
  }

  private async noteReason(connectionId: string, statusReason: string): Promise<void> {
    await this.authLock.run(connectionId, () =>
      this.connections.patchUnderAuthLease(connectionId, { statusReason }),
    );
  }
}

function publicKeyOf(pair: StoredKeyPair): ServiceAppPublicKey {
  return {
    kid: pair.publicJwk.kid,
    thumbprint: pair.publicJwk.kid,
    alg: pair.alg,
    publicJwk: JSON.stringify(pair.publicJwk),
    createdAt: new Date(),
  };
}

function userIdInContext(): string {
  const actor = OrgContext.actor();
  if (actor.type !== 'user') throw new Error('Connections are managed by users');
  return actor.id;
}
