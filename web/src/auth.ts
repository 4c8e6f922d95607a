/** The bearer token the API issued (`npm run cli -- login`), kept for this tab only. */
const KEY = 'soc2.token';
/** A handed-over token for another session than the current one, waiting for the user's confirmation. */
const PENDING = 'soc2.pending';

export interface Session {
  readonly token: string;
  readonly role: 'ADMIN' | 'MEMBER' | 'AUDITOR';
  readonly organizationId: string;
  readonly userId: string;
  readonly expiresAt: Date;
}

/**
 * Takes a token handed over in the URL fragment (`#token=…`) into sessionStorage and removes it from the
 * address bar and history at once, before anything else reads the URL.
 */
export function adoptTokenFromFragment(): void {
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  const token = fragment.get('token');
  if (token === null) return;
  window.history.replaceState(null, '', window.location.pathname + window.location.search);
  const current = sessionStorage.getItem(KEY);
  // A link must not silently swap a signed-in user into another session (someone else's organization):
  // that waits for a confirmation.
  if (current !== null && current !== token && 'session' in currentSession())
    sessionStorage.setItem(PENDING, token);
  else sessionStorage.setItem(KEY, token);
}

/** The claims of a handed-over token waiting for confirmation, if any. */
export function pendingSwitch(): { organizationId: string; role: string; userId: string } | undefined {
  const token = sessionStorage.getItem(PENDING);
  const claims = token === null ? undefined : decode(token);
  if (claims === undefined) return undefined;
  return { organizationId: claims.org, role: claims.role, userId: claims.sub };
}

export function resolveSwitch(accept: boolean): void {
  const token = sessionStorage.getItem(PENDING);
  sessionStorage.removeItem(PENDING);
  if (accept && token !== null) sessionStorage.setItem(KEY, token);
}

export type SessionState = { readonly session: Session } | { readonly signedOut: string };

/** The stored session, or why there is none. */
export function currentSession(now = Date.now()): SessionState {
  const token = sessionStorage.getItem(KEY);
  if (token === null) return { signedOut: 'You are not signed in.' };
  const claims = decode(token);
  if (claims === undefined) return { signedOut: 'The sign-in link held no valid token.' };
  const expiresAt = new Date(claims.exp * 1000);
  if (expiresAt.getTime() <= now)
    return { signedOut: `Your sign-in expired at ${expiresAt.toLocaleString()}.` };
  return {
    session: { token, role: claims.role, organizationId: claims.org, userId: claims.sub, expiresAt },
  };
}

export function signOut(): void {
  sessionStorage.removeItem(KEY);
}

interface Claims {
  readonly sub: string;
  readonly org: string;
  readonly role: Session['role'];
  readonly exp: number;
}

function decode(token: string): Claims | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const claims = JSON.parse(json) as Partial<Claims>;
    const roles = ['ADMIN', 'MEMBER', 'AUDITOR'];
    if (typeof claims.exp !== 'number' || typeof claims.org !== 'string' || typeof claims.sub !== 'string')
      return undefined;
    if (!roles.includes(String(claims.role))) return undefined;
    return claims as Claims;
  } catch {
    return undefined;
  }
}
