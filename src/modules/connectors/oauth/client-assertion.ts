import { randomUUID } from 'node:crypto';
import { type SigningKey, signJwt } from './jwk';

/** RFC 7523 §2.2: how the client assertion is sent. */
export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Seconds an assertion is valid: it is made for one request. */
export const CLIENT_ASSERTION_LIFETIME_S = 60;

/**
 * A `private_key_jwt` client assertion (RFC 7523, OIDC Core §9) for one request: iss = sub = the client id,
 * aud = the endpoint it is sent to, a unique jti, a short exp; signed with the client's private key and
 * naming its `kid`, the key the admin registered at the vendor.
 */
export function clientAssertion(options: {
  readonly clientId: string;
  readonly audience: string;
  readonly key: SigningKey;
  readonly now?: number;
  readonly jti?: string;
}): string {
  const iat = Math.floor((options.now ?? Date.now()) / 1000);
  return signJwt(
    options.key,
    { typ: 'JWT', kid: options.key.publicJwk.kid },
    {
      iss: options.clientId,
      sub: options.clientId,
      aud: options.audience,
      jti: options.jti ?? randomUUID(),
      iat,
      exp: iat + CLIENT_ASSERTION_LIFETIME_S,
    },
  );
}
