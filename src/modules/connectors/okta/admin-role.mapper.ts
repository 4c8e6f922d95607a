import { type EvidenceItem } from '#src/modules/evidence/evidence.types';
import { ADMIN_ROLE_ASSIGNMENT, OKTA_EVIDENCE } from './okta.definition';

/** A role assignment as `GET /api/v1/users/{id}/roles` lists it (standard or custom role). */
export interface OktaRoleAssignment {
  id: string;
  type?: string | null;
  label?: string | null;
  status?: string | null;
  assignmentType?: string | null;
  /** Custom roles: the role's id. */
  role?: string | null;
  _links?: { assignee?: { href?: string | null } | null } | null;
}

/** One admin role a user holds, directly or through a group. */
export interface HeldRole {
  /** SUPER_ADMIN, ORG_ADMIN, READ_ONLY_ADMIN, … or CUSTOM (then `label` names it). */
  readonly type: string | null;
  readonly label: string | null;
  readonly status: string | null;
  /** USER: assigned to the user; GROUP: held through `group`. */
  readonly assignmentType: string | null;
  readonly group: { readonly id: string; readonly name: string | null } | null;
  readonly assignmentId: string;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const CONTROLS = OKTA_EVIDENCE.find((e) => e.type === ADMIN_ROLE_ASSIGNMENT)?.controls ?? [];

/** The group a GROUP assignment comes through, from its `assignee` link (`…/api/v1/groups/{id}`). */
export function assigneeGroupId(assignment: OktaRoleAssignment): string | undefined {
  if (assignment.assignmentType !== 'GROUP') return undefined;
  const href = assignment._links?.assignee?.href;
  return typeof href === 'string' ? /\/api\/v1\/groups\/([^/?#]+)/.exec(href)?.[1] : undefined;
}

/**
 * One user with every admin role they hold (sorted by type, label, then group), so the fingerprint changes
 * only when their roles do: the evidence of who administers Okta (CC6.3). One row per user, not per role:
 * a check reads a user's roles together, and a user gaining a second role is one changed row.
 */
export function adminRoleItem(
  user: { id: string; login: string | null; status: string | null },
  assignments: readonly OktaRoleAssignment[],
  groupNames: ReadonlyMap<string, string | null>,
): EvidenceItem {
  const roles: HeldRole[] = assignments
    .map((a) => {
      const groupId = assigneeGroupId(a);
      return {
        type: str(a.type),
        label: str(a.label),
        status: str(a.status),
        assignmentType: str(a.assignmentType),
        group: groupId === undefined ? null : { id: groupId, name: groupNames.get(groupId) ?? null },
        assignmentId: a.id,
      };
    })
    .sort((a, b) =>
      `${a.type ?? ''}\u0000${a.label ?? ''}\u0000${a.group?.id ?? ''}\u0000${a.assignmentId}`.localeCompare(
        `${b.type ?? ''}\u0000${b.label ?? ''}\u0000${b.group?.id ?? ''}\u0000${b.assignmentId}`,
      ),
    );
  return {
    type: ADMIN_ROLE_ASSIGNMENT,
    sourceId: user.id,
    controls: CONTROLS,
    data: {
      userId: user.id,
      login: user.login,
      status: user.status,
      roles,
      superAdmin: roles.some((r) => r.type === 'SUPER_ADMIN' && r.status !== 'INACTIVE'),
    },
  };
}
