import { createHash, createPublicKey, verify } from 'node:crypto';
import { clientAssertion, CLIENT_ASSERTION_LIFETIME_S } from './client-assertion';
import { accessTokenHash, dpopProof, DpopNonces, validNonce } from './dpop';
import { generateKeyPairJwk, jwkThumbprint, type SigningKey, signingKey } from './jwk';

function decode(jwt: string): {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  input: string;
  signature: Buffer;
} {
  const [h, c, s] = jwt.split('.');
  return {
    header: JSON.parse(Buffer.from(h ?? '', 'base64url').toString()) as Record<string, unknown>,
    claims: JSON.parse(Buffer.from(c ?? '', 'base64url').toString()) as Record<string, unknown>,
    input: `${h}.${c}`,
    signature: Buffer.from(s ?? '', 'base64url'),
  };
}

function verifies(jwt: string, key: SigningKey): boolean {
  const { input, signature } = decode(jwt);
  const publicKey = createPublicKey({ key: { ...key.publicJwk }, format: 'jwk' });
  return key.alg === 'ES256'
    ? verify('sha256', Buffer.from(input), { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature)
    : verify('sha256', Buffer.from(input), publicKey, signature);
}

describe('key pairs', () => {
  it.each(['RS256', 'ES256'] as const)(
    '%s: the kid is the RFC 7638 thumbprint and the public JWK has no private part',
    async (alg) => {
      const pair = await generateKeyPairJwk(alg);
      expect(pair.publicJwk.kid).toBe(jwkThumbprint(pair.publicJwk));
      expect(pair.publicJwk).not.toHaveProperty('d');
      expect(pair.privateJwk).toHaveProperty('d');
      expect(pair.publicJwk.kty).toBe(alg === 'RS256' ? 'RSA' : 'EC');
    },
  );

  it('computes the RFC 7638 §3.1 example thumbprint', () => {
    const n =
      '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw';
    expect(jwkThumbprint({ kty: 'RSA', n, e: 'AQAB' })).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });
});

describe('clientAssertion', () => {
  it('signs iss = sub = client id, aud = the endpoint, a unique jti and a short exp, naming the kid', async () => {
    const key = signingKey(await generateKeyPairJwk('RS256'));
    const now = Date.UTC(2026, 0, 1);
    const a = clientAssertion({
      clientId: '0oa1',
      audience: 'https://acme.okta.com/oauth2/v1/token',
      key,
      now,
    });
    const b = clientAssertion({
      clientId: '0oa1',
      audience: 'https://acme.okta.com/oauth2/v1/token',
      key,
      now,
    });
    const { header, claims } = decode(a);
    expect(header).toEqual({ typ: 'JWT', kid: key.publicJwk.kid, alg: 'RS256' });
    expect(claims).toMatchObject({
      iss: '0oa1',
      sub: '0oa1',
      aud: 'https://acme.okta.com/oauth2/v1/token',
      iat: now / 1000,
      exp: now / 1000 + CLIENT_ASSERTION_LIFETIME_S,
    });
    expect(typeof claims.jti).toBe('string');
    expect(decode(b).claims.jti).not.toBe(claims.jti);
    expect(verifies(a, key)).toBe(true);
  });
});

describe('dpopProof', () => {
  it('a token request proof: typ dpop+jwt, the public jwk, htm, htu without query or fragment, iat, no ath', async () => {
    const key = signingKey(await generateKeyPairJwk('ES256'));
    const proof = dpopProof({
      key,
      method: 'post',
      url: 'https://acme.okta.com/oauth2/v1/token?x=1#f',
      now: 5_000,
    });
    const { header, claims } = decode(proof);
    expect(header).toEqual({
      typ: 'dpop+jwt',
      alg: 'ES256',
      jwk: { kty: 'EC', crv: 'P-256', x: key.publicJwk.x, y: key.publicJwk.y },
    });
    expect(claims).toMatchObject({ htm: 'POST', htu: 'https://acme.okta.com/oauth2/v1/token', iat: 5 });
    expect(claims).not.toHaveProperty('ath');
    expect(claims).not.toHaveProperty('nonce');
    expect(verifies(proof, key)).toBe(true);
  });

  it('a resource proof carries ath (base64url SHA-256 of the token) and the nonce when given', async () => {
    const key = signingKey(await generateKeyPairJwk('ES256'));
    const proof = dpopProof({
      key,
      method: 'GET',
      url: 'https://acme.okta.com/api/v1/users?limit=200&after=x',
      accessToken: 'at-1',
      nonce: 'n-1',
    });
    const { claims } = decode(proof);
    expect(claims.ath).toBe(createHash('sha256').update('at-1').digest('base64url'));
    expect(claims.ath).toBe(accessTokenHash('at-1'));
    expect(claims.nonce).toBe('n-1');
    expect(claims.htu).toBe('https://acme.okta.com/api/v1/users');
  });
});

describe('DpopNonces', () => {
  it('keeps the latest nonce per connection, server and origin, and forgets a connection', () => {
    const nonces = new DpopNonces();
    nonces.set('c1', 'token', 'https://a.okta.com/oauth2/v1/token', 'n1');
    nonces.set('c1', 'token', 'https://a.okta.com/oauth2/v1/token', 'n2');
    nonces.set('c2', 'token', 'https://a.okta.com/oauth2/v1/token', 'm1');
    expect(nonces.get('c1', 'token', 'https://a.okta.com/other')).toBe('n2');
    expect(nonces.get('c1', 'api', 'https://a.okta.com/api/v1/users')).toBeUndefined();
    expect(nonces.get('c1', 'token', 'https://b.okta.com/oauth2/v1/token')).toBeUndefined();
    nonces.forget('c1');
    expect(nonces.get('c1', 'token', 'https://a.okta.com/oauth2/v1/token')).toBeUndefined();
    expect(nonces.get('c2', 'token', 'https://a.okta.com/oauth2/v1/token')).toBe('m1');
  });

  it('accepts only nonce-shaped header values', () => {
    expect(validNonce('eyJ7S_zG.9Ax')).toBe('eyJ7S_zG.9Ax');
    expect(validNonce(['a', 'b'])).toBe('a');
    expect(validNonce('has "quote"')).toBeUndefined();
    expect(validNonce('')).toBeUndefined();
    expect(validNonce(undefined)).toBeUndefined();
  });
});
