import {
  type Collector,
  type CollectorContext,
  type RunBounds,
  type RunContext,
} from '#src/modules/connectors/connector-driver.port';
import { type EvidenceItem } from '#src/modules/evidence/evidence.types';
import { emptyStats, type OktaApiClient, unlessGone } from '#src/modules/connectors/okta/okta-api.client';
import {
  GROUP_MEMBERSHIP,
  type GroupMember,
  groupMembershipItem,
  type OktaGroup,
  type OktaLogEvent,
  type OktaUser,
} from '#src/modules/connectors/okta/okta.mapper';

export const MEMBERSHIP_EVENT_TYPES = ['group.user_membership.add', 'group.user_membership.remove'] as const;

const GROUPS_PATH = '/api/v1/groups?limit=200';
const MEMBERS_PER_PAGE = 1000;
/** Okta may persist an event a little after its `published` time: re-read this much of the last window. */
const OVERLAP_MS = 10 * 60_000;

/**
 * `okta.group_membership`: every group with its members. A full sweep reads every group on the first run and
 * then at most once per `fullSweepIntervalMs` (like the factors); in between, only the groups named in
 * `group.user_membership.add` / `.remove` System Log events since the last run are read again, and the
 * others stay as stored (nothing is closed between sweeps: a deleted group's row closes at the next one).
 * One group's members are held at a time. A group deleted while it is read (404) is left out; the run goes
 * on.
 */
export class GroupMembershipCollector implements Collector {
  readonly evidenceType = GROUP_MEMBERSHIP;
  readonly endpoint = '/api/v1/groups';
  readonly filter =
    'every group (full sweep) or those named in membership events; members from /api/v1/groups/{id}/users';
  readonly stats = emptyStats();
  private fullSweep = true;

  constructor(
    private readonly client: (stats: typeof this.stats, bounds: RunBounds) => OktaApiClient,
    private readonly fullSweepIntervalMs: number,
  ) {}

  /** Only a full sweep sees every group, so only a full sweep may close the rows of groups it did not see. */
  get closesVanished(): boolean {
    return this.fullSweep;
  }

  async *collect(context: CollectorContext): AsyncGenerator<EvidenceItem[]> {
    const api = this.client(this.stats, context);
    const lastSweep =
      context.cursor.groupSweepAt === undefined ? undefined : Date.parse(context.cursor.groupSweepAt);
    this.fullSweep =
      lastSweep === undefined ||
      context.cursor.groupEventsUntil === undefined ||
      context.now.getTime() - lastSweep >= this.fullSweepIntervalMs;
    if (this.fullSweep) {
      for await (const groups of api.pages<OktaGroup>(GROUPS_PATH)) {
        for (const group of groups) {
          const item = await this.item(api, group);
          if (item !== undefined) yield [item];
        }
      }
      return;
    }
    for (const groupId of await this.groupsInMembershipEvents(api, context)) {
      const group = await this.group(api, groupId);
      const item = group === undefined ? undefined : await this.item(api, group);
      if (item !== undefined) yield [item];
    }
  }

  cursorAfter(context: RunContext): Record<string, string> {
    const now = context.now.toISOString();
    return { groupEventsUntil: now, ...(this.fullSweep ? { groupSweepAt: now } : {}) };
  }

  private async item(api: OktaApiClient, group: OktaGroup): Promise<EvidenceItem | undefined> {
    const members = await this.members(api, group.id);
    return members === undefined ? undefined : groupMembershipItem(group, members);
  }

  /** The group, or undefined when it no longer exists. */
  private async group(api: OktaApiClient, groupId: string): Promise<OktaGroup | undefined> {
    return unlessGone(() => api.get<OktaGroup>(`/api/v1/groups/${encodeURIComponent(groupId)}`));
  }

  /** The group's members, or undefined when the group no longer exists. */
  private async members(api: OktaApiClient, groupId: string): Promise<GroupMember[] | undefined> {
    const path = `/api/v1/groups/${encodeURIComponent(groupId)}/users?limit=${MEMBERS_PER_PAGE}`;
    return unlessGone(async () => {
      const members: GroupMember[] = [];
      for await (const users of api.pages<OktaUser>(path))
        for (const user of users) {
          const login = user.profile?.login;
          members.push({ id: user.id, login: typeof login === 'string' ? login : null });
        }
      return members;
    });
  }

  /** Groups named in membership events since the last run (bounded System Log window). */
  private async groupsInMembershipEvents(
    api: OktaApiClient,
    context: CollectorContext,
  ): Promise<Set<string>> {
    const since = new Date(
      Date.parse(context.cursor.groupEventsUntil ?? context.now.toISOString()) - OVERLAP_MS,
    );
    const query = new URLSearchParams({
      since: since.toISOString(),
      until: context.now.toISOString(),
      filter: MEMBERSHIP_EVENT_TYPES.map((t) => `eventType eq "${t}"`).join(' or '),
      limit: '1000',
    });
    const ids = new Set<string>();
    for await (const events of api.pages<OktaLogEvent>(`/api/v1/logs?${query.toString()}`))
      for (const event of events)
        for (const target of event.target ?? [])
          if (target.type === 'UserGroup' && typeof target.id === 'string') ids.add(target.id);
    return ids;
  }
}
