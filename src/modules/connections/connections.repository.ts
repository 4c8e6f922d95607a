import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { type Model, type QueryFilter, Types } from 'mongoose';
import { LEGACY_TENANT_FIELD } from './migrations/legacy-tenant-field';
import { TenantRepository, toObjectId } from '#src/common/tenancy/tenant.repository';
import { ConnectionAuthLock } from './connection-auth-lock';
import {
  type ClientAuthMethod,
  type ConnectionAuthMode,
  ConnectionDocument,
  type ConnectionStatus,
  type ServiceAppPublicKey,
} from './connection.schema';
import { type Connection } from './connection.types';

export class DuplicateConnectionError extends Error {}

const QUERY_MAX_TIME_MS = 10_000;

/** What may change without a status transition. */
export interface ConnectionPatch {
  readonly statusReason?: string | null;
}

/** The fields a status transition writes (see `markActive`, `markNeedsReauth`, `markRevoked`). */
interface TransitionPatch extends ConnectionPatch {
  readonly status: ConnectionStatus;
  readonly grantedScopes?: readonly string[];
  readonly authorizedAt?: Date;
  readonly reauthDueAt?: Date | null;
  readonly deletedAt?: Date;
  readonly domainSlot?: string;
  readonly nextSyncAt?: Date | null;
}

/** The unique slot of a live connection: one per account at a vendor and organization. */
export function liveSlot(connectorKey: string, externalTenant: string): string {
  return `${connectorKey}:${externalTenant}`;
}

/** Named queries over `connections` for the organization in context. */
@Injectable()
export class ConnectionsRepository extends TenantRepository<ConnectionDocument> implements OnModuleInit {
  constructor(
    @InjectModel(ConnectionDocument.name) model: Model<ConnectionDocument>,
    private readonly authLock: ConnectionAuthLock,
  ) {
    super(model);
  }

  async onModuleInit(): Promise<void> {
    await this.model.init();
    await migrateExternalTenant(this.model.collection);
  }

  async insert(fields: {
    id: string;
    connectorKey: string;
    externalTenant: string;
    clientId: string;
    clientAuthMethod: ClientAuthMethod;
    authMode?: ConnectionAuthMode;
    serviceAppKey?: ServiceAppPublicKey;
    createdBy: string;
  }): Promise<Connection> {
    try {
      const doc = await this.model.create(
        this.owned({
          _id: toObjectId(fields.id),
          connectorKey: fields.connectorKey,
          externalTenant: fields.externalTenant,
          clientId: fields.clientId,
          clientAuthMethod: fields.clientAuthMethod,
          authMode: fields.authMode ?? 'OAUTH_PKCE',
          serviceAppKey: fields.serviceAppKey ?? null,
          createdBy: fields.createdBy,
          domainSlot: liveSlot(fields.connectorKey, fields.externalTenant),
          status: 'PENDING_AUTHORIZATION' as const,
        }),
      );
      return toConnection(doc.toObject());
    } catch (error) {
      if ((error as { code?: unknown }).code === 11000) throw new DuplicateConnectionError();
      throw error;
    }
  }

  async findById(id: string, options: { includeRevoked?: boolean } = {}): Promise<Connection | undefined> {
    const _id = toObjectId(id);
    if (_id === undefined) return undefined;
    const filter: QueryFilter<ConnectionDocument> = { _id };
    if (options.includeRevoked !== true) filter.deletedAt = null;
    const doc = await this.model.findOne(this.scope(filter)).lean<ConnectionDocument>();
    return doc === null ? undefined : toConnection(doc);
  }

  /** Newest first; keyset on `_id`. */
  async page(
    options: { includeRevoked: boolean; connectorKey?: string; beforeId?: string },
    limit: number,
  ): Promise<Connection[]> {
    const filter: QueryFilter<ConnectionDocument> = {};
    if (!options.includeRevoked) filter.deletedAt = null;
    if (options.connectorKey !== undefined) filter.connectorKey = options.connectorKey;
    if (options.beforeId !== undefined) filter._id = { $lt: toObjectId(options.beforeId) };
    const docs = await this.model
      .find(this.scope(filter))
      .sort({ _id: -1 })
      .limit(limit)
      .lean<ConnectionDocument[]>();
    return docs.map(toConnection);
  }

