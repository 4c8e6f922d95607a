import {
  type Collector,
  type CollectorContext,
  type RunBounds,
} from '#src/modules/connectors/connector-driver.port';
import { type EvidenceItem } from '#src/modules/evidence/evidence.types';
import { emptyStats, type OktaApiClient, OktaApiError } from '#src/modules/connectors/okta/okta-api.client';
import {
  GROUP_MEMBERSHIP,
  type GroupMember,
  groupMembershipItem,
  type OktaGroup,
  type OktaUser,
} from '#src/modules/connectors/okta/okta.mapper';

const GROUPS_PATH = '/api/v1/groups?limit=200';
const MEMBERS_PER_PAGE = 1000;

/**
 * `okta.group_membership`: every group with its members, one group at a time (a group's members are
 * paged, and only one group's are held). A group deleted while it is read (its members answer 404) is left
 * out, so its previous row is closed like any vanished item; the run goes on.
 */
export class GroupMembershipCollector implements Collector {
  readonly evidenceType = GROUP_MEMBERSHIP;
  readonly endpoint = '/api/v1/groups';
  readonly filter = 'all groups, with /api/v1/groups/{id}/users';
  readonly closesVanished = true;
  readonly stats = emptyStats();

  constructor(private readonly client: (stats: typeof this.stats, bounds: RunBounds) => OktaApiClient) {}

  async *collect(context: CollectorContext): AsyncGenerator<EvidenceItem[]> {
    const api = this.client(this.stats, context);
    for await (const groups of api.pages<OktaGroup>(GROUPS_PATH)) {
      for (const group of groups) {
        const members = await this.members(api, group.id);
        if (members !== undefined) yield [groupMembershipItem(group, members)];
      }
    }
  }

  /** The group's members, or undefined when the group no longer exists. */
  private async members(api: OktaApiClient, groupId: string): Promise<GroupMember[] | undefined> {
    const members: GroupMember[] = [];
    const path = `/api/v1/groups/${encodeURIComponent(groupId)}/users?limit=${MEMBERS_PER_PAGE}`;
    try {
      for await (const users of api.pages<OktaUser>(path))
        for (const user of users) {
          const login = user.profile?.login;
          members.push({ id: user.id, login: typeof login === 'string' ? login : null });
        }
    } catch (error) {
      if (error instanceof OktaApiError && error.detail.status === 404) return undefined;
      throw error;
    }
    return members;
  }

  cursorAfter(): Record<string, string> {
    return {};
  }
}
