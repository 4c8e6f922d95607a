import { type EvidenceItem } from '#src/modules/evidence/evidence.types';
import { AUTHENTICATION_POLICY, OKTA_EVIDENCE } from './okta.definition';

/** The policy types `okta.authentication_policy` holds, in the order they are read. */
export const AUTHENTICATION_POLICY_TYPES = ['MFA_ENROLL', 'OKTA_SIGN_ON', 'ACCESS_POLICY'] as const;
export type AuthenticationPolicyType = (typeof AUTHENTICATION_POLICY_TYPES)[number];

/** Okta's include/exclude lists of a people condition (every field possibly missing or null). */
interface OktaPeople {
  groups?: { include?: unknown; exclude?: unknown } | null;
  users?: { include?: unknown; exclude?: unknown } | null;
}

/** An MFA_ENROLL, OKTA_SIGN_ON or ACCESS_POLICY policy as Okta lists it (the fields we read). */
export interface OktaAuthenticationPolicy {
  id: string;
  type?: string | null;
  name?: string | null;
  status?: string | null;
  priority?: number | null;
  system?: boolean | null;
  /** ACCESS_POLICY has no policy conditions (Okta sends null); the others have `people.groups.include`. */
  conditions?: { people?: OktaPeople | null } | string | null;
  settings?: {
    type?: string | null;
    authenticators?: { key?: string | null; enroll?: { self?: string | null } | null }[] | null;
    factors?: Record<string, { enroll?: { self?: string | null } | null } | null> | null;
  } | null;
}

interface OktaConstraint {
  types?: unknown;
  methods?: unknown;
  required?: unknown;
  reauthenticateIn?: unknown;
  phishingResistant?: unknown;
  hardwareProtection?: unknown;
  deviceBound?: unknown;
}

/** A rule of one of those policies (SIGN_ON, ACCESS_POLICY or MFA_ENROLL rule). */
export interface OktaAuthenticationRule {
  id: string;
  type?: string | null;
  name?: string | null;
  status?: string | null;
  priority?: number | null;
  system?: boolean | null;
  conditions?: { people?: OktaPeople | null } | null;
  actions?: {
    signon?: {
      access?: string | null;
      requireFactor?: boolean | null;
      factorPromptMode?: string | null;
    } | null;
    appSignOn?: {
      access?: string | null;
      verificationMethod?: {
        type?: string | null;
        factorMode?: string | null;
        constraints?: { knowledge?: OktaConstraint | null; possession?: OktaConstraint | null }[] | null;
      } | null;
    } | null;
    enroll?: { self?: string | null } | null;
  } | null;
}

/** A group a policy or rule names, with its name when it could be read (null: unknown or deleted). */
export interface GroupRef {
  readonly id: string;
  readonly name: string | null;
}

/** Who a policy or rule applies to: groups and users included and excluded (empty: no condition). */
export interface PeopleScope {
  readonly groupsIncluded: GroupRef[];
  readonly groupsExcluded: GroupRef[];
  readonly usersIncluded: string[];
  readonly usersExcluded: string[];
}

/** One authenticator's self-enrollment requirement in an MFA_ENROLL policy. */
export interface EnrollmentSetting {
  /** The authenticator key (`okta_verify`, `webauthn`, …) or, on Classic Engine, the factor key. */
  readonly key: string;
  /** REQUIRED, OPTIONAL or NOT_ALLOWED (null when Okta sends none). */
  readonly enroll: string | null;
}

/** A constraint of an ACCESS_POLICY rule's verification method (one knowledge or possession requirement). */
export interface FactorConstraint {
  readonly kind: 'knowledge' | 'possession';
  readonly types: string[] | null;
  readonly methods: string[] | null;
  readonly required: boolean | null;
  readonly reauthenticateIn: string | null;
  readonly phishingResistant: string | null;
  readonly hardwareProtection: string | null;
  readonly deviceBound: string | null;
}

