import { createHash, createPrivateKey, generateKeyPair, type KeyObject, sign } from 'node:crypto';
import { promisify } from 'node:util';

const generate = promisify(generateKeyPair);

/** The asymmetric JWS algorithms we sign with: RS256 for client authentication, ES256 for DPoP proofs. */
export type SigningAlg = 'RS256' | 'ES256';

/** The public members of a JWK (RFC 7517), as we publish them. */
export interface PublicJwk {
  readonly kty: 'RSA' | 'EC';
  readonly kid: string;
  readonly alg: SigningAlg;
  readonly use: 'sig';
  readonly n?: string;
  readonly e?: string;
  readonly crv?: string;
  readonly x?: string;
  readonly y?: string;
}

/** A key pair as it is stored (sealed): the private JWK, and the public one we show. */
export interface StoredKeyPair {
  readonly alg: SigningAlg;
  /** The private JWK (with `d`): only ever inside sealed credentials. */
  readonly privateJwk: Record<string, string>;
  readonly publicJwk: PublicJwk;
}

/** A key ready to sign with. */
export interface SigningKey {
  readonly alg: SigningAlg;
  readonly privateKey: KeyObject;
  readonly publicJwk: PublicJwk;
}

/** A fresh key pair; its `kid` is its RFC 7638 thumbprint. */
export async function generateKeyPairJwk(alg: SigningAlg): Promise<StoredKeyPair> {
  const { privateKey, publicKey } =
    alg === 'RS256'
      ? await generate('rsa', { modulusLength: 2048 })
      : await generate('ec', { namedCurve: 'P-256' });
  const raw = publicKey.export({ format: 'jwk' }) as Record<string, string>;
  const members =
    alg === 'RS256'
      ? { kty: 'RSA' as const, n: raw.n ?? '', e: raw.e ?? '' }
      : { kty: 'EC' as const, crv: raw.crv ?? '', x: raw.x ?? '', y: raw.y ?? '' };
  const publicJwk: PublicJwk = { ...members, kid: jwkThumbprint(members), alg, use: 'sig' };
  return {
    alg,
    privateJwk: privateKey.export({ format: 'jwk' }) as Record<string, string>,
    publicJwk,
  };
}

export function signingKey(pair: StoredKeyPair): SigningKey {
  return {
    alg: pair.alg,
    privateKey: createPrivateKey({ key: pair.privateJwk, format: 'jwk' }),
    publicJwk: pair.publicJwk,
  };
}

/** RFC 7638: SHA-256 over the required members in lexicographic order, no whitespace, base64url. */
export function jwkThumbprint(jwk: {
  kty: string;
  n?: string;
  e?: string;
  crv?: string;
  x?: string;
  y?: string;
}): string {
  const canonical =
    jwk.kty === 'RSA'
      ? JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n })
      : JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return createHash('sha256').update(canonical, 'utf8').digest('base64url');
}

/** The public members only (what a DPoP header or an admin may see). */
export function publicMembers(jwk: PublicJwk): Record<string, string> {
  return jwk.kty === 'RSA'
    ? { kty: jwk.kty, n: jwk.n ?? '', e: jwk.e ?? '' }
    : { kty: jwk.kty, crv: jwk.crv ?? '', x: jwk.x ?? '', y: jwk.y ?? '' };
}

/** A compact JWS (RFC 7515) over JSON header and claims. */
export function signJwt(
  key: SigningKey,
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
): string {
  const input = `${base64url({ ...header, alg: key.alg })}.${base64url(claims)}`;
  const signature =
    key.alg === 'RS256'
      ? sign('sha256', Buffer.from(input), key.privateKey)
      : sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

function base64url(value: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}
