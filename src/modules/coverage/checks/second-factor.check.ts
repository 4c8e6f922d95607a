import { type CheckItem } from './check.types';
import { type CheckDefinition, type Row } from './checks';

/** The policy types that decide how people sign in (MFA_ENROLL policies only decide what they enroll). */
const SIGN_ON_TYPES = new Set(['OKTA_SIGN_ON', 'ACCESS_POLICY']);

interface GroupRef {
  readonly id: string;
  readonly name: string | null;
}

/** The fields of an `identity.authentication_policy` rule the check reads (see the Okta mapper). */
export interface Rule {
  readonly id: string;
  readonly name: string | null;
  readonly status: string | null;
  readonly people?: {
    readonly groupsIncluded?: readonly GroupRef[];
    readonly groupsExcluded?: readonly GroupRef[];
    readonly usersIncluded?: readonly string[];
    readonly usersExcluded?: readonly string[];
  };
  readonly access: string | null;
  readonly requireFactor: boolean | null;
  readonly verificationType: string | null;
  readonly factorMode: string | null;
}

export type Verdict = 'one_factor' | 'second_factor' | { unknown: string };

const groupLabel = (g: GroupRef): string => g.name ?? g.id;
const list = <T>(v: readonly T[] | undefined): readonly T[] => (Array.isArray(v) ? (v as readonly T[]) : []);

/** How many factors an ACTIVE rule lets people sign in with. */
export function verdict(policyType: string, rule: Rule): Verdict {
  if (rule.access !== 'ALLOW') return 'second_factor'; // DENY lets nobody in
  if (policyType === 'OKTA_SIGN_ON') return rule.requireFactor === true ? 'second_factor' : 'one_factor';
  if (rule.verificationType !== null && rule.verificationType !== 'ASSURANCE')
    return { unknown: `verification method ${rule.verificationType} is not evaluated` };
  if (rule.factorMode === '2FA') return 'second_factor';
  if (rule.factorMode === '1FA') return 'one_factor';
  return { unknown: 'no factor mode' };
}

/**
 * Who a one-factor rule exempts: the groups its people condition includes (for an OKTA_SIGN_ON rule without
 * one, the policy's groups), or the users it includes, or everyone; minus the groups and users it excludes.
 */
export function exempted(policy: Row, rule: Rule): string {
  const people = rule.people ?? {};
  const policyGroups = list(policy.data.groupsIncluded as readonly GroupRef[] | undefined);
  const included = list(people.groupsIncluded);
  const users = list(people.usersIncluded);
  const who =
    included.length > 0
      ? included.map(groupLabel).join(', ')
      : users.length > 0
        ? `${users.length} named user(s)`
        : policyGroups.length > 0
          ? policyGroups.map(groupLabel).join(', ')
          : 'everyone';
  const except = [
    ...list(people.groupsExcluded).map(groupLabel),
    ...(list(people.usersExcluded).length > 0 ? [`${list(people.usersExcluded).length} named user(s)`] : []),
  ];
  return except.length > 0 ? `${who} except ${except.join(', ')}` : who;
}

/**
 * `second_factor_for_everyone` (CC6.1): an active sign-on or access policy requires a second factor for
 * everyone. Read over `identity.authentication_policy` rows, each policy judged with its rules:
 * - Only ACTIVE rules of ACTIVE OKTA_SIGN_ON and ACCESS_POLICY policies count (MFA_ENROLL policies decide
 *   what people enroll, not how they sign in). Every such rule counts, whatever its priority or network and
 *   device conditions: a rule that can let someone in with one factor is a gap even if a rule above it
 *   usually matches first.
 * - A rule lets people sign in with one factor when it ALLOWs access and, for OKTA_SIGN_ON, `requireFactor`
 *   is not true; for ACCESS_POLICY, its ASSURANCE verification method's `factorMode` is 1FA. It exempts the
 *   groups its people condition includes (an OKTA_SIGN_ON rule without one: its policy's groups; neither:
 *   everyone), minus the groups it excludes.
 * - A policy with such a rule FAILs, its reason naming each rule and the groups it exempts (by name when
 *   Okta gave it, else by id). An ACCESS_POLICY rule whose factor mode is missing, or whose verification
 *   method is not ASSURANCE, cannot be evaluated (INCONCLUSIVE unless something fails).
 * - PASS needs at least one ACTIVE OKTA_SIGN_ON or ACCESS_POLICY policy; with none the check is
 *   INCONCLUSIVE ("no ACTIVE sign-on or access policy collected"). Absent, stale or partial data is
 *   INCONCLUSIVE as for every check.
 */
export function secondFactorDefinition(): CheckDefinition {
  return {
    base: {
      key: 'second_factor_for_everyone',
      title: 'An active sign-on or access policy requires a second factor for everyone',
      control: 'CC6.1',
    },
    subjects: ['identity.authentication_policy'],
    passReason: 'every active sign-on and access policy rule requires a second factor',
    judge: (policy) => {
      const type = policy.data.policyType;
      if (typeof type !== 'string' || !SIGN_ON_TYPES.has(type) || policy.data.status !== 'ACTIVE')
        return undefined;
      const label = typeof policy.data.name === 'string' ? policy.data.name : policy.sourceId;
      const gaps: string[] = [];
      const unknowns: string[] = [];
      for (const rule of list(policy.data.rules as readonly Rule[] | undefined)) {
        if (rule.status !== 'ACTIVE') continue;
        const name = `rule "${rule.name ?? rule.id}"`;
        const v = verdict(type, rule);
        if (v === 'one_factor') gaps.push(`${name} lets ${exempted(policy, rule)} sign in with one factor`);
        else if (typeof v === 'object') unknowns.push(`${name}: ${v.unknown}`);
      }
      const item = (reason: string): CheckItem => ({ sourceId: policy.sourceId, label, reason });
      if (gaps.length > 0) return { failing: item(gaps.join('; ')) };
      if (unknowns.length > 0) return { unknown: item(unknowns.join('; ')) };
      return undefined;
    },
    fact: (policy) =>
      typeof policy.data.policyType === 'string' &&
      SIGN_ON_TYPES.has(policy.data.policyType) &&
      policy.data.status === 'ACTIVE'
        ? { activeSignOnPolicy: true }
        : undefined,
    conclude: (facts) =>
      facts.length > 0
        ? {}
        : {
            unknown: [
              {
                sourceId: 'sign-on-policies',
                label: 'sign-on and access policies',
                reason: 'no ACTIVE sign-on or access policy collected',
              },
            ],
          },
  };
}
