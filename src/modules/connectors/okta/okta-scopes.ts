import { type ScopeCheck } from '#src/modules/connectors/connector-driver.port';

/** The Okta API scopes the connector needs: read-only, nothing else. */
export const REQUIRED_OKTA_SCOPES = [
  'okta.users.read',
  'okta.groups.read',
  'okta.policies.read',
  'okta.logs.read',
] as const;

/** Exactly what the authorize request asks for. */
export const REQUESTED_SCOPES = ['openid', 'offline_access', ...REQUIRED_OKTA_SCOPES] as const;

const HARMLESS_OIDC_SCOPES = new Set(['openid', 'offline_access', 'profile', 'email']);

/**
 * Checks the `scope` of a token response: all four Okta read scopes present, and nothing that could
 * write or administer (we never want more power than we need, even if Okta grants it).
 */
export function checkGrantedScopes(scope: string | undefined): ScopeCheck {
  const granted = [...new Set((scope ?? '').split(/\s+/).filter((s) => s !== ''))].sort();
  const missing = REQUIRED_OKTA_SCOPES.filter((s) => !granted.includes(s));
  const excess = granted.filter((s) => !HARMLESS_OIDC_SCOPES.has(s) && !/^okta\.[a-zA-Z]+\.read$/.test(s));
  return { ok: missing.length === 0 && excess.length === 0, granted, missing: [...missing], excess };
}
