import { type EvidenceItem } from '#src/modules/evidence/evidence.types';
import {
  ADMIN_ROLE_ASSIGNMENT,
  AUTHENTICATION_POLICY,
  DEPROVISIONING_EVENT,
  GROUP_MEMBERSHIP,
  OKTA_EVIDENCE,
  PASSWORD_POLICY,
  USER_MFA,
} from './okta.definition';

/** Okta payload shapes we read (every field treated as possibly missing or null). */
export interface OktaUser {
  id: string;
  status: string;
  created?: string | null;
  activated?: string | null;
  statusChanged?: string | null;
  lastLogin?: string | null;
  lastUpdated?: string | null;
  profile?: {
    login?: string | null;
    email?: string | null;
    firstName?: string | null;
    lastName?: string | null;
    userType?: string | null;
  } | null;
}

export interface OktaFactor {
  id: string;
  factorType?: string | null;
  provider?: string | null;
  status?: string | null;
  created?: string | null;
}

export interface OktaPolicy {
  id: string;
  type?: string;
  name?: string | null;
  status?: string | null;
  priority?: number | null;
  system?: boolean | null;
  conditions?: { people?: { groups?: { include?: string[] | null } | null } | null } | null;
  settings?: {
    password?: {
      complexity?: Record<string, unknown> | null;
      age?: Record<string, unknown> | null;
      lockout?: Record<string, unknown> | null;
    } | null;
  } | null;
}

export interface OktaPolicyRule {
  id: string;
  name?: string | null;
  status?: string | null;
  priority?: number | null;
  actions?: Record<string, { access?: string | null } | null> | null;
}

export interface OktaLogEvent {
  uuid: string;
  eventType: string;
  published: string;
  displayMessage?: string | null;
  outcome?: { result?: string | null; reason?: string | null } | null;
  actor?: {
    id?: string | null;
    type?: string | null;
    alternateId?: string | null;
    displayName?: string | null;
  } | null;
  target?:
    | { id?: string | null; type?: string | null; alternateId?: string | null; displayName?: string | null }[]
    | null;
}

export {
  ADMIN_ROLE_ASSIGNMENT,
  AUTHENTICATION_POLICY,
  DEPROVISIONING_EVENT,
  GROUP_MEMBERSHIP,
  PASSWORD_POLICY,
  USER_MFA,
};

export interface OktaGroup {
  id: string;
  type?: string | null;
  profile?: { name?: string | null; description?: string | null } | null;
}

export const CONTROLS_BY_TYPE: Record<string, readonly string[]> = Object.fromEntries(
  OKTA_EVIDENCE.map((e) => [e.type, e.controls]),
);

