import { Injectable } from '@nestjs/common';
import { TenantEvents } from '#src/common/graphql/tenant-events';
import { OnceClaims } from '#src/common/scheduling/once-claim';
import { type Alert, AlertsRepository } from './alerts.repository';
import { type AlertKind } from './coverage.schema';

export const ALERTS_CHANNEL = 'alerts.changed';

/** Opens an alert once per condition and resolves it; every change is published to the organization only. */
@Injectable()
export class AlertsService {
  constructor(
    private readonly alerts: AlertsRepository,
    private readonly events: TenantEvents,
    private readonly claims: OnceClaims,
  ) {}

  /** Opens the alert unless the same condition is already open; returns it when newly opened. */
  async open(kind: AlertKind, connectionId: string, message: string): Promise<Alert | undefined> {
    const alert = await this.alerts.insertOpen(kind, connectionId, message);
    if (alert !== undefined) await this.publish(alert);
    return alert;
  }

  /**
   * Resolves the open alert of this condition; returns it for the one caller that resolved it. Exactly once
   * per alert (one `resolvedAt`, one event): the claim `alert-resolve:<alertId>` decides, since a
   * conditional update is not atomic on FerretDB 1.x (docs/adr/0007).
   */
  async resolve(kind: AlertKind, connectionId: string): Promise<Alert | undefined> {
    const open = await this.alerts.findOpen(kind, connectionId);
    if (open === undefined) return undefined;
    if (!(await this.claims.claim(`alert-resolve:${open.id}`))) return undefined;
    const alert = await this.alerts.markResolved(open.id);
    if (alert === undefined) return undefined;
    await this.publish(alert);
    return alert;
  }

  page(status: 'OPEN' | 'RESOLVED' | 'ALL', limit: number, beforeId?: string): Promise<Alert[]> {
    return this.alerts.page(status, limit, beforeId);
  }

  private publish(alert: Alert): Promise<void> {
    return this.events.publish(ALERTS_CHANNEL, alert);
  }
}
