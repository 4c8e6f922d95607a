import { createHash, randomUUID } from 'node:crypto';
import { publicMembers, type SigningKey, signJwt } from './jwk';

/** After this many `use_dpop_nonce` challenges for one request, it fails: a server may not loop us forever. */
export const MAX_DPOP_NONCE_CHALLENGES = 3;

/** The reason a request fails with when the server kept demanding new nonces. */
export function nonceLoopReason(vendor: string): string {
  return `${vendor} kept demanding a new DPoP nonce (${MAX_DPOP_NONCE_CHALLENGES} challenges)`;
}

/**
 * A DPoP proof (RFC 9449 §4.2) for one HTTP request: header typ `dpop+jwt`, the alg and the public JWK;
 * claims jti, htm, htu (the URL without query and fragment), iat, the server's `nonce` when it gave one,
 * and for a resource request `ath`, the base64url SHA-256 of the access token.
 */
export function dpopProof(options: {
  readonly key: SigningKey;
  readonly method: string;
  readonly url: string;
  readonly nonce?: string | undefined;
  readonly accessToken?: string | undefined;
  readonly now?: number;
  readonly jti?: string;
}): string {
  const htu = new URL(options.url);
  htu.search = '';
  htu.hash = '';
  return signJwt(
    options.key,
    { typ: 'dpop+jwt', jwk: publicMembers(options.key.publicJwk) },
    {
      jti: options.jti ?? randomUUID(),
      htm: options.method.toUpperCase(),
      htu: htu.toString(),
      iat: Math.floor((options.now ?? Date.now()) / 1000),
      ...(options.nonce === undefined ? {} : { nonce: options.nonce }),
      ...(options.accessToken === undefined ? {} : { ath: accessTokenHash(options.accessToken) }),
    },
  );
}

export function accessTokenHash(accessToken: string): string {
  return createHash('sha256').update(accessToken, 'ascii').digest('base64url');
}

/** Which server a nonce came from: the authorization server's token endpoint or the resource server. */
export type NonceServer = 'token' | 'api';

const MAX_REMEMBERED = 10_000;

/**
 * The latest DPoP nonce each server gave, per connection and origin, for the next proofs. Not secret and
 * not persisted: a lost nonce costs one challenge. Bounded: the oldest entries go first.
 */
export class DpopNonces {
  private readonly nonces = new Map<string, string>();

  get(connectionId: string, server: NonceServer, url: string): string | undefined {
    return this.nonces.get(key(connectionId, server, url));
  }

  set(connectionId: string, server: NonceServer, url: string, nonce: string): void {
    const k = key(connectionId, server, url);
    this.nonces.delete(k);
    this.nonces.set(k, nonce);
    if (this.nonces.size > MAX_REMEMBERED) {
      const oldest = this.nonces.keys().next().value;
      if (oldest !== undefined) this.nonces.delete(oldest);
    }
  }

  forget(connectionId: string): void {
    for (const k of [...this.nonces.keys()]) if (k.startsWith(`${connectionId} `)) this.nonces.delete(k);
  }
}

function key(connectionId: string, server: NonceServer, url: string): string {
  return `${connectionId} ${server} ${new URL(url).origin}`;
}

/** A nonce-shaped header value (RFC 9449 §8.1: NQCHAR, printable ASCII without quote or backslash). */
export function validNonce(value: unknown): string | undefined {
  const text: unknown = Array.isArray(value) ? (value as unknown[])[0] : value;
  return typeof text === 'string' && /^[\x21\x23-\x5B\x5D-\x7E]{1,512}$/.test(text) ? text : undefined;
}