  /** Revoked connections whose retention window ended and whose history was not purged yet. */
  async findRevokedBefore(cutoff: Date): Promise<Connection[]> {
    const docs = await this.model
      .find(this.scope({ status: 'REVOKED', deletedAt: { $lt: cutoff }, purgedAt: null }))
      .lean<ConnectionDocument[]>();
    return docs.map(toConnection);
  }

  async markPurged(id: string, at: Date): Promise<void> {
    await this.model.updateOne(this.scope({ _id: new Types.ObjectId(id) }), { $set: { purgedAt: at } });
  }

  /** ACTIVE connections whose next sync is due, oldest first. */
  async findDue(now: Date, limit: number): Promise<Connection[]> {
    const docs = await this.model
      .find(this.scope({ status: 'ACTIVE', deletedAt: null, nextSyncAt: { $lte: now } }))
      .sort({ nextSyncAt: 1 })
      .limit(limit)
      .lean<ConnectionDocument[]>();
    return docs.map(toConnection);
  }

  /**
   * Sync bookkeeping of a live connection; a revoked one is left as it is. Written under the connection's
   * auth lease: FerretDB 1.x rewrites the whole document, so an unserialized write could undo a revoke.
   */
  async recordSync(
    id: string,
    fields: {
      lastSyncAt?: Date;
      lastSuccessfulSyncAt?: Date;
      nextSyncAt?: Date;
      syncState?: Record<string, string>;
    },
  ): Promise<void> {
    const $set: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(fields)) {
      if (key === 'syncState') {
        for (const [field, cursor] of Object.entries(value as Record<string, string>))
          $set[`syncState.${field}`] = cursor;
      } else if (value !== undefined) {
        $set[key] = value;
      }
    }
    if (Object.keys($set).length === 0) return;
    await this.underAuthLease(id, () =>
      this.model.updateOne(this.scope({ _id: new Types.ObjectId(id), deletedAt: null }), { $set }),
    );
  }

  /**
   * A service app's public keys: a rotation's pending key, or the pending key promoted to current. Under the
   * connection's auth lease (FerretDB rewrites the whole document); live service-app connections only.
   */
  async setServiceAppKeys(
    id: string,
    keys: { serviceAppKey?: ServiceAppPublicKey; serviceAppPendingKey: ServiceAppPublicKey | null },
  ): Promise<Connection | undefined> {
    const _id = toObjectId(id);
    if (_id === undefined) return undefined;
    await this.model
      .updateOne(this.scope({ _id, deletedAt: null, authMode: 'SERVICE_APP' }), { $set: { ...keys } })
      .maxTimeMS(QUERY_MAX_TIME_MS);
    return this.findById(id);
  }

  /** ACTIVE, with what the authorization granted. Under the connection's auth lease (`patchUnderAuthLease`). */
  markActive(
    id: string,
    /** `reauthDueAt` null: the authorization does not expire (a service app). */
    fields: { grantedScopes: readonly string[]; authorizedAt: Date; reauthDueAt: Date | null },
  ): Promise<Connection | undefined> {
    return this.transition(id, {
      status: 'ACTIVE',
      statusReason: null,
      ...fields,
      nextSyncAt: fields.authorizedAt,
    });
  }

  /** NEEDS_REAUTH: unreadable until an admin authorizes again. Under the connection's auth lease. */
  markNeedsReauth(id: string, statusReason: string): Promise<Connection | undefined> {
    return this.transition(id, { status: 'NEEDS_REAUTH', statusReason });
  }

  /** REVOKED and soft-deleted, its slot freed for a new connection. Under the connection's auth lease. */
  markRevoked(connection: Connection, deletedAt: Date): Promise<Connection | undefined> {
    return this.transition(
      connection.id,
      {
        status: 'REVOKED',
        statusReason: null,
        deletedAt,
        domainSlot: `${liveSlot(connection.connectorKey, connection.externalTenant)}#revoked#${connection.id}`,
        nextSyncAt: null,
      },
      { includeRevoked: true },
    );
  }

  /**
   * Applies a patch to a live connection (`deletedAt: null`).
   * Returns the connection as it is after the write, revoked or not, or undefined if it does not exist.
   * Only for callers holding `ConnectionAuthLock` for the connection: the filter alone is not atomic on
   * FerretDB 1.x, so they also check the returned state (docs/adr/0007).
   */
  patchUnderAuthLease(id: string, patch: ConnectionPatch): Promise<Connection | undefined> {
    return this.transition(id, patch);
  }

  /** The one writer of status (`includeRevoked` for the revoke itself), under the connection's auth lease. */
  private async transition(
    id: string,
    patch: ConnectionPatch | TransitionPatch,
    options: { includeRevoked?: boolean } = {},
  ): Promise<Connection | undefined> {
    const _id = toObjectId(id);
    if (_id === undefined) return undefined;
    const filter: QueryFilter<ConnectionDocument> = { _id };
    if (options.includeRevoked !== true) filter.deletedAt = null;
    await this.model.updateOne(this.scope(filter), { $set: { ...patch } });
    return this.findById(id, { includeRevoked: true });
  }

  private async underAuthLease<T>(id: string, write: () => Promise<T>): Promise<T> {
    const done = await this.authLock.run(id, write);
    if (!done.acquired)
      throw new Error(`connection ${id}: its authorization is being changed right now; write not applied`);
    return done.value;
  }
}

