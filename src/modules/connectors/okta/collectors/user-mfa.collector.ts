import {
  type Collector,
  type CollectorContext,
  type RunBounds,
  type RunContext,
} from '#src/modules/connectors/connector-driver.port';
import { type EvidenceItem } from '#src/modules/evidence/evidence.types';
import { emptyStats, type OktaApiClient } from '#src/modules/connectors/okta/okta-api.client';
import {
  type FactorSummary,
  type OktaFactor,
  type OktaLogEvent,
  type OktaUser,
  toFactors,
  USER_MFA,
  userMfaItem,
} from '#src/modules/connectors/okta/okta.mapper';

export const FACTOR_EVENT_TYPES = [
  'user.mfa.factor.activate',
  'user.mfa.factor.deactivate',
  'user.mfa.factor.reset_all',
  'user.mfa.factor.suspend',
  'user.mfa.factor.unsuspend',
  'user.mfa.factor.update',
] as const;

const USERS_PATH = `/api/v1/users?filter=${encodeURIComponent('status eq "ACTIVE"')}&limit=200`;
/** Events and user updates that straddle a run boundary are caught by re-reading a little of the past. */
const OVERLAP_MS = 10 * 60_000;

/**
 * `okta.user_mfa`: every active user with their factors. Factors are fetched for every user on the first
 * run and then at most once per `fullSweepIntervalMs`; in between only for users that are new, changed
 * (`lastUpdated` since the last run) or named in factor events of the System Log, and carried forward from
 * the stored evidence for everyone else. Streams one page (≤ 200 users) at a time.
 */
export class UserMfaCollector implements Collector {
  readonly evidenceType = USER_MFA;
  readonly endpoint = '/api/v1/users';
  readonly filter = 'status eq "ACTIVE"';
  readonly closesVanished = true;
  readonly carries = ['factors'] as const;
  readonly stats = emptyStats();
  private fullSweep = false;

  constructor(
    private readonly client: (stats: typeof this.stats, bounds: RunBounds) => OktaApiClient,
    private readonly fullSweepIntervalMs: number,
  ) {}

  async *collect(context: CollectorContext): AsyncGenerator<EvidenceItem[]> {
    const api = this.client(this.stats, context);
    const lastSweep =
      context.cursor.factorSweepAt === undefined ? undefined : Date.parse(context.cursor.factorSweepAt);
    this.fullSweep = lastSweep === undefined || context.now.getTime() - lastSweep >= this.fullSweepIntervalMs;
    const changedSince =
      context.cursor.usersCollectedAt === undefined
        ? undefined
        : Date.parse(context.cursor.usersCollectedAt) - OVERLAP_MS;
    const named = this.fullSweep ? new Set<string>() : await this.usersInFactorEvents(api, context);

    for await (const users of api.pages<OktaUser>(USERS_PATH)) {
      yield await Promise.all(
        users.map(async (user) => {
          const before = this.fullSweep ? undefined : context.carried(user.id)?.factors;
          const changed = changedSince === undefined || Date.parse(user.lastUpdated ?? '') >= changedSince;
          if (Array.isArray(before) && !changed && !named.has(user.id)) {
            return userMfaItem(user, before as FactorSummary[]);
          }
          const factors = await api.get<OktaFactor[]>(`/api/v1/users/${encodeURIComponent(user.id)}/factors`);
          return userMfaItem(user, toFactors(factors));
        }),
      );
    }
  }

  cursorAfter(context: RunContext): Record<string, string> {
    const now = context.now.toISOString();
    return {
      usersCollectedAt: now,
      factorEventsUntil: now,
      ...(this.fullSweep ? { factorSweepAt: now } : {}),
    };
  }

  /** Users named in factor events since the last run (bounded System Log window). */
  private async usersInFactorEvents(api: OktaApiClient, context: CollectorContext): Promise<Set<string>> {
    const since = new Date(
      Date.parse(context.cursor.factorEventsUntil ?? context.now.toISOString()) - OVERLAP_MS,
    );
    const filter = FACTOR_EVENT_TYPES.map((t) => `eventType eq "${t}"`).join(' or ');
    const query = new URLSearchParams({
      since: since.toISOString(),
      until: context.now.toISOString(),
      filter,
      limit: '1000',
    });
    const ids = new Set<string>();
    for await (const events of api.pages<OktaLogEvent>(`/api/v1/logs?${query.toString()}`)) {
      for (const event of events) {
        // The target is the user, or an AuthenticatorEnrollment whose owner is the actor (Okta varies).
        const user =
          event.target?.find((t) => t.type === 'User')?.id ??
          (event.actor?.type === 'User' ? event.actor.id : undefined);
        if (typeof user === 'string') ids.add(user);
      }
    }
    return ids;
  }
}