export interface FactorSummary {
  id: string;
  type: string | null;
  provider: string | null;
  status: string | null;
  enrolledAt: string | null;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const bool = (v: unknown): boolean | null => (typeof v === 'boolean' ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
/** `lastLogin` changes on every sign-in: kept at day precision so a login alone is not a new row. */
const day = (v: unknown): string | null => (typeof v === 'string' && v.length >= 10 ? v.slice(0, 10) : null);

export function toFactors(factors: readonly OktaFactor[]): FactorSummary[] {
  return factors
    .map((f) => ({
      id: f.id,
      type: str(f.factorType),
      provider: str(f.provider),
      status: str(f.status),
      enrolledAt: str(f.created),
    }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

export function userMfaItem(user: OktaUser, factors: readonly FactorSummary[]): EvidenceItem {
  return {
    type: USER_MFA,
    sourceId: user.id,
    controls: CONTROLS_BY_TYPE[USER_MFA] ?? [],
    data: {
      userId: user.id,
      login: str(user.profile?.login),
      email: str(user.profile?.email),
      name:
        [user.profile?.firstName, user.profile?.lastName]
          .filter((n): n is string => typeof n === 'string')
          .join(' ') || null,
      userType: str(user.profile?.userType),
      status: user.status,
      created: str(user.created),
      activated: str(user.activated),
      statusChanged: str(user.statusChanged),
      lastLoginDay: day(user.lastLogin),
      factors: [...factors],
      mfaEnrolled: factors.some((f) => f.status === 'ACTIVE'),
    },
  };
}

export function passwordPolicyItem(policy: OktaPolicy, rules: readonly OktaPolicyRule[]): EvidenceItem {
  const password = policy.settings?.password ?? null;
  const complexity = password?.complexity ?? {};
  const age = password?.age ?? {};
  const lockout = password?.lockout ?? {};
  const dictionary = (complexity.dictionary as { common?: { exclude?: unknown } } | undefined)?.common
    ?.exclude;
  return {
    type: PASSWORD_POLICY,
    sourceId: policy.id,
    controls: CONTROLS_BY_TYPE[PASSWORD_POLICY] ?? [],
    data: {
      policyId: policy.id,
      name: str(policy.name),
      status: str(policy.status),
      priority: num(policy.priority),
      system: bool(policy.system),
      complexity: {
        minLength: num(complexity.minLength),
        minLowerCase: num(complexity.minLowerCase),
        minUpperCase: num(complexity.minUpperCase),
        minNumber: num(complexity.minNumber),
        minSymbol: num(complexity.minSymbol),
        excludeUsername: bool(complexity.excludeUsername),
        excludeAttributes: Array.isArray(complexity.excludeAttributes)
          ? complexity.excludeAttributes.filter((a) => typeof a === 'string')
          : null,
        commonDictionaryExcluded: bool(dictionary),
      },
      age: {
        maxAgeDays: num(age.maxAgeDays),
        expireWarnDays: num(age.expireWarnDays),
        minAgeMinutes: num(age.minAgeMinutes),
        historyCount: num(age.historyCount),
      },
      lockout: { maxAttempts: num(lockout.maxAttempts), autoUnlockMinutes: num(lockout.autoUnlockMinutes) },
      groupsIncluded: [...(policy.conditions?.people?.groups?.include ?? [])].sort(),
      rules: rules
        .map((r) => ({
          id: r.id,
          name: str(r.name),
          status: str(r.status),
          priority: num(r.priority),
          passwordChange: str(r.actions?.passwordChange?.access),
          selfServicePasswordReset: str(r.actions?.selfServicePasswordReset?.access),
          selfServiceUnlock: str(r.actions?.selfServiceUnlock?.access),
        }))
        .sort((a, b) => a.id.localeCompare(b.id)),
    },
  };
}

export function deprovisioningItem(event: OktaLogEvent): EvidenceItem {
  const targets = (event.target ?? []).map((t) => ({
    id: str(t.id),
    type: str(t.type),
    alternateId: str(t.alternateId),
    displayName: str(t.displayName),
  }));
  return {
    type: DEPROVISIONING_EVENT,
    sourceId: event.uuid,
    controls: CONTROLS_BY_TYPE[DEPROVISIONING_EVENT] ?? [],
    data: {
      uuid: event.uuid,
      eventType: event.eventType,
      published: event.published,
      displayMessage: str(event.displayMessage),
      actor: {
        id: str(event.actor?.id),
        type: str(event.actor?.type),
        alternateId: str(event.actor?.alternateId),
        displayName: str(event.actor?.displayName),
      },
      targetUser: targets.find((t) => t.type === 'User') ?? null,
      targets,
      outcome: { result: str(event.outcome?.result), reason: str(event.outcome?.reason) },
    },
  };
}

/** A group's member as its membership row names them. */
export interface GroupMember {
  readonly id: string;
  readonly login: string | null;
}

/**
 * One group with its members (ids and logins, sorted by id, so the fingerprint changes only when the
 * membership does): the evidence of who holds which access (CC6.3).
 */
export function groupMembershipItem(group: OktaGroup, members: readonly GroupMember[]): EvidenceItem {
  const sorted = [...members].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    type: GROUP_MEMBERSHIP,
    sourceId: group.id,
    controls: CONTROLS_BY_TYPE[GROUP_MEMBERSHIP] ?? [],
    data: {
      groupId: group.id,
      type: str(group.type),
      name: str(group.profile?.name),
      description: str(group.profile?.description),
      memberCount: sorted.length,
      members: sorted.map((m) => ({ id: m.id, login: m.login })),
    },
  };
}
