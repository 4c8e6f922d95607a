import {
  type Collector,
  type CollectorContext,
  type RunBounds,
} from '#src/modules/connectors/connector-driver.port';
import { type EvidenceItem } from '#src/modules/evidence/evidence.types';
import { emptyStats, type OktaApiClient, unlessGone } from '#src/modules/connectors/okta/okta-api.client';
import {
  adminRoleItem,
  assigneeGroupId,
  type OktaRoleAssignment,
} from '#src/modules/connectors/okta/admin-role.mapper';
import {
  ADMIN_ROLE_ASSIGNMENT,
  type OktaGroup,
  type OktaUser,
} from '#src/modules/connectors/okta/okta.mapper';

const ASSIGNEES_PATH = '/api/v1/iam/assignees/users?limit=100';
/** More pages than any org has admins (100 a page): a next link that never ends is Okta misbehaving. */
const MAX_ASSIGNEE_PAGES = 1000;

interface AssigneesPage {
  value?: { id?: string | null }[] | null;
  _links?: { next?: { href?: string | null } | null } | null;
}

/**
 * `okta.admin_role_assignment` (only when the connection granted `okta.roles.read`): one row per user who
 * holds an admin role, directly or through a group. Calls are bounded by the admins, never by the org:
 * the users with role assignments (`GET /api/v1/iam/assignees/users`, paged by its `_links.next`), then per
 * admin their roles (`GET /api/v1/users/{id}/roles`) and their login and status (`GET /api/v1/users/{id}`),
 * and once per group a role comes through, its name (`GET /api/v1/groups/{id}`). An admin deleted meanwhile
 * (404) is left out.
 */
export class AdminRoleCollector implements Collector {
  readonly evidenceType = ADMIN_ROLE_ASSIGNMENT;
  readonly endpoint = '/api/v1/iam/assignees/users';
  readonly filter = 'users with role assignments; roles from /api/v1/users/{id}/roles';
  readonly closesVanished = true;
  readonly stats = emptyStats();

  constructor(private readonly client: (stats: typeof this.stats, bounds: RunBounds) => OktaApiClient) {}

  async *collect(context: CollectorContext): AsyncGenerator<EvidenceItem[]> {
    const api = this.client(this.stats, context);
    const groupNames = new Map<string, string | null>();
    let path: string | undefined = ASSIGNEES_PATH;
    for (let pages = 0; path !== undefined && pages < MAX_ASSIGNEE_PAGES; pages += 1) {
      const page: AssigneesPage = await api.get<AssigneesPage>(path);
      const items: EvidenceItem[] = [];
      for (const assignee of page.value ?? []) {
        if (typeof assignee.id !== 'string') continue;
        const item = await this.item(api, assignee.id, groupNames);
        if (item !== undefined) items.push(item);
      }
      yield items;
      path = nextPath(page._links?.next?.href);
    }
  }

  cursorAfter(): Record<string, string> {
    return {};
  }

  private async item(
    api: OktaApiClient,
    userId: string,
    groupNames: Map<string, string | null>,
  ): Promise<EvidenceItem | undefined> {
    const id = encodeURIComponent(userId);
    const [user, roles] = await Promise.all([
      unlessGone(() => api.get<OktaUser>(`/api/v1/users/${id}`)),
      unlessGone(() => api.get<OktaRoleAssignment[]>(`/api/v1/users/${id}/roles`)),
    ]);
    if (user === undefined || roles === undefined || !Array.isArray(roles)) return undefined;
    for (const groupId of roles.map(assigneeGroupId))
      if (groupId !== undefined && !groupNames.has(groupId)) {
        const group = await unlessGone(() =>
          api.get<OktaGroup>(`/api/v1/groups/${encodeURIComponent(groupId)}`),
        );
        groupNames.set(groupId, typeof group?.profile?.name === 'string' ? group.profile.name : null);
      }
    const login = user.profile?.login;
    return adminRoleItem(
      { id: user.id, login: typeof login === 'string' ? login : null, status: user.status },
      roles,
      groupNames,
    );
  }
}

/** The path and query of Okta's `_links.next.href` (the client adds the org's origin), or undefined. */
function nextPath(href: string | null | undefined): string | undefined {
  if (typeof href !== 'string' || href === '') return undefined;
  try {
    const url = new URL(href, 'https://okta.invalid');
    return url.pathname.startsWith('/api/v1/iam/assignees/users')
      ? `${url.pathname}${url.search}`
      : undefined;
  } catch {
    return undefined;
  }
}
