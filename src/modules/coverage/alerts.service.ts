import { Inject, Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { type Model, type QueryFilter, Types } from 'mongoose';
import { PUB_SUB, type PubSubEngine, type TenantEvent } from '#src/common/graphql/pubsub';
import { OrgContext } from '#src/common/tenancy/org-context';
import { TenantRepository, toObjectId } from '#src/common/tenancy/tenant.repository';
import { AlertDocument, type AlertKind } from './coverage.schema';

export const ALERTS_CHANNEL = 'alerts.changed';

export interface Alert {
  readonly id: string;
  readonly kind: AlertKind;
  readonly connectionId: string;
  readonly message: string;
  readonly openedAt: Date;
  readonly resolvedAt: Date | null;
}

/** Opens an alert once per condition and resolves it; every change is published to the organization only. */
@Injectable()
export class AlertsService extends TenantRepository<AlertDocument> {
  constructor(
    @InjectModel(AlertDocument.name) model: Model<AlertDocument>,
    @Inject(PUB_SUB) private readonly pubSub: PubSubEngine,
  ) {
    super(model);
  }

  /** Opens the alert unless the same condition is already open; returns it when newly opened. */
  async open(kind: AlertKind, connectionId: string, message: string): Promise<Alert | undefined> {
    try {
      const doc = await this.model.create(
        this.owned({
          kind,
          connectionId: new Types.ObjectId(connectionId),
          message,
          openedAt: new Date(),
          openKey: `${kind}:${connectionId}`,
        }),
      );
      const alert = toAlert(doc.toObject());
      await this.publish(alert);
      return alert;
    } catch (error) {
      if ((error as { code?: unknown }).code === 11000) return undefined;
      throw error;
    }
  }

  async resolve(kind: AlertKind, connectionId: string): Promise<Alert | undefined> {
    const open = await this.model
      .findOne(this.scope({ openKey: `${kind}:${connectionId}` }))
      .lean<AlertDocument>();
    if (open === null) return undefined;
    const result = await this.model.updateOne(this.scope({ _id: open._id, resolvedAt: null }), {
      $set: { resolvedAt: new Date(), openKey: `resolved:${open._id.toHexString()}` },
    });
    if (result.modifiedCount !== 1) return undefined;
    const doc = await this.model.findOne(this.scope({ _id: open._id })).lean<AlertDocument>();
    if (doc === null) return undefined;
    const alert = toAlert(doc);
    await this.publish(alert);
    return alert;
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

  private publish(alert: Alert): Promise<void> {
    const event: TenantEvent<Alert> = { organizationId: OrgContext.organizationId(), payload: alert };
    return this.pubSub.publish(ALERTS_CHANNEL, event);
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
  };
}
