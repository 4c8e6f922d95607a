import {
  type ChangeDetector,
  type DetectedChange,
  type FieldChange,
  type ItemChange,
} from '#src/modules/connectors/connector-driver.port';
import { type Rule, verdict } from '#src/modules/coverage/checks/second-factor.check';
import {
  ADMIN_ROLE_ASSIGNMENT,
  AUTHENTICATION_POLICY,
  GROUP_MEMBERSHIP,
  PASSWORD_POLICY,
  USER_MFA,
} from './okta.definition';

type Data = Readonly<Record<string, unknown>>;

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const numberAt = (data: Data | undefined, path: string): number | null => {
  let value: unknown = data;
  for (const key of path.split('.')) value = (value as Data | null | undefined)?.[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
};

/** Users (only ACTIVE ones are collected): MFA removed, activated, deactivated (left the active users). */
export const userChanges: ChangeDetector = {
  evidenceType: USER_MFA,
  watches: ['login', 'status', 'mfaEnrolled'],
  detect({ before, after }: ItemChange): DetectedChange[] {
    const label = text(after?.login) ?? text(before?.login) ?? 'unknown user';
    if (before === undefined && after?.status === 'ACTIVE') {
      return [
        {
          kind: 'USER_ACTIVATED',
          risky: false,
          label,
          summary: `${label} became an active user`,
          fields: [{ field: 'status', before: null, after: 'ACTIVE' }],
        },
      ];
    }
    if (after === undefined) {
      return [
        {
          kind: 'USER_DEACTIVATED',
          risky: false,
          label,
          summary: `${label} is no longer an active user (deactivated, suspended or locked out)`,
          fields: [{ field: 'status', before: before?.status ?? null, after: null }],
        },
      ];
    }
    if (before?.mfaEnrolled === true && after.mfaEnrolled !== true && after.status === 'ACTIVE') {
      return [
        {
          kind: 'MFA_REMOVED',
          risky: true,
          label,
          summary: `${label} no longer has an ACTIVE MFA factor`,
          fields: [{ field: 'mfaEnrolled', before: true, after: after.mfaEnrolled ?? null }],
        },
      ];
    }
    return [];
  },
};

/** Settings where a smaller number is weaker; a setting removed (null) counts as weakened. */
const AT_LEAST = [
  'complexity.minLength',
  'complexity.minLowerCase',
  'complexity.minUpperCase',
  'complexity.minNumber',
  'complexity.minSymbol',
  'age.historyCount',
] as const;

/** A password policy's setting that got weaker, or undefined. */
function weakened(path: string, before: Data | undefined, after: Data): FieldChange | undefined {
  const was = numberAt(before, path);
  const is = numberAt(after, path);
  if (was === null || (is !== null && is >= was)) return undefined;
  return { field: path, before: was, after: is };
}

/** Lockout: more attempts, or none (0 or unset: no lockout at all), is weaker. */
function lockoutWeakened(before: Data | undefined, after: Data): FieldChange | undefined {
  const was = numberAt(before, 'lockout.maxAttempts');
  const is = numberAt(after, 'lockout.maxAttempts');
  if (was === null || was <= 0) return undefined;
  if (is !== null && is > 0 && is <= was) return undefined;
  return { field: 'lockout.maxAttempts', before: was, after: is };
}

/** Password policies: an ACTIVE policy whose settings got weaker, naming each field with both values. */
export const passwordPolicyChanges: ChangeDetector = {
  evidenceType: PASSWORD_POLICY,
  watches: ['name', 'status', 'complexity', 'lockout', 'age'],
  detect({ before, after }: ItemChange): DetectedChange[] {
    if (before === undefined || after === undefined || after.status !== 'ACTIVE') return [];
    const fields = [
      ...AT_LEAST.map((path) => weakened(path, before, after)),
      lockoutWeakened(before, after),
    ].filter((f): f is FieldChange => f !== undefined);
    if (before.status !== 'ACTIVE' || fields.length === 0) return [];
    const label = text(after.name) ?? 'password policy';
    const described = fields.map((f) => `${f.field} ${String(f.before)} → ${String(f.after)}`).join(', ');
    return [
      { kind: 'POLICY_WEAKENED', risky: true, label, summary: `${label} weakened: ${described}`, fields },
    ];
  },
};

type PolicyRule = Rule & { readonly id: string };

const rulesOf = (data: Data | undefined): PolicyRule[] =>
  Array.isArray(data?.rules) ? (data.rules as PolicyRule[]).filter((r) => typeof r?.id === 'string') : [];

/** How many factors a rule lets people sign in with, as the second-factor check judges it; null when inactive. */
function factors(policyType: string, rule: PolicyRule | undefined): string {
  if (rule === undefined) return 'absent';
  if (rule.status !== 'ACTIVE') return 'inactive';
  const judged = verdict(policyType, rule);
  return judged === 'one_factor' ? '1FA' : judged === 'second_factor' ? '2FA' : 'unknown';
}

/**
 * Authentication policies: an active policy deactivated; a sign-on or access rule that now lets people in
 * with one factor (new, reactivated or changed); an authenticator whose enrollment is no longer REQUIRED.
 */
export const authenticationPolicyChanges: ChangeDetector = {
  evidenceType: AUTHENTICATION_POLICY,
  watches: ['name', 'status', 'policyType', 'rules', 'enrollment'],
  detect({ before, after }: ItemChange): DetectedChange[] {
    if (before === undefined || after === undefined || before.status !== 'ACTIVE') return [];
    const label = text(after.name) ?? 'authentication policy';
    const policyType = text(after.policyType) ?? '';
    const fields: FieldChange[] = [];
    if (after.status !== 'ACTIVE')
      fields.push({ field: 'status', before: 'ACTIVE', after: after.status ?? null });
    else {
      if (policyType === 'OKTA_SIGN_ON' || policyType === 'ACCESS_POLICY') {
        const previous = new Map(rulesOf(before).map((r) => [r.id, r]));
        for (const rule of rulesOf(after)) {
          const was = factors(policyType, previous.get(rule.id));
          const is = factors(policyType, rule);
          if (is === '1FA' && was !== '1FA')
            fields.push({ field: `rules.${rule.name ?? rule.id}.factors`, before: was, after: is });
        }
      }
      const enrolled = (data: Data) =>
        new Map(
          (Array.isArray(data.enrollment) ? (data.enrollment as { key: string; enroll: unknown }[]) : []).map(
            (e) => [e.key, e.enroll],
          ),
        );
      const was = enrolled(before);
      for (const [key, enroll] of enrolled(after))
        if (was.get(key) === 'REQUIRED' && enroll !== 'REQUIRED')
          fields.push({ field: `enrollment.${key}`, before: 'REQUIRED', after: enroll ?? null });
    }
    if (fields.length === 0) return [];
    const described = fields.map((f) => `${f.field} ${String(f.before)} → ${String(f.after)}`).join(', ');
    return [
      { kind: 'POLICY_WEAKENED', risky: true, label, summary: `${label} weakened: ${described}`, fields },
    ];
  },
};

interface HeldRole {
  readonly type: string | null;
  readonly label: string | null;
  readonly status: string | null;
  readonly group: { readonly id: string; readonly name: string | null } | null;
}

const roleKey = (r: HeldRole): string => `${r.type ?? ''}\u0000${r.label ?? ''}\u0000${r.group?.id ?? ''}`;
const activeRoles = (data: Data | undefined): HeldRole[] =>
  (Array.isArray(data?.roles) ? (data.roles as HeldRole[]) : []).filter((r) => r.status !== 'INACTIVE');

/**
 * Admin roles (only with okta.roles.read): a role a user holds now and did not before. Held directly it is
 * ADMIN_ROLE_GRANTED; held through a group it is GROUP_MEMBERSHIP_ADDED to that admin group (the user joined
 * it, or the group was given the role: both give the member the role). Both are risky.
 */
export const adminRoleChanges: ChangeDetector = {
  evidenceType: ADMIN_ROLE_ASSIGNMENT,
  watches: ['login', 'roles'],
  detect({ before, after }: ItemChange): DetectedChange[] {
    if (after === undefined) return [];
    const label = text(after.login) ?? text(before?.login) ?? 'unknown user';
    const had = new Set(activeRoles(before).map(roleKey));
    return activeRoles(after)
      .filter((role) => !had.has(roleKey(role)))
      .map((role) => {
        const name = role.label ?? role.type ?? 'admin role';
        const field = {
          field: 'roles',
          before: null,
          after: { type: role.type, label: role.label, group: role.group },
        };
        if (role.group === null)
          return {
            kind: 'ADMIN_ROLE_GRANTED',
            risky: true,
            label,
            summary: `${label} was granted ${name}`,
            fields: [field],
          };
        const group = role.group.name ?? role.group.id;
        return {
          kind: 'GROUP_MEMBERSHIP_ADDED',
          risky: true,
          label,
          summary: `${label} holds ${name} through the admin group ${group}`,
          fields: [field],
        };
      });
  },
};

interface Member {
  readonly id: string;
  readonly login: string | null;
}

/**
 * Group memberships: members added to an app group (Okta `APP_GROUP`). Only the group's type, name and
 * member count are watched; the stored member list is read (one row by id) only for an app group that
 * changed, so a run never holds every group's members.
 */
export const groupMembershipChanges: ChangeDetector = {
  evidenceType: GROUP_MEMBERSHIP,
  watches: ['type', 'name', 'memberCount'],
  async detect(change: ItemChange): Promise<DetectedChange[]> {
    const { before, after } = change;
    if (before === undefined || after === undefined || after.type !== 'APP_GROUP') return [];
    const stored = await change.storedData();
    const had = new Set(members(stored).map((m) => m.id));
    const added = members(after).filter((m) => !had.has(m.id));
    const group = text(after.name) ?? 'app group';
    return added.map((member) => {
      const label = member.login ?? member.id;
      return {
        kind: 'GROUP_MEMBERSHIP_ADDED',
        risky: false,
        label,
        summary: `${label} was added to the app group ${group}`,
        fields: [{ field: 'members', before: null, after: { id: member.id, login: member.login } }],
      };
    });
  },
};

function members(data: Data | undefined): Member[] {
  const list = data?.members;
  if (!Array.isArray(list)) return [];
  return list
    .filter((m): m is { id: string; login?: unknown } => typeof (m as { id?: unknown })?.id === 'string')
    .map((m) => ({ id: m.id, login: typeof m.login === 'string' ? m.login : null }));
}

export const OKTA_CHANGE_DETECTORS: readonly ChangeDetector[] = [
  userChanges,
  passwordPolicyChanges,
  authenticationPolicyChanges,
  adminRoleChanges,
  groupMembershipChanges,
];
