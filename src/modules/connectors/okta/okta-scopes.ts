import { type ScopeCheck } from '#src/modules/connectors/connector-driver.port';

/** The Okta API scopes the connector needs: read-only, nothing else. */
export const REQUIRED_OKTA_SCOPES = [
  'okta.users.read',
  'okta.groups.read',
  'okta.policies.read',
  'okta.logs.read',
] as const;

/** Read-only scopes the customer may also grant, for more evidence; the connection works without them. */
export const OPTIONAL_OKTA_SCOPES = [
  {
    scope: 'okta.roles.read',
    why:
      'Lists who holds which admin role (Super Admin included, directly or through a group) for CC6.3 and the ' +
      '"Super Admins ≤ N with MFA" check; without it that check is INCONCLUSIVE.',
  },
] as const;
export const ROLES_SCOPE = OPTIONAL_OKTA_SCOPES[0].scope;

/** Exactly what the authorize request asks for (the admin may grant the optional scopes or not). */
export const REQUESTED_SCOPES = [
  'openid',
  'offline_access',
  ...REQUIRED_OKTA_SCOPES,
  ...OPTIONAL_OKTA_SCOPES.map((o) => o.scope),
] as const;

const HARMLESS_OIDC_SCOPES = new Set(['openid', 'offline_access', 'profile', 'email']);

/**
 * Checks the `scope` of a token response: all four required Okta read scopes present, and nothing that
 * could write or administer (we never want more power than we need, even if Okta grants it). A missing
 * optional scope is reported (`optionalMissing`), never an error.
 */
export function checkGrantedScopes(scope: string | undefined): ScopeCheck {
  const granted = [...new Set((scope ?? '').split(/\s+/).filter((s) => s !== ''))].sort();
  const missing = REQUIRED_OKTA_SCOPES.filter((s) => !granted.includes(s));
  const excess = granted.filter((s) => !HARMLESS_OIDC_SCOPES.has(s) && !/^okta\.[a-zA-Z]+\.read$/.test(s));
  const optionalMissing = OPTIONAL_OKTA_SCOPES.map((o) => o.scope).filter((s) => !granted.includes(s));
  return {
    ok: missing.length === 0 && excess.length === 0,
    granted,
    missing: [...missing],
    excess,
    optionalMissing,
  };
}
