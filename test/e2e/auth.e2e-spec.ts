import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { OrganizationsService } from '#src/modules/organizations/organizations.service';
import { errorCode, TestApp, type TestOrg } from '../support/test-app';
import { TEST_JWT_SECRET } from '../support/test-config';

const ME = '{ me { userId organizationId role organization { id name } } }';

function hs256(
  claims: Record<string, unknown>,
  secret = TEST_JWT_SECRET,
  expiresIn: number | string = '1h',
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(secret));
}

/** An HS256 token with exactly these claims (no defaults): for lifetime and clock checks. */
function hs256Claims(claims: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new TextEncoder().encode(TEST_JWT_SECRET));
}

const nowS = (): number => Math.floor(Date.now() / 1000);

describe('authentication and roles (e2e)', () => {
  let t: TestApp;
  let org: TestOrg;

  beforeAll(async () => {
    t = await TestApp.start();
    org = await t.createOrg('Acme');
  });
  afterAll(() => t.close());

  it('returns the principal and organization for a valid token', async () => {
    const result = await t.gql(org.adminToken, ME);
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({
      me: {
        userId: 'user-admin',
        organizationId: org.organizationId,
        role: 'ADMIN',
        organization: { id: org.organizationId, name: 'Acme' },
      },
    });
  });

  it.each<[string, () => Promise<string | undefined>]>([
    ['no token', () => Promise.resolve(undefined)],
    ['a malformed token', () => Promise.resolve('not.a.jwt')],
    ['garbage', () => Promise.resolve('x')],
    [
      'an expired token',
      () =>
        hs256(
          { sub: 'u1', org: org.organizationId, role: 'ADMIN' },
          TEST_JWT_SECRET,
          Math.floor(Date.now() / 1000) - 60,
        ),
    ],
    [
      'a token signed with another secret',
      () =>
        hs256(
          { sub: 'u1', org: org.organizationId, role: 'ADMIN' },
          'another-secret-another-secret-another-secret',
        ),
    ],
    ['a token without an organization', () => hs256({ sub: 'u1', role: 'ADMIN' })],
    ['a token with a malformed organization', () => hs256({ sub: 'u1', org: 'acme', role: 'ADMIN' })],
    ['a token with an unknown role', () => hs256({ sub: 'u1', org: org.organizationId, role: 'OWNER' })],
    ['a token without a subject', () => hs256({ org: org.organizationId, role: 'ADMIN' })],
    [
      'an unsigned (alg none) token',
      () => {
        const encode = (v: object): string => Buffer.from(JSON.stringify(v)).toString('base64url');
        return Promise.resolve(
          `${encode({ alg: 'none' })}.${encode({ sub: 'u', org: org.organizationId, role: 'ADMIN', exp: 9999999999 })}.`,
        );
      },
    ],
  ])('rejects %s with UNAUTHENTICATED and no data', async (_name, makeToken) => {
    const result = await t.gql(await makeToken(), ME);
    expect(errorCode(result)).toBe('UNAUTHENTICATED');
    expect(result.data).toBeNull();
  });

  describe('token lifetime (AUTH_MAX_TOKEN_LIFETIME_S, default 24 h)', () => {
    const claims = (): Record<string, unknown> => ({ sub: 'u1', org: org.organizationId, role: 'ADMIN' });

    it.each<[string, () => Record<string, number>]>([
      ['an exp in year 9999', () => ({ iat: nowS(), exp: 253402300799 })],
      ['a lifetime of 24 h and one second', () => ({ iat: nowS(), exp: nowS() + 86_401 })],
      ['no iat and an exp more than 24 h ahead', () => ({ exp: nowS() + 86_400 + 120 })],
      ['an iat an hour in the future', () => ({ iat: nowS() + 3600, exp: nowS() + 7200 })],
      ['an iat two minutes in the future', () => ({ iat: nowS() + 120, exp: nowS() + 600 })],
    ])('rejects a token with %s', async (_name, times) => {
      const result = await t.gql(await hs256Claims({ ...claims(), ...times() }), ME);
      expect(errorCode(result)).toBe('UNAUTHENTICATED');
      expect(result.data).toBeNull();
    });

    it.each<[string, () => Record<string, number>]>([
      ['a lifetime of exactly 24 h', () => ({ iat: nowS(), exp: nowS() + 86_400 })],
      ['no iat and an exp an hour ahead', () => ({ exp: nowS() + 3600 })],
      ['an iat 30 s in the future (clock skew)', () => ({ iat: nowS() + 30, exp: nowS() + 600 })],
    ])('accepts a token with %s', async (_name, times) => {
      const result = await t.gql(await hs256Claims({ ...claims(), ...times() }), ME);
      expect(result.errors).toBeUndefined();
    });

    it('does not mint a token that would outlive the maximum', async () => {
      await expect(t.token(org.organizationId, 'ADMIN', 'u1', 86_401)).rejects.toThrow(
        /AUTH_MAX_TOKEN_LIFETIME_S/,
      );
    });
  });

  it('gives a MEMBER FORBIDDEN on an admin-only mutation, and changes nothing', async () => {
    const member = await t.token(org.organizationId, 'MEMBER');
    const result = await t.gql(member, 'mutation { renameOrganization(input: { name: "Hacked" }) { name } }');
    expect(errorCode(result)).toBe('FORBIDDEN');
    const me = await t.gql<{ me: { organization: { name: string } } }>(org.adminToken, ME);
    expect(me.data?.me.organization.name).toBe('Acme');
  });

  it('gives a MEMBER FORBIDDEN on the audit chain verification, which ADMIN and AUDITOR may run', async () => {
    const query = '{ verifyAuditChain { ok } }';
    expect(errorCode(await t.gql(await t.token(org.organizationId, 'MEMBER'), query))).toBe('FORBIDDEN');
    expect((await t.gql(await t.token(org.organizationId, 'AUDITOR'), query)).errors).toBeUndefined();
    expect((await t.gql(org.adminToken, query)).errors).toBeUndefined();
  });

  it('validates input: an empty or over-long name is BAD_USER_INPUT', async () => {
    const empty = await t.gql(
      org.adminToken,
      'mutation { renameOrganization(input: { name: "" }) { name } }',
    );
    expect(errorCode(empty)).toBe('BAD_USER_INPUT');
    expect(empty.errors?.[0]?.message).toContain('name should not be empty');
    const long = await t.gql(
      org.adminToken,
      'mutation($n: String!) { renameOrganization(input: { name: $n }) { name } }',
      {
        n: 'x'.repeat(201),
      },
    );
    expect(errorCode(long)).toBe('BAD_USER_INPUT');
  });

  describe('organization names are printable text', () => {
    const RENAME = 'mutation($n: String!) { renameOrganization(input: { name: $n }) { name } }';

    it.each([
      ['a NUL', 'Acme\u0000Corp'],
      ['a right-to-left override (U+202E)', 'Acme \u202Egnp.exe'],
      ['a bidi isolate (U+2066)', 'Acme \u2066Corp'],
      ['a zero-width space', 'Ac\u200Bme'],
      ['a newline inside', 'Acme\nCorp'],
      ['only spaces', '   '],
    ])('refuses a name with %s (BAD_USER_INPUT) and keeps the old one', async (_name, name) => {
      const before = await t.gql<{ me: { organization: { name: string } } }>(org.adminToken, ME);
      const result = await t.gql(org.adminToken, RENAME, { n: name });
      expect(errorCode(result)).toBe('BAD_USER_INPUT');
      const after = await t.gql<{ me: { organization: { name: string } } }>(org.adminToken, ME);
      expect(after.data?.me.organization.name).toBe(before.data?.me.organization.name);
    });

    it('stores a name trimmed, and accepts letters, accents, punctuation and symbols of any script', async () => {
      const result = await t.gql(org.adminToken, RENAME, { n: '  Société Générale — 株式会社 (EU) 🚀  ' });
      expect(result.data).toEqual({ renameOrganization: { name: 'Société Générale — 株式会社 (EU) 🚀' } });
      const restored = await t.gql(org.adminToken, RENAME, { n: 'Acme' });
      expect(restored.errors).toBeUndefined();
    });

    it('refuses the same names when an organization is created (CLI)', async () => {
      const organizations = t.get<OrganizationsService>(OrganizationsService);
      await expect(organizations.create('Evil\u202Egnp.exe', 'test')).rejects.toMatchObject({
        code: 'BAD_USER_INPUT',
      });
      await expect(organizations.create('Nul\u0000Org', 'test')).rejects.toMatchObject({
        code: 'BAD_USER_INPUT',
      });
      expect((await organizations.create('  Trimmed Org  ', 'test')).name).toBe('Trimmed Org');
    });
  });

  it('lets an ADMIN rename the organization', async () => {
    const result = await t.gql(
      org.adminToken,
      'mutation { renameOrganization(input: { name: "Acme Inc" }) { id name } }',
    );
    expect(result.data).toEqual({ renameOrganization: { id: org.organizationId, name: 'Acme Inc' } });
  });

  it('serves health without a token', async () => {
    await t.http().get('/health/live').expect(200, { status: 'ok' });
    const ready = await t.http().get('/health/ready').expect(200);
    expect(ready.body).toMatchObject({
      status: 'ok',
      info: { database: { status: 'up' }, keyProvider: { status: 'up' } },
    });
  });
});

