import { Injectable } from '@nestjs/common';
import { OnDomainEvent } from '#src/common/events/domain-events';
import '#src/modules/connectors/sync/sync.events';
import { ChangesService } from '#src/modules/changes/changes.service';
import { AlertsService } from './alerts.service';

/** How far back a finished run looks for risky changes without an alert (a run that died before opening them). */
const LOOKBACK_MS = 24 * 3_600_000;
const PAGE = 200;

/**
 * After every run, in its organization: each risky change the connection's runs of the last day found gets
 * its RISKY_CHANGE alert (once ever: a change already alerted, acknowledged or not, is skipped by the alert's
 * unique key). Looking back a day rather than at this run alone also opens the alerts of a run whose
 * instance died between recording its changes and finishing.
 */
@Injectable()
export class RiskyChangeAlerts {
  constructor(
    private readonly changes: ChangesService,
    private readonly alerts: AlertsService,
  ) {}

  @OnDomainEvent('sync.finished')
  async onSyncFinished(event: { readonly connectionId: string }): Promise<void> {
    const since = new Date(Date.now() - LOOKBACK_MS);
    let beforeId: string | undefined;
    for (;;) {
      const page = await this.changes.page(
        { connectionId: event.connectionId, since, risky: true },
        PAGE,
        beforeId,
      );
      for (const change of page) await this.alerts.openForChange(change);
      if (page.length < PAGE) return;
      beforeId = page.at(-1)?.id;
    }
  }
}
