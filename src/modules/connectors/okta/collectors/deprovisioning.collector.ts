import {
  type Collector,
  type CollectorContext,
  type RunBounds,
  type RunContext,
} from '#src/modules/connectors/connector-driver.port';
import { type EvidenceItem } from '#src/modules/evidence/evidence.types';
import { emptyStats, type OktaApiClient } from '#src/modules/connectors/okta/okta-api.client';
import {
  DEPROVISIONING_EVENT,
  deprovisioningItem,
  type OktaLogEvent,
} from '#src/modules/connectors/okta/okta.mapper';

export const DEPROVISIONING_EVENT_TYPES = [
  'user.lifecycle.deactivate',
  'user.lifecycle.suspend',
  'user.lifecycle.delete.initiated',
  'application.user_membership.remove',
  'group.user_membership.remove',
] as const;

const BACKFILL_MS = 30 * 86_400_000;
/** Okta may persist an event a little after its `published` time: re-read this much of the last window. */
const OVERLAP_MS = 15 * 60_000;

/**
 * `okta.deprovisioning_event`: a bounded 30-day backfill on the first run, then bounded windows from the
 * stored cursor with overlap. Events are facts: re-reading one yields the same fingerprint (no new row),
 * and they stay in our store after Okta's 90-day retention drops them (never closed as vanished).
 */
export class DeprovisioningCollector implements Collector {
  readonly evidenceType = DEPROVISIONING_EVENT;
  readonly endpoint = '/api/v1/logs';
  readonly filter = DEPROVISIONING_EVENT_TYPES.map((t) => `eventType eq "${t}"`).join(' or ');
  readonly closesVanished = false;
  readonly stats = emptyStats();

  constructor(private readonly client: (stats: typeof this.stats, bounds: RunBounds) => OktaApiClient) {}

  async *collect(context: CollectorContext): AsyncGenerator<EvidenceItem[]> {
    const api = this.client(this.stats, context);
    const until = context.now.getTime();
    const cursor = context.cursor.deprovisioningUntil;
    const since =
      cursor === undefined
        ? until - BACKFILL_MS
        : Math.max(until - BACKFILL_MS, Date.parse(cursor) - OVERLAP_MS);
    const query = new URLSearchParams({
      since: new Date(since).toISOString(),
      until: new Date(until).toISOString(),
      filter: this.filter,
      limit: '1000',
    });
    for await (const events of api.pages<OktaLogEvent>(`/api/v1/logs?${query.toString()}`)) {
      yield events.map(deprovisioningItem);
    }
  }

  cursorAfter(context: RunContext): Record<string, string> {
    return { deprovisioningUntil: context.now.toISOString() };
  }
}