const ISSUER = 'https://idp.example.test/';
const AUDIENCE = 'okta-evidence-api';

describe('RS256 tokens via AUTH_JWKS_URL (e2e)', () => {
  let jwks: Server;
  let t: TestApp;
  let signingKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  let org: TestOrg;

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    signingKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    jwks = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const { port } = jwks.address() as AddressInfo;
    t = await TestApp.start({
      AUTH_JWKS_URL: `http://127.0.0.1:${port}/jwks.json`,
      AUTH_JWT_ISSUER: ISSUER,
      AUTH_JWT_AUDIENCE: AUDIENCE,
      AUTH_MAX_TOKEN_LIFETIME_S: '3600',
    });
    org = await t.createOrg('Jwks Org');
  });
  afterAll(async () => {
    await t.close();
    await new Promise((resolve) => jwks.close(resolve));
  });

  function rs256(
    overrides: { iss?: string; aud?: string | string[]; lifetime?: string } = {},
    key = signingKey,
  ): Promise<string> {
    const jwt = new SignJWT({ org: org.organizationId, role: 'AUDITOR' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setSubject('idp-user')
      .setIssuedAt()
      .setExpirationTime(overrides.lifetime ?? '5m');
    if (!('iss' in overrides) || overrides.iss !== '') jwt.setIssuer(overrides.iss ?? ISSUER);
    if (!('aud' in overrides) || overrides.aud !== '') jwt.setAudience(overrides.aud ?? AUDIENCE);
    return jwt.sign(key);
  }

  it('accepts a token signed by the JWKS key with the configured issuer and audience', async () => {
    const result = await t.gql<{ me: { userId: string; role: string } }>(
      await rs256(),
      '{ me { userId role } }',
    );
    expect(result.data?.me).toEqual({ userId: 'idp-user', role: 'AUDITOR' });
    const among = await t.gql(await rs256({ aud: ['another-api', AUDIENCE] }), '{ me { userId } }');
    expect(among.errors).toBeUndefined();
  });

  it.each<[string, () => Promise<string>]>([
    ['signed by another key', async () => rs256({}, (await generateKeyPair('RS256')).privateKey)],
    ['without an issuer', () => rs256({ iss: '' })],
    ['from another issuer', () => rs256({ iss: 'https://evil.example.test/' })],
    ['without an audience', () => rs256({ aud: '' })],
    ['for another audience', () => rs256({ aud: 'another-api' })],
    ['living longer than AUTH_MAX_TOKEN_LIFETIME_S (an hour)', () => rs256({ lifetime: '2h' })],
  ])('rejects a token %s', async (_name, makeToken) => {
    const result = await t.gql(await makeToken(), '{ me { userId } }');
    expect(errorCode(result)).toBe('UNAUTHENTICATED');
    expect(result.data).toBeNull();
  });
});
