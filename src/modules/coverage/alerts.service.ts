import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { type Model, type QueryFilter, Types } from 'mongoose';
import { TenantEvents } from '#src/common/graphql/tenant-events';
import { OnceClaims } from '#src/common/scheduling/once-claim';
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
    private readonly events: TenantEvents,
    private readonly claims: OnceClaims,
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

  /**
   * Resolves the open alert of this condition; returns it for the one caller that resolved it. Exactly once
   * per alert (one `resolvedAt`, one event): the claim `alert-resolve:<alertId>` decides, since a
   * conditional update is not atomic on FerretDB 1.x (docs/adr/0007).
   */
  async resolve(kind: AlertKind, connectionId: string): Promise<Alert | undefined> {
    const open = await this.model
      .findOne(this.scope({ openKey: `${kind}:${connectionId}` }))
      .lean<AlertDocument>();
    if (open === null) return undefined;
    const id = open._id.toHexString();
    if (!(await this.claims.claim(`alert-resolve:${id}`))) return undefined;
    await this.model.updateOne(this.scope({ _id: open._id }), {
      $set: { resolvedAt: new Date(), openKey: `resolved:${id}` },
    });
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
    return this.events.publish(ALERTS_CHANNEL, alert);
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
