import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { type Model, type QueryFilter, Types } from 'mongoose';
import { TenantRepository, toObjectId } from '#src/common/tenancy/tenant.repository';
import { AlertDocument, type AlertKind } from './coverage.schema';

export interface Alert {
  readonly id: string;
  readonly kind: AlertKind;
  readonly connectionId: string;
  readonly message: string;
  readonly openedAt: Date;
  readonly resolvedAt: Date | null;
  /** For RISKY_CHANGE: the change it is about. */
  readonly changeId: string | null;
  /** For RISKY_CHANGE: the admin who acknowledged it (its `resolvedAt`). */
  readonly acknowledgedBy: string | null;
}

/** Alerts of the organization in context. At most one alert per condition is open (unique `openKey`). */
@Injectable()
export class AlertsRepository extends TenantRepository<AlertDocument> {
  constructor(@InjectModel(AlertDocument.name) model: Model<AlertDocument>) {
    super(model);
  }

  /** Inserts an open alert; undefined when the same condition is already open. */
  async insertOpen(
    kind: AlertKind,
    connectionId: string,
    message: string,
    changeId?: string,
  ): Promise<Alert | undefined> {
    try {
      const doc = await this.model.create(
        this.owned({
          kind,
          connectionId: new Types.ObjectId(connectionId),
          message,
          openedAt: new Date(),
          openKey: `${kind}:${changeId ?? connectionId}`,
          changeId: changeId === undefined ? null : new Types.ObjectId(changeId),
        }),
      );
      return toAlert(doc.toObject());
    } catch (error) {
      if ((error as { code?: unknown }).code === 11000) return undefined;
      throw error;
    }
  }

  async findOpen(kind: AlertKind, connectionId: string): Promise<Alert | undefined> {
    const doc = await this.model
      .findOne(this.scope({ openKey: `${kind}:${connectionId}` }))
      .lean<AlertDocument>();
    return doc === null ? undefined : toAlert(doc);
  }

  async findById(id: string): Promise<Alert | undefined> {
    const _id = toObjectId(id);
    if (_id === undefined) return undefined;
    const doc = await this.model.findOne(this.scope({ _id })).lean<AlertDocument>();
    return doc === null ? undefined : toAlert(doc);
  }

  /**
   * Sets `resolvedAt` and frees the condition's `openKey` (a change's alert keeps it: a change never opens a
   * second alert); returns the alert as stored afterwards.
   */
  async markResolved(id: string, acknowledgedBy?: string): Promise<Alert | undefined> {
    const _id = new Types.ObjectId(id);
    await this.model.updateOne(this.scope({ _id }), {
      $set: {
        resolvedAt: new Date(),
        ...(acknowledgedBy === undefined ? { openKey: `resolved:${id}` } : { acknowledgedBy }),
      },
    });
    const doc = await this.model.findOne(this.scope({ _id })).lean<AlertDocument>();
    return doc === null ? undefined : toAlert(doc);
  }

  /** How many alerts of a kind were open at `at`. */
  countOpen(kind: AlertKind, at?: Date): Promise<number> {
    const filter: QueryFilter<AlertDocument> =
      at === undefined
        ? { kind, resolvedAt: null }
        : { kind, openedAt: { $lte: at }, $or: [{ resolvedAt: null }, { resolvedAt: { $gt: at } }] };
    return this.model.countDocuments(this.scope(filter));
  }

  async page(status: 'OPEN' | 'RESOLVED' | 'ALL', limit: number, beforeId?: string): Promise<Alert[]> {
    const filter: QueryFilter<AlertDocument> = {};
    if (status === 'OPEN') filter.resolvedAt = null;
    if (status === 'RESOLVED') filter.resolvedAt = { $ne: null };
    if (beforeId !== undefined) filter._id = { $lt: toObjectId(beforeId) };
    const docs = await this.model
      .find(this.scope(filter))
      .sort({ _id: -1 })
      .limit(limit)
      .lean<AlertDocument[]>();
    return docs.map(toAlert);
  }
}

function toAlert(doc: AlertDocument): Alert {
  return {
    id: doc._id.toHexString(),
    kind: doc.kind,
    connectionId: doc.connectionId.toHexString(),
    message: doc.message,
    openedAt: doc.openedAt,
    resolvedAt: doc.resolvedAt ?? null,
    changeId: doc.changeId?.toHexString() ?? null,
    acknowledgedBy: doc.acknowledgedBy ?? null,
  };
}