/** A rule as the row keeps it: its scope and the action fields that decide how many factors it asks for. */
export interface AuthenticationRule {
  readonly id: string;
  readonly name: string | null;
  readonly status: string | null;
  readonly priority: number | null;
  readonly system: boolean | null;
  readonly people: PeopleScope;
  /** OKTA_SIGN_ON: `actions.signon.access`; ACCESS_POLICY: `actions.appSignOn.access` (ALLOW or DENY). */
  readonly access: string | null;
  /** OKTA_SIGN_ON only: whether a second factor is required, and when it is prompted. */
  readonly requireFactor: boolean | null;
  readonly factorPromptMode: string | null;
  /** ACCESS_POLICY only: the verification method's type, its factor mode (1FA or 2FA) and constraints. */
  readonly verificationType: string | null;
  readonly factorMode: string | null;
  readonly constraints: FactorConstraint[] | null;
  /** MFA_ENROLL only: when people are prompted to enroll (CHALLENGE, LOGIN, NEVER, …). */
  readonly enroll: string | null;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const bool = (v: unknown): boolean | null => (typeof v === 'boolean' ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const strings = (v: unknown): string[] =>
  Array.isArray(v) ? [...new Set(v.filter((s): s is string => typeof s === 'string'))].sort() : [];
const byId = (a: { id: string }, b: { id: string }): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

const CONTROLS = OKTA_EVIDENCE.find((e) => e.type === AUTHENTICATION_POLICY)?.controls ?? [];

/** The group ids a policy and its rules name (to look their names up once). */
export function groupIdsOf(
  policy: OktaAuthenticationPolicy,
  rules: readonly OktaAuthenticationRule[],
): string[] {
  const people = [policyPeople(policy), ...rules.map((r) => r.conditions?.people ?? null)];
  return [
    ...new Set(people.flatMap((p) => [...strings(p?.groups?.include), ...strings(p?.groups?.exclude)])),
  ];
}

function policyPeople(policy: OktaAuthenticationPolicy): OktaPeople | null {
  return typeof policy.conditions === 'object' ? (policy.conditions?.people ?? null) : null;
}

function scope(people: OktaPeople | null, names: ReadonlyMap<string, string | null>): PeopleScope {
  const refs = (ids: unknown): GroupRef[] => strings(ids).map((id) => ({ id, name: names.get(id) ?? null }));
  return {
    groupsIncluded: refs(people?.groups?.include),
    groupsExcluded: refs(people?.groups?.exclude),
    usersIncluded: strings(people?.users?.include),
    usersExcluded: strings(people?.users?.exclude),
  };
}

function enrollment(policy: OktaAuthenticationPolicy): EnrollmentSetting[] | null {
  const settings = policy.settings;
  if (str(policy.type) !== 'MFA_ENROLL' || settings === undefined || settings === null) return null;
  const fromAuthenticators = (settings.authenticators ?? [])
    .filter((a) => typeof a.key === 'string')
    .map((a) => ({ key: a.key as string, enroll: str(a.enroll?.self) }));
  const fromFactors = Object.entries(settings.factors ?? {}).map(([key, f]) => ({
    key,
    enroll: str(f?.enroll?.self),
  }));
  return [...fromAuthenticators, ...fromFactors].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function constraints(rule: OktaAuthenticationRule): FactorConstraint[] | null {
  const list = rule.actions?.appSignOn?.verificationMethod?.constraints;
  if (!Array.isArray(list)) return null;
  return list.flatMap((c) =>
    (['knowledge', 'possession'] as const).flatMap((kind) => {
      const one = c[kind];
      if (one === undefined || one === null) return [];
      return [
        {
          kind,
          types: Array.isArray(one.types) ? strings(one.types) : null,
          methods: Array.isArray(one.methods) ? strings(one.methods) : null,
          required: bool(one.required),
          reauthenticateIn: str(one.reauthenticateIn),
          phishingResistant: str(one.phishingResistant),
          hardwareProtection: str(one.hardwareProtection),
          deviceBound: str(one.deviceBound),
        },
      ];
    }),
  );
}

function rule(r: OktaAuthenticationRule, names: ReadonlyMap<string, string | null>): AuthenticationRule {
  const signon = r.actions?.signon ?? null;
  const appSignOn = r.actions?.appSignOn ?? null;
  return {
    id: r.id,
    name: str(r.name),
    status: str(r.status),
    priority: num(r.priority),
    system: bool(r.system),
    people: scope(r.conditions?.people ?? null, names),
    access: str(signon?.access) ?? str(appSignOn?.access),
    requireFactor: bool(signon?.requireFactor),
    factorPromptMode: str(signon?.factorPromptMode),
    verificationType: str(appSignOn?.verificationMethod?.type),
    factorMode: str(appSignOn?.verificationMethod?.factorMode),
    constraints: constraints(r),
    enroll: str(r.actions?.enroll?.self),
  };
}

/**
 * One MFA_ENROLL, OKTA_SIGN_ON or ACCESS_POLICY policy with its rules (sorted by id, so the fingerprint
 * changes only when the policy does), groups named where `names` knows them: the evidence of how people
 * authenticate (CC6.1).
 */
export function authenticationPolicyItem(
  policy: OktaAuthenticationPolicy,
  rules: readonly OktaAuthenticationRule[],
  names: ReadonlyMap<string, string | null>,
): EvidenceItem {
  const people = scope(policyPeople(policy), names);
  return {
    type: AUTHENTICATION_POLICY,
    sourceId: policy.id,
    controls: CONTROLS,
    data: {
      policyId: policy.id,
      policyType: str(policy.type),
      name: str(policy.name),
      status: str(policy.status),
      priority: num(policy.priority),
      system: bool(policy.system),
      groupsIncluded: people.groupsIncluded,
      groupsExcluded: people.groupsExcluded,
      enrollment: enrollment(policy),
      rules: rules.map((r) => rule(r, names)).sort(byId),
    },
  };
}