/**
 * Connections stored before connectors were generic name the external tenant by the first connector's own
 * field, and their live slot is the bare tenant. Rewrites each such document once, at start-up (idempotent;
 * a system task over every organization, so through the driver collection, not the tenant-scoped model).
 * Reads fall back on the old field meanwhile (`toConnection`). A document that cannot be migrated (no
 * tenant, or another live connection already holds the new slot) is logged and left as it is: the service
 * starts all the same. Instances of the previous release write the old shape: stop them before this one
 * starts (README, "Upgrading").
 */
async function migrateExternalTenant(collection: Model<ConnectionDocument>['collection']): Promise<void> {
  const logger = new Logger('Connections');
  const legacy = await collection
    .find(
      { externalTenant: { $exists: false } },
      { projection: { [LEGACY_TENANT_FIELD]: 1, connectorKey: 1, domainSlot: 1 } },
    )
    .maxTimeMS(60_000)
    .toArray();
  for (const doc of legacy) {
    const id = String(doc._id);
    const tenant = doc[LEGACY_TENANT_FIELD] as unknown;
    if (typeof tenant !== 'string' || tenant === '') {
      logger.error(`connection ${id}: no external tenant to migrate; left as it is`);
      continue;
    }
    const live = doc.domainSlot === tenant;
    try {
      await collection.updateOne(
        // The slot as read: a revoke in between (its slot rewritten) is not undone.
        { _id: doc._id, externalTenant: { $exists: false }, domainSlot: doc.domainSlot as unknown },
        {
          $set: {
            externalTenant: tenant,
            ...(live ? { domainSlot: liveSlot(String(doc.connectorKey), tenant) } : {}),
          },
        },
      );
    } catch (error) {
      if ((error as { code?: unknown }).code !== 11000) throw error;
      logger.error(
        `connection ${id}: another live connection to ${tenant} holds its slot; left unmigrated (revoke one of them)`,
      );
    }
  }
}

/** The tenant of a document written before `externalTenant` existed, until the start-up migration reaches it. */
function legacyTenant(doc: ConnectionDocument): string {
  const value = (doc as unknown as Record<string, unknown>)[LEGACY_TENANT_FIELD];
  return typeof value === 'string' ? value : '';
}

export function toConnection(doc: ConnectionDocument): Connection {
  return {
    id: doc._id.toHexString(),
    organizationId: doc.organizationId.toHexString(),
    connectorKey: doc.connectorKey,
    externalTenant: doc.externalTenant ?? legacyTenant(doc),
    clientId: doc.clientId,
    clientAuthMethod: doc.clientAuthMethod ?? 'CLIENT_SECRET_POST',
    authMode: doc.authMode ?? 'OAUTH_PKCE',
    serviceAppKey: doc.serviceAppKey ?? null,
    serviceAppPendingKey: doc.serviceAppPendingKey ?? null,
    status: doc.status,
    statusReason: doc.statusReason ?? null,
    grantedScopes: doc.grantedScopes ?? [],
    authorizedAt: doc.authorizedAt ?? null,
    reauthDueAt: doc.reauthDueAt ?? null,
    lastSyncAt: doc.lastSyncAt ?? null,
    lastSuccessfulSyncAt: doc.lastSuccessfulSyncAt ?? null,
    nextSyncAt: doc.nextSyncAt ?? null,
    syncState: doc.syncState ?? {},
    createdBy: doc.createdBy,
    createdAt: doc.createdAt,
    deletedAt: doc.deletedAt ?? null,
  };
}
