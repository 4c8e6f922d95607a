import { type CheckItem } from './check.types';
import { type CheckDefinition, type Fact, type Row } from './checks';

/** Factor types that resist phishing (FIDO2 WebAuthn, Okta FastPass's signed nonce). */
const PHISHING_RESISTANT = new Set(['webauthn', 'signed_nonce']);

interface Factor {
  readonly type?: string | null;
  readonly status?: string | null;
}

interface Role {
  readonly type?: string | null;
  readonly status?: string | null;
  readonly assignmentType?: string | null;
  readonly group?: { readonly id: string; readonly name: string | null } | null;
}

const login = (row: Row): string => (typeof row.data.login === 'string' ? row.data.login : row.sourceId);

/** How a Super Admin holds the role: "directly", "through Okta Admins", or both. */
function how(roles: readonly Role[]): string {
  const ways = roles
    .filter((r) => r.type === 'SUPER_ADMIN' && r.status !== 'INACTIVE')
    .map((r) =>
      r.assignmentType === 'GROUP' ? `through ${r.group?.name ?? r.group?.id ?? 'a group'}` : 'directly',
    );
  return [...new Set(ways)].join(' and ');
}

/**
 * `super_admins_limited` (CC6.3): at most `max` Super Admins, each with an ACTIVE MFA factor.
 * Reads `identity.admin_role` rows (who holds which admin role) with the `identity.user` rows (their
 * factors); neither alone decides, so the verdict is a conclusion over small facts kept per item: each
 * Super Admin (the role held directly or through a group, ACTIVE), and each user without an ACTIVE factor
 * or with a phishing-resistant one (memory follows those users, not the organization).
 * - FAIL: a Super Admin without an ACTIVE MFA factor (one item per admin), and more than `max` Super Admins
 *   (one item, `super-admins`, naming them; exceptable like any item).
 * - PASS otherwise, saying how many hold a phishing-resistant factor (webauthn, signed_nonce): information,
 *   not a requirement.
 * - INCONCLUSIVE "okta.roles.read not granted" when a live Okta connection did not grant the optional scope
 *   (never PASS or FAIL then), on absent, stale or partial data, and when no Super Admin is found at all
 *   (every Okta org has one: the data is not what it seems).
 */
export function superAdminsDefinition(max: number): CheckDefinition {
  return {
    base: {
      key: 'super_admins_limited',
      title: `Super Admins ≤ ${max}, each with phishing-resistant or at least active MFA`,
      control: 'CC6.3',
    },
    subjects: ['identity.admin_role', 'identity.user'],
    passReason: `at most ${max} Super Admins, each with an ACTIVE MFA factor`,
    judge: () => undefined,
    fact: (row, subject): Fact | undefined => {
      if (subject === 'identity.admin_role') {
        const roles = Array.isArray(row.data.roles) ? (row.data.roles as Role[]) : [];
        const via = how(roles);
        return via === '' ? undefined : { admin: row.sourceId, login: login(row), via };
      }
      const factors = Array.isArray(row.data.factors) ? (row.data.factors as Factor[]) : [];
      if (row.data.mfaEnrolled !== true) return { user: row.sourceId, mfa: 'none' };
      const strong = factors.some(
        (f) => f.status === 'ACTIVE' && typeof f.type === 'string' && PHISHING_RESISTANT.has(f.type),
      );
      return strong ? { user: row.sourceId, mfa: 'phishing-resistant' } : undefined;
    },
    conclude: (facts) => {
      const mfa = new Map(facts.filter((f) => typeof f.user === 'string').map((f) => [f.user, f.mfa]));
      const admins = facts
        .filter((f): f is Fact & { admin: string; login: string; via: string } => typeof f.admin === 'string')
        .sort((a, b) => (a.login < b.login ? -1 : a.login > b.login ? 1 : 0));
      if (admins.length === 0)
        return {
          unknown: [{ sourceId: 'super-admins', label: 'Super Admins', reason: 'no Super Admin found' }],
          evaluated: 0,
        };
      const failing: CheckItem[] = admins
        .filter((a) => mfa.get(a.admin) === 'none')
        .map((a) => ({
          sourceId: a.admin,
          label: a.login,
          reason: `Super Admin (${a.via}) without an ACTIVE MFA factor`,
        }));
      if (admins.length > max)
        failing.push({
          sourceId: 'super-admins',
          label: 'Super Admins',
          reason: `${admins.length} Super Admins, more than ${max}: ${admins.map((a) => a.login).join(', ')}`,
        });
      const strong = admins.filter((a) => mfa.get(a.admin) === 'phishing-resistant').length;
      return {
        failing,
        evaluated: admins.length,
        passReason:
          `${admins.length} Super Admin(s), at most ${max}, each with an ACTIVE MFA factor; ` +
          `${strong} with a phishing-resistant factor`,
      };
    },
  };
}
