import { Injectable } from '@nestjs/common';
import { DomainError } from '#src/common/errors/domain.error';
import { TenantEvents } from '#src/common/graphql/tenant-events';
import { OnceClaims } from '#src/common/scheduling/once-claim';
import { OrgContext } from '#src/common/tenancy/org-context';
import { AuditService } from '#src/modules/audit/audit.service';
import { type Change } from '#src/modules/changes/changes.service';
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
    private readonly audit: AuditService,
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

  /** Opens the alert of a risky change, once ever (acknowledged or not); returns it when newly opened. */
  async openForChange(change: Change): Promise<Alert | undefined> {
    const alert = await this.alerts.insertOpen(
      'RISKY_CHANGE',
      change.connectionId,
      change.summary,
      change.id,
    );
    if (alert !== undefined) await this.publish(alert);
    return alert;
  }

  /**
   * An ADMIN acknowledges a risky change's alert: it resolves, names who acknowledged it, and is audited
   * (ALERT_ACKNOWLEDGE). Other alerts resolve by themselves when their condition clears; acknowledging one
   * is BAD_USER_INPUT, and an alert already acknowledged is a CONFLICT.
   */
  async acknowledge(id: string): Promise<Alert> {
    const alert = await this.alerts.findById(id);
    if (alert === undefined) throw DomainError.notFound('Alert');
    if (alert.kind !== 'RISKY_CHANGE')
      throw new DomainError(
        'BAD_USER_INPUT',
        `A ${alert.kind} alert resolves by itself when its condition clears; only RISKY_CHANGE alerts are acknowledged`,
        { field: 'id' },
      );
    if (alert.resolvedAt !== null || !(await this.claims.claim(`alert-resolve:${alert.id}`)))
      throw new DomainError('CONFLICT', 'The alert was already acknowledged');
    const actor = OrgContext.actor().id;
    await this.audit.append({
      action: 'ALERT_ACKNOWLEDGE',
      target: { type: 'alert', id: alert.id },
      details: { kind: alert.kind, changeId: alert.changeId, connectionId: alert.connectionId },
    });
    const acknowledged = await this.alerts.markResolved(alert.id, actor);
    if (acknowledged === undefined) throw DomainError.notFound('Alert');
    await this.publish(acknowledged);
    return acknowledged;
  }

  /** Risky changes not acknowledged yet (at `at`: opened by then and not acknowledged by then). */
  countUnacknowledged(at?: Date): Promise<number> {
    return this.alerts.countOpen('RISKY_CHANGE', at);
  }

  page(status: 'OPEN' | 'RESOLVED' | 'ALL', limit: number, beforeId?: string): Promise<Alert[]> {
    return this.alerts.page(status, limit, beforeId);
  }

  private publish(alert: Alert): Promise<void> {
    return this.events.publish(ALERTS_CHANNEL, alert);
  }
}
