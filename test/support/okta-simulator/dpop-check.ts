import { createHash } from 'node:crypto';
import { type IncomingMessage } from 'node:http';
import { calculateJwkThumbprint, EmbeddedJWK, jwtVerify } from 'jose';

/** Why a DPoP-presented request is refused: a nonce to demand, or an invalid proof. */
export type DpopVerdict =
  { ok: true } | { ok: false; nonce: true } | { ok: false; nonce: false; reason: string };

/** The resource server's DPoP policy, owned by the fake authorization server. */
export interface DpopPolicy {
  /** The nonce proofs must carry now, or undefined when none is required. */
  requiredNonce(): string | undefined;
  /** A hostile server: every DPoP request is challenged with a new nonce. */
  nonceLoop(): boolean;
}

const MAX_AGE_S = 300;

/**
 * Checks a DPoP-bound token's presentation as a resource server must (RFC 9449 §7, §4.3): a proof signed by
 * the key the token is bound to (`jkt`), for this method and URL (without the query), with `ath` of this
 * token, recent, not replayed, and carrying the current nonce when one is required.
 */
export class DpopChecker {
  private readonly seen = new Set<string>();

  constructor(
    private readonly baseUrl: () => string,
    private readonly policy: DpopPolicy,
  ) {}

  async check(req: IncomingMessage, path: string, token: string, jkt: string): Promise<DpopVerdict> {
    const proof = req.headers.dpop;
    if (typeof proof !== 'string') return { ok: false, nonce: false, reason: 'DPoP proof missing' };
    let payload: Record<string, unknown>;
    let jwk: unknown;
    try {
      const verified = await jwtVerify(proof, EmbeddedJWK, {
        typ: 'dpop+jwt',
        algorithms: ['ES256', 'RS256'],
      });
      payload = verified.payload;
      jwk = verified.protectedHeader.jwk;
    } catch {
      return { ok: false, nonce: false, reason: 'DPoP proof signature invalid' };
    }
    if ((await calculateJwkThumbprint(jwk as Parameters<typeof calculateJwkThumbprint>[0])) !== jkt)
      return { ok: false, nonce: false, reason: 'DPoP proof key does not match the token' };
    if (payload.htm !== req.method) return { ok: false, nonce: false, reason: 'DPoP htm mismatch' };
    if (payload.htu !== `${this.baseUrl()}${path}`)
      return { ok: false, nonce: false, reason: 'DPoP htu mismatch' };
    if (payload.ath !== createHash('sha256').update(token).digest('base64url'))
      return { ok: false, nonce: false, reason: 'DPoP ath mismatch' };
    if (typeof payload.iat !== 'number' || Math.abs(Date.now() / 1000 - payload.iat) > MAX_AGE_S)
      return { ok: false, nonce: false, reason: 'DPoP proof too old' };
    if (typeof payload.jti !== 'string' || this.seen.has(payload.jti))
      return { ok: false, nonce: false, reason: 'DPoP proof replayed' };
    if (this.policy.nonceLoop()) return { ok: false, nonce: true };
    const required = this.policy.requiredNonce();
    if (required !== undefined && payload.nonce !== required) return { ok: false, nonce: true };
    this.seen.add(payload.jti);
    if (this.seen.size > 100_000) this.seen.clear();
    return { ok: true };
  }
}
