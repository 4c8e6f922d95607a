import { getModelToken } from '@nestjs/mongoose';
import { type Model, Types } from 'mongoose';
import { EnvelopeService } from '#src/common/crypto/envelope.service';
import { AccessTokenProvider } from '#src/modules/connections/access-token.provider';
import {
  ConnectionCredentialsDocument,
  OAuthAttemptDocument,
} from '#src/modules/connections/connection.schema';
import { type ConnectionCredentials } from '#src/modules/connections/connection.types';
import { ConnectionCredentialsStore } from '#src/modules/connections/credentials.store';
import { hashState } from '#src/modules/connections/oauth-flow.service';
import { followRedirects } from '../support/browser';
import { type FakeOktaAuthServer } from '../support/okta-oauth-server';
import { OktaSimulator } from '../support/okta-simulator';
import { SyncService } from '#src/modules/connectors/sync/sync.service';
import { errorCode, TestApp, type TestOrg } from '../support/test-app';

const PUBLIC_URL = 'http://app.test';
const CALLBACK = `${PUBLIC_URL}/api/integrations/okta/callback`;
const DASHBOARD = 'http://dashboard.test/integrations';
const CLIENT_ID = 'okta-client-1';
const CLIENT_SECRET = 'client-secret-9f8e7d6c5b4a-never-shown';
const READ_SCOPES = ['okta.groups.read', 'okta.logs.read', 'okta.policies.read', 'okta.users.read'];

const CONNECT = `mutation($input: ConnectOktaInput!) {
  connectOkta(input: $input) { authorizeUrl connection { id status oktaDomain clientId grantedScopes statusReason } }
}`;
const CONNECTION = `query($id: ID!) { connection(id: $id) {
  id status statusReason grantedScopes authorizedAt reauthDueAt deletedAt oktaDomain stale } }`;

interface ConnectResult {
  connectOkta: { authorizeUrl: string; connection: { id: string; status: string; oktaDomain: string } };
}
interface ConnectionResult {
  connection: {
    id: string;
    status: string;
    statusReason: string | null;
    grantedScopes: string[];
    authorizedAt: string | null;
    reauthDueAt: string | null;
    deletedAt: string | null;
  };
}

describe('Okta connection lifecycle (e2e, oidc-provider as Okta)', () => {
  let sim: OktaSimulator;
  let okta: FakeOktaAuthServer;
  let t: TestApp;
  /** Every state, token and secret seen, to prove none leaks. */
  const secrets = new Set<string>([CLIENT_SECRET]);
  const states = new Set<string>();
  const callbackResponses: string[] = [];

  beforeAll(async () => {
    sim = await OktaSimulator.start({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      redirectUri: CALLBACK,
      users: 5,
    });
    okta = sim.oauth;
    t = await TestApp.start({
      PUBLIC_URL,
      DASHBOARD_URL: DASHBOARD,
      OKTA_ALLOWED_INSECURE_HOSTS: okta.host,
      OKTA_HTTP_TIMEOUT_MS: '1500',
    });
  });
  afterEach(() => {
    okta.tokenFault = undefined;
    okta.grant = (requested) => requested;
  });
  afterAll(async () => {
    await t.get<SyncService>(SyncService).idle();
    await t.close();
    await sim.close();
  });

  const asOrg = <T>(org: TestOrg, fn: () => Promise<T>): Promise<T> => t.asOrg(org.organizationId, fn);
  const credentials = (org: TestOrg, id: string): Promise<ConnectionCredentials | undefined> =>
    asOrg(org, () => t.get<ConnectionCredentialsStore>(ConnectionCredentialsStore).read(id));

  async function connect(org: TestOrg, domain = okta.host): Promise<{ id: string; authorizeUrl: string }> {
    const result = await t.gql<ConnectResult>(org.adminToken, CONNECT, {
      input: { oktaDomain: domain, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET },
    });
    expect(result.errors).toBeUndefined();
    const payload = result.data?.connectOkta;
    if (payload === undefined) throw new Error('no payload');
    states.add(new URL(payload.authorizeUrl).searchParams.get('state') ?? '');
    return { id: payload.connection.id, authorizeUrl: payload.authorizeUrl };
  }

  /** What the app's callback does with a URL the browser was sent to. */
  async function callback(url: string): Promise<{ status: number; location?: string; text: string }> {
    const target = new URL(url);
    const res = await t.http().get(`${target.pathname}${target.search}`);
    callbackResponses.push(res.text, res.headers.location ?? '');
    return {
      status: res.status,
      text: res.text,
      ...(res.headers.location ? { location: res.headers.location } : {}),
    };
  }

  /** Browser round trip; then waits for the first sync it started, so tests see a quiet connection. */
  async function authorize(
    authorizeUrl: string,
  ): Promise<{ status: number; location?: string; text: string }> {
    const result = await callback(await followRedirects(authorizeUrl, CALLBACK));
    await t.get<SyncService>(SyncService).idle();
    return result;
  }

  async function connection(org: TestOrg, id: string): Promise<ConnectionResult['connection']> {
    const result = await t.gql<ConnectionResult>(org.adminToken, CONNECTION, { id });
    if (result.data?.connection === undefined) throw new Error(JSON.stringify(result.errors));
    return result.data.connection;
  }

  async function auditActions(
    org: TestOrg,
  ): Promise<{ action: string; actor: { type: string; id: string }; details: Record<string, unknown> }[]> {
    const result = await t.gql<{
      auditLog: {
        edges: {
          node: { action: string; actor: { type: string; id: string }; details: Record<string, unknown> };
        }[];
      };
    }>(org.adminToken, '{ auditLog(first: 50) { edges { node { action actor { type id } details } } } }');
    return result.data?.auditLog.edges.map((e) => e.node) ?? [];
  }

  async function activeConnection(org: TestOrg): Promise<string> {
    const { id, authorizeUrl } = await connect(org);
    const done = await authorize(authorizeUrl);
    expect(done.location).toBe(`${DASHBOARD}?connection=${id}&result=connected`);
    const creds = await credentials(org, id);
    for (const value of [creds?.accessToken, creds?.refreshToken]) if (value) secrets.add(value);
    return id;
  }

  describe('the integration catalog', () => {
    it('describes Okta as the integration page does, with the redirect URI from PUBLIC_URL', async () => {
      const org = await t.createOrg();
      const result = await t.gql<{ integrations: Record<string, unknown>[]; missing: null }>(
        org.adminToken,
        `{ integrations { key name category authMethod syncCadence staleThreshold controls evidenceTypes requiredScopes
             redirectUri setupSteps { title body } securityModel { title } connections { id } }
           missing: integration(key: "nope") { key } }`,
      );
      expect(result.data?.missing).toBeNull();
      expect(result.data?.integrations).toHaveLength(1);
      expect(result.data?.integrations[0]).toMatchObject({
        key: 'okta',
        name: 'Okta',
        category: 'Identity',
        authMethod: 'OAuth 2.0 (PKCE)',
        syncCadence: 'PT1H',
        staleThreshold: 'PT6H',
        controls: ['CC6.1', 'CC6.2', 'CC6.3'],
        evidenceTypes: ['okta.user_mfa', 'okta.password_policy', 'okta.deprovisioning_event'],
        requiredScopes: ['okta.users.read', 'okta.groups.read', 'okta.policies.read', 'okta.logs.read'],
        redirectUri: CALLBACK,
        connections: [],
      });
      const steps = result.data?.integrations[0]?.setupSteps as { title: string; body: string }[];
      expect(steps.map((s) => s.title)).toEqual([
        'Create an OAuth web app in Okta',
        'Grant the read-only Okta API scopes',
        'Copy the Client ID and Client Secret, then authorize',
      ]);
      expect(steps[0]?.body).toContain(CALLBACK);
    });

    it("lists the caller's own connections under the integration", async () => {
      const org = await t.createOrg();
      const other = await t.createOrg();
      const { id } = await connect(org, 'acme.okta.com');
      await connect(other, 'acme.okta.com');
      const result = await t.gql<{ integration: { connections: { id: string; status: string }[] } }>(
        org.adminToken,
        '{ integration(key: "okta") { connections { id status } } }',
      );
      expect(result.data?.integration.connections).toEqual([{ id, status: 'PENDING_AUTHORIZATION' }]);
    });
  });

  describe('connectOkta', () => {
    it.each<[string, string, RegExp]>([
      ['an http URL', 'http://acme.okta.com', /oktaDomain: must use https/],
      ['another scheme', 'ftp://acme.okta.com', /oktaDomain: must use https/],
      ['a path', 'acme.okta.com/oauth2', /oktaDomain: must be a bare host/],
      ['a port', 'acme.okta.com:8443', /oktaDomain: must not contain a port/],
      ['user info', 'admin@acme.okta.com', /oktaDomain: must not contain user info/],
      ['an IPv4 literal', '10.0.0.8', /oktaDomain: must be a host name, not an IP address/],
      ['an IPv6 literal', '[::1]', /oktaDomain: must be a host name, not an IP address/],
      ['localhost', 'localhost', /oktaDomain: must not be localhost/],
      ['a .localhost name', 'okta.localhost', /oktaDomain: must not be localhost/],
      ['a single label', 'intranet', /oktaDomain: is not a valid public host name/],
      ['an internal suffix', 'okta.corp', /oktaDomain: must be a public host name/],
    ])('refuses %s as oktaDomain with BAD_USER_INPUT', async (_name, oktaDomain, message) => {
      const org = await t.createOrg();
      const result = await t.gql(org.adminToken, CONNECT, {
        input: { oktaDomain, clientId: CLIENT_ID, clientSecret: 's' },
      });
      expect(errorCode(result)).toBe('BAD_USER_INPUT');
      expect(result.errors?.[0]?.message).toMatch(message);
      expect(result.errors?.[0]?.extensions?.field).toBe('oktaDomain');
    });

    it.each<[string, Record<string, string>, RegExp]>([
      ['an empty client secret', { clientSecret: '' }, /clientSecret is required/],
      ['an empty client id', { clientId: '' }, /clientId is required/],
      ['a client id with spaces', { clientId: 'a b' }, /clientId must contain only/],
      ['an empty domain', { oktaDomain: '' }, /oktaDomain is required/],
    ])('refuses %s with a message naming the field', async (_name, override, message) => {
      const org = await t.createOrg();
      const input = { oktaDomain: 'acme.okta.com', clientId: CLIENT_ID, clientSecret: 's', ...override };
      const result = await t.gql(org.adminToken, CONNECT, { input });
      expect(errorCode(result)).toBe('BAD_USER_INPUT');
      expect(result.errors?.[0]?.message).toMatch(message);
    });

    it('creates a PENDING_AUTHORIZATION connection and a PKCE S256 authorize URL with exactly the read-only scopes', async () => {
      const org = await t.createOrg();
      const result = await t.gql<ConnectResult>(org.adminToken, CONNECT, {
        input: {
          oktaDomain: 'https://Acme.OktaPreview.com/',
          clientId: CLIENT_ID,
          clientSecret: CLIENT_SECRET,
        },
      });
      const payload = result.data?.connectOkta;
      expect(payload?.connection).toMatchObject({
        status: 'PENDING_AUTHORIZATION',
        oktaDomain: 'acme.oktapreview.com',
      });
      const url = new URL(payload?.authorizeUrl ?? '');
      expect(`${url.origin}${url.pathname}`).toBe('https://acme.oktapreview.com/oauth2/v1/authorize');
      const params = url.searchParams;
      expect(params.get('response_type')).toBe('code');
      expect(params.get('client_id')).toBe(CLIENT_ID);
      expect(params.get('redirect_uri')).toBe(CALLBACK);
      expect(params.get('scope')).toBe(
        'openid offline_access okta.users.read okta.groups.read okta.policies.read okta.logs.read',
      );
      expect(params.get('code_challenge_method')).toBe('S256');
      expect(params.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const state = params.get('state') ?? '';
      states.add(state);
      expect(state).toMatch(/^[0-9a-f]{24}\.[A-Za-z0-9_-]{43}$/); // org id + 256 random bits
      expect(state.startsWith(org.organizationId)).toBe(true);

      const attempts = t.get<Model<OAuthAttemptDocument>>(getModelToken(OAuthAttemptDocument.name));
      const stored = await attempts
        .findOne({ organizationId: new Types.ObjectId(org.organizationId) })
        .lean();
      expect(stored?.stateHash).toBe(hashState(state));
      expect(JSON.stringify(stored)).not.toContain(state.split('.')[1]);
      expect(stored?.expiresAt.getTime()).toBeGreaterThan(Date.now() + 9 * 60_000);
      expect(stored?.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 10 * 60_000);
    });

    it('allows one live connection per Okta domain per organization (CONFLICT), several domains, and the same domain in another organization', async () => {
      const org = await t.createOrg();
      await connect(org, 'acme.okta.com');
      const again = await t.gql(org.adminToken, CONNECT, {
        input: { oktaDomain: 'ACME.okta.com', clientId: CLIENT_ID, clientSecret: 's' },
      });
      expect(errorCode(again)).toBe('CONFLICT');
      await connect(org, 'acme-eu.okta.com');
      await connect(await t.createOrg(), 'acme.okta.com');
    });
  });

  describe('the authorization round trip', () => {
    it('connects: code + PKCE exchange, tokens sealed, ACTIVE, CONNECT audited for the admin, redirect to the dashboard', async () => {
      const org = await t.createOrg();
      const { id, authorizeUrl } = await connect(org);
      const done = await authorize(authorizeUrl);
      expect(done.status).toBe(302);
      expect(done.location).toBe(`${DASHBOARD}?connection=${id}&result=connected`);

      const c = await connection(org, id);
      expect(c.status).toBe('ACTIVE');
      expect(c.statusReason).toBeNull();
      expect(c.grantedScopes).toEqual([...READ_SCOPES, 'openid']);
      const authorizedAt = new Date(c.authorizedAt ?? 0).getTime();
      expect(Math.abs(authorizedAt - Date.now())).toBeLessThan(60_000);
      expect(new Date(c.reauthDueAt ?? 0).getTime() - authorizedAt).toBe(90 * 24 * 3_600_000);

      const creds = await credentials(org, id);
      expect(creds?.clientSecret).toBe(CLIENT_SECRET);
      expect(creds?.accessToken).toEqual(expect.any(String));
      expect(creds?.refreshToken).toEqual(expect.any(String));
      for (const value of [creds?.accessToken, creds?.refreshToken]) if (value) secrets.add(value);
      const raw = await t
        .get<Model<ConnectionCredentialsDocument>>(getModelToken(ConnectionCredentialsDocument.name))
        .findOne({
          organizationId: new Types.ObjectId(org.organizationId),
          connectionId: new Types.ObjectId(id),
        })
        .lean();
      expect(raw?.sealed.startsWith('v1.')).toBe(true);
      expect(raw?.sealed).not.toContain(creds?.accessToken);

      const connect_ = (await auditActions(org)).find((e) => e.action === 'CONNECT');
      expect(connect_?.actor).toEqual({ type: 'user', id: 'user-admin' });
      expect(connect_?.details).toMatchObject({
        oktaDomain: okta.host,
        grantedScopes: [...READ_SCOPES, 'openid'],
      });
      expect(
        okta.calls.filter((c) => c.path === '/oauth2/v1/token' && c.grantType === 'authorization_code').at(-1)
          ?.status,
      ).toBe(200);
    });

    it('refuses a replayed state (400) and changes nothing', async () => {
      const org = await t.createOrg();
      const { id, authorizeUrl } = await connect(org);
      const callbackUrl = await followRedirects(authorizeUrl, CALLBACK);
      expect((await callback(callbackUrl)).status).toBe(302);
      const replay = await callback(callbackUrl);
      expect(replay.status).toBe(400);
      expect(replay.text).toContain('state_already_used');
      expect((await connection(org, id)).status).toBe('ACTIVE');
      expect((await auditActions(org)).filter((e) => e.action === 'CONNECT')).toHaveLength(1);
    });

    it.each<[string, (state: string, other: string) => string]>([
      ['a forged state', () => `${new Types.ObjectId().toHexString()}.${'A'.repeat(43)}`],
      ['a malformed state', () => 'not-a-state'],
      [
        "another organization's id on a valid state",
        (state, other) => `${other}.${state.split('.')[1] ?? ''}`,
      ],
    ])('refuses %s (400, unknown_state) and changes nothing', async (_name, forge) => {
      const org = await t.createOrg();
      const other = await t.createOrg();
      const { id, authorizeUrl } = await connect(org);
      const state = new URL(authorizeUrl).searchParams.get('state') ?? '';
      const result = await callback(
        `${CALLBACK}?code=abc&state=${encodeURIComponent(forge(state, other.organizationId))}`,
      );
      expect(result.status).toBe(400);
      expect(result.text).toContain('unknown_state');
      expect((await connection(org, id)).status).toBe('PENDING_AUTHORIZATION');
      // The real state still works afterwards: nothing was consumed.
      expect((await authorize(authorizeUrl)).location).toContain('result=connected');
    });

    it('refuses an expired state (400)', async () => {
      const org = await t.createOrg();
      const { id, authorizeUrl } = await connect(org);
      const callbackUrl = await followRedirects(authorizeUrl, CALLBACK);
      await t.connection.db
        ?.collection('oauth_attempts')
        .updateMany(
          { organizationId: new Types.ObjectId(org.organizationId) },
          { $set: { expiresAt: new Date(Date.now() - 1000) } },
        );
      const result = await callback(callbackUrl);
      expect(result.status).toBe(400);
      expect(result.text).toContain('state_expired');
      expect((await connection(org, id)).status).toBe('PENDING_AUTHORIZATION');
    });

    it('refuses a callback with a state but no code (400, missing_code)', async () => {
      const org = await t.createOrg();
      const { authorizeUrl } = await connect(org);
      const state = new URL(authorizeUrl).searchParams.get('state') ?? '';
      const result = await callback(`${CALLBACK}?state=${encodeURIComponent(state)}`);
      expect(result.status).toBe(400);
      expect(result.text).toContain('missing_code');
    });

    it('records access_denied from Okta and keeps the connection unauthorized', async () => {
      const org = await t.createOrg();
      const { id, authorizeUrl } = await connect(org);
      const state = new URL(authorizeUrl).searchParams.get('state') ?? '';
      const result = await callback(
        `${CALLBACK}?state=${encodeURIComponent(state)}&error=access_denied&error_description=${encodeURIComponent('User denied access')}`,
      );
      expect(result.location).toBe(`${DASHBOARD}?connection=${id}&result=error&reason=access_denied`);
      const c = await connection(org, id);
      expect(c.status).toBe('PENDING_AUTHORIZATION');
      expect(c.statusReason).toBe('authorization_failed: access_denied (User denied access)');
      expect(await credentials(org, id)).toEqual({ clientSecret: CLIENT_SECRET });
    });

    it('fails the exchange when the verifier does not match the challenge (PKCE at the server)', async () => {
      const org = await t.createOrg();
      const { id, authorizeUrl } = await connect(org);
      const callbackUrl = await followRedirects(authorizeUrl, CALLBACK);
      const attempts = t.get<Model<OAuthAttemptDocument>>(getModelToken(OAuthAttemptDocument.name));
      const attempt = await attempts
        .findOne({ organizationId: new Types.ObjectId(org.organizationId) })
        .lean();
      const attemptId = attempt?._id.toHexString() ?? '';
      const wrong = await asOrg(org, () =>
        t.get<EnvelopeService>(EnvelopeService).seal(`oauth-attempt:${attemptId}`, 'W'.repeat(43)),
      );
      await t.connection.db
        ?.collection('oauth_attempts')
        .updateOne({ _id: attempt?._id }, { $set: { codeVerifier: wrong } });

      const result = await callback(callbackUrl);
      expect(result.location).toBe(`${DASHBOARD}?connection=${id}&result=error&reason=token_exchange_failed`);
      const c = await connection(org, id);
      expect(c.status).toBe('PENDING_AUTHORIZATION');
      expect(c.statusReason).toBe('token_exchange_failed: invalid_grant');
      expect(okta.calls.at(-1)).toMatchObject({
        path: '/oauth2/v1/token',
        grantType: 'authorization_code',
        status: 400,
      });
    });

    it.each<[string, FakeOktaAuthServer['tokenFault'], string]>([
      [
        'a 400 from the token endpoint',
        {
          status: 400,
          body: {
            error: 'invalid_grant',
            error_description: 'The authorization code is invalid or has expired.',
          },
        },
        'invalid_grant',
      ],
      [
        'a 401 from the token endpoint',
        { status: 401, body: { error: 'invalid_client', error_description: 'No client credentials found.' } },
        'invalid_client (check the client secret, and that the Okta app\'s client authentication is "Client secret" sent in an HTTP Basic header (CLIENT_SECRET_BASIC))',
      ],
      ['a 500 from the token endpoint', { status: 500, body: {} }, 'http_500'],
      ['a token endpoint that never answers', 'timeout', 'timeout'],
    ])('records %s and stays unauthorized', async (_name, fault, reason) => {
      const org = await t.createOrg();
      const { id, authorizeUrl } = await connect(org);
      const callbackUrl = await followRedirects(authorizeUrl, CALLBACK);
      okta.tokenFault = fault;
      const result = await callback(callbackUrl);
      expect(result.location).toBe(`${DASHBOARD}?connection=${id}&result=error&reason=token_exchange_failed`);
      const c = await connection(org, id);
      expect(c.status).toBe('PENDING_AUTHORIZATION');
      expect(c.statusReason).toBe(`token_exchange_failed: ${reason}`);
      expect((await auditActions(org)).map((e) => e.action)).not.toContain('CONNECT');
    });

    it('refuses a grant missing a read scope: tokens revoked, the missing scope recorded', async () => {
      const org = await t.createOrg();
      const { id, authorizeUrl } = await connect(org);
      okta.grant = (requested) => requested.filter((s) => s !== 'okta.logs.read');
      const revokesBefore = okta.calls.filter((c) => c.path === '/oauth2/v1/revoke').length;
      const result = await authorize(authorizeUrl);
      expect(result.location).toBe(`${DASHBOARD}?connection=${id}&result=error&reason=scope_rejected`);
      const c = await connection(org, id);
      expect(c.status).toBe('PENDING_AUTHORIZATION');
      expect(c.statusReason).toBe('scope_rejected: missing okta.logs.read');
      const revokes = okta.calls.filter((call) => call.path === '/oauth2/v1/revoke').slice(revokesBefore);
      expect(revokes.map((r) => [r.tokenTypeHint, r.status]).sort()).toEqual([
        ['access_token', 200],
        ['refresh_token', 200],
      ]);
      expect(await credentials(org, id)).toEqual({ clientSecret: CLIENT_SECRET });
    });

    it('refuses a grant that carries a write scope: tokens revoked, the scope recorded', async () => {
      const org = await t.createOrg();
      const { id, authorizeUrl } = await connect(org);
      const tampered = new URL(authorizeUrl);
      tampered.searchParams.set('scope', `${tampered.searchParams.get('scope') ?? ''} okta.users.manage`);
      const result = await authorize(tampered.toString());
      expect(result.location).toBe(`${DASHBOARD}?connection=${id}&result=error&reason=scope_rejected`);
      expect((await connection(org, id)).statusReason).toBe(
        'scope_rejected: not read-only okta.users.manage',
      );
    });
  });

  describe('access tokens', () => {
    const expire = async (org: TestOrg, id: string): Promise<ConnectionCredentials> => {
      const store = t.get<ConnectionCredentialsStore>(ConnectionCredentialsStore);
      const creds = (await credentials(org, id)) as ConnectionCredentials;
      const expiring = { ...creds, accessTokenExpiresAt: new Date(Date.now() + 60_000).toISOString() };
      await asOrg(org, () => store.write(id, expiring));
      return expiring;
    };
    const refreshes = (): number => okta.calls.filter((c) => c.grantType === 'refresh_token').length;

    it('reuses a fresh token without calling Okta', async () => {
      const org = await t.createOrg();
      const id = await activeConnection(org);
      const before = refreshes();
      const creds = await credentials(org, id);
      await expect(
        asOrg(org, () => t.get<AccessTokenProvider>(AccessTokenProvider).accessToken(id)),
      ).resolves.toBe(creds?.accessToken);
      expect(refreshes()).toBe(before);
    });

    it('refreshes a token expiring within 5 minutes and persists the rotated refresh token first', async () => {
      const org = await t.createOrg();
      const id = await activeConnection(org);
      const old = await expire(org, id);
      const before = refreshes();
      const token = await asOrg(org, () => t.get<AccessTokenProvider>(AccessTokenProvider).accessToken(id));
      expect(refreshes()).toBe(before + 1);
      const now = await credentials(org, id);
      expect(token).not.toBe(old.accessToken);
      expect(now?.accessToken).toBe(token);
      expect(now?.refreshToken).not.toBe(old.refreshToken); // rotation on
      expect(new Date(now?.accessTokenExpiresAt ?? 0).getTime()).toBeGreaterThan(Date.now() + 50 * 60_000);
      for (const value of [token, now?.refreshToken]) if (value) secrets.add(value);
    });

    it('refreshes once when many callers need a token at the same time (lease)', async () => {
      const org = await t.createOrg();
      const id = await activeConnection(org);
      await expire(org, id);
      const before = refreshes();
      const provider = t.get<AccessTokenProvider>(AccessTokenProvider);
      const tokens = await Promise.all(
        Array.from({ length: 6 }, () => asOrg(org, () => provider.accessToken(id))),
      );
      expect(new Set(tokens).size).toBe(1);
      expect(refreshes()).toBe(before + 1);
    });

    it('turns invalid_grant on refresh into NEEDS_REAUTH with a SYNC_FAILURE audit', async () => {
      const org = await t.createOrg();
      const id = await activeConnection(org);
      await expire(org, id);
      okta.tokenFault = {
        status: 400,
        body: { error: 'invalid_grant', error_description: 'The refresh token is invalid or expired.' },
      };
      await expect(
        asOrg(org, () => t.get<AccessTokenProvider>(AccessTokenProvider).accessToken(id)),
      ).rejects.toMatchObject({
        code: 'CONNECTOR_UNAVAILABLE',
      });
      const c = await connection(org, id);
      expect(c.status).toBe('NEEDS_REAUTH');
      expect(c.statusReason).toBe('refresh_failed: invalid_grant');
      const failure = (await auditActions(org)).find(
        (e) => e.action === 'SYNC_FAILURE' && e.details.code === 'invalid_grant' && e.actor.type === 'system',
      );
      expect(failure?.details).toEqual({
        code: 'invalid_grant',
        reason: 'Okta rejected the refresh token (invalid_grant)',
      });
      expect(failure?.actor).toEqual({ type: 'system', id: 'test' });
    });

    it('re-authorizes a connection that needs it: ACTIVE again, REAUTH audited', async () => {
      const org = await t.createOrg();
      const id = await activeConnection(org);
      await t.connection.db
        ?.collection('connections')
        .updateOne({ _id: new Types.ObjectId(id) }, { $set: { status: 'NEEDS_REAUTH' } });
      const result = await t.gql<{
        reauthorizeConnection: { authorizeUrl: string; connection: { status: string } };
      }>(
        org.adminToken,
        'mutation($id: ID!) { reauthorizeConnection(input: { connectionId: $id }) { authorizeUrl connection { status } } }',
        { id },
      );
      const payload = result.data?.reauthorizeConnection;
      expect(payload?.connection.status).toBe('NEEDS_REAUTH');
      states.add(new URL(payload?.authorizeUrl ?? '').searchParams.get('state') ?? '');
      expect((await authorize(payload?.authorizeUrl ?? '')).location).toBe(
        `${DASHBOARD}?connection=${id}&result=connected`,
      );
      expect((await connection(org, id)).status).toBe('ACTIVE');
      const reauth = (await auditActions(org)).find((e) => e.action === 'REAUTH');
      expect(reauth?.actor).toEqual({ type: 'user', id: 'user-admin' });
    });
  });

  describe('revokeConnection', () => {
    const REVOKE =
      'mutation($id: ID!) { revokeConnection(input: { connectionId: $id }) { id status deletedAt } }';

    it('revokes at Okta, deletes the credentials, soft-deletes, audits once, and is idempotent', async () => {
      const org = await t.createOrg();
      const id = await activeConnection(org);
      const revokesBefore = okta.calls.filter((c) => c.path === '/oauth2/v1/revoke').length;
      const first = await t.gql<{ revokeConnection: { id: string; status: string; deletedAt: string } }>(
        org.adminToken,
        REVOKE,
        { id },
      );
      expect(first.data?.revokeConnection.id).toBe(id);
      expect(first.data?.revokeConnection.status).toBe('REVOKED');
      expect(typeof first.data?.revokeConnection.deletedAt).toBe('string');
      const revokes = okta.calls.filter((c) => c.path === '/oauth2/v1/revoke').slice(revokesBefore);
      expect(revokes).toEqual([
        { path: '/oauth2/v1/revoke', clientAuth: 'basic', tokenTypeHint: 'refresh_token', status: 200 },
      ]);
      expect(await credentials(org, id)).toBeUndefined();

      const second = await t.gql<{ revokeConnection: { status: string; deletedAt: string } }>(
        org.adminToken,
        REVOKE,
        { id },
      );
      expect(second.data?.revokeConnection).toEqual(first.data?.revokeConnection);
      const audits = (await auditActions(org)).filter((e) => e.action === 'REVOKE');
      expect(audits).toHaveLength(1);
      expect(audits[0]?.details).toEqual({ oktaDomain: okta.host, oktaRevocation: 'revoked' });

      const live = await t.gql<{ connections: { edges: unknown[] } }>(
        org.adminToken,
        '{ connections { edges { node { id } } } }',
      );
      expect(live.data?.connections.edges).toEqual([]);
      const all = await t.gql<{ connections: { edges: { node: { id: string; status: string } }[] } }>(
        org.adminToken,
        '{ connections(includeRevoked: true) { edges { node { id status } } } }',
      );
      expect(all.data?.connections.edges.map((e) => e.node)).toEqual([{ id, status: 'REVOKED' }]);
      expect((await connection(org, id)).status).toBe('REVOKED');

      // The domain is free again for a new connection.
      await connect(org);
    });

    it('records a failed revocation at Okta and still revokes locally', async () => {
      const org = await t.createOrg();
      const id = await activeConnection(org);
      await sim.close();
      try {
        const result = await t.gql<{ revokeConnection: { status: string } }>(org.adminToken, REVOKE, { id });
        expect(result.data?.revokeConnection.status).toBe('REVOKED');
        const audit = (await auditActions(org)).find((e) => e.action === 'REVOKE');
        expect(audit?.details.oktaRevocation).toMatch(/^failed: /);
      } finally {
        sim = await OktaSimulator.start({
          clientId: CLIENT_ID,
          clientSecret: CLIENT_SECRET,
          redirectUri: CALLBACK,
          users: 5,
        });
        okta = sim.oauth;
      }
    });
  });

  describe('tenancy and roles', () => {
    it("gives org B NOT_FOUND for org A's connection on every operation", async () => {
      const a = await t.createOrg();
      const b = await t.createOrg();
      const { id } = await connect(a, 'tenant-a.okta.com');
      const input = { id };
      for (const query of [
        CONNECTION,
        'mutation($id: ID!) { reauthorizeConnection(input: { connectionId: $id }) { authorizeUrl } }',
        'mutation($id: ID!) { revokeConnection(input: { connectionId: $id }) { id } }',
      ]) {
        expect(errorCode(await t.gql(b.adminToken, query, input))).toBe('NOT_FOUND');
      }
      const list = await t.gql<{ connections: { edges: unknown[] } }>(
        b.adminToken,
        '{ connections(includeRevoked: true) { edges { node { id } } } }',
      );
      expect(list.data?.connections.edges).toEqual([]);
      expect((await connection(a, id)).status).toBe('PENDING_AUTHORIZATION');
    });

    it.each(['MEMBER', 'AUDITOR'] as const)(
      'gives a %s FORBIDDEN on connect, re-authorize and revoke, and lets them read',
      async (role) => {
        const org = await t.createOrg();
        const { id } = await connect(org, 'roles.okta.com');
        const token = await t.token(org.organizationId, role);
        expect(
          errorCode(
            await t.gql(token, CONNECT, {
              input: { oktaDomain: 'x.okta.com', clientId: 'c', clientSecret: 's' },
            }),
          ),
        ).toBe('FORBIDDEN');
        expect(
          errorCode(
            await t.gql(
              token,
              'mutation($id: ID!) { reauthorizeConnection(input: { connectionId: $id }) { authorizeUrl } }',
              { id },
            ),
          ),
        ).toBe('FORBIDDEN');
        expect(
          errorCode(
            await t.gql(
              token,
              'mutation($id: ID!) { revokeConnection(input: { connectionId: $id }) { id } }',
              { id },
            ),
          ),
        ).toBe('FORBIDDEN');
        const read = await t.gql<ConnectionResult>(token, CONNECTION, { id });
        expect(read.data?.connection.status).toBe('PENDING_AUTHORIZATION');
      },
    );
  });

  it('never lets a client secret, token or state out in a response, a redirect or a log line', () => {
    expect(secrets.size).toBeGreaterThan(5);
    expect(states.size).toBeGreaterThan(5);
    const stateless = t.responses.filter((r) => !r.includes('authorizeUrl'));
    const haystacks: [string, string[]][] = [
      ['GraphQL responses', t.responses],
      ['callback responses and redirects', callbackResponses],
      ['log lines', t.logger.lines],
    ];
    for (const [where, texts] of haystacks) {
      for (const text of texts) {
        for (const secret of secrets)
          expect({ where, leaked: text.includes(secret) }).toEqual({ where, leaked: false });
      }
    }
    for (const [where, texts] of [
      ['GraphQL responses without an authorize URL', stateless],
      ['callback responses and redirects', callbackResponses],
      ['log lines', t.logger.lines],
    ] as const) {
      for (const text of texts) {
        for (const state of states)
          expect({ where, leaked: text.includes(state) }).toEqual({ where, leaked: false });
      }
    }
    expect(t.logger.lines.length).toBeGreaterThan(0);
    // Structured request logs: every line of a request carries its id; the callback's code and state are redacted.
    const requestLines = t.logger.lines.filter((l) => l.includes('"req":'));
    expect(requestLines.length).toBeGreaterThan(20);
    expect(requestLines.filter((l) => !/"req":\{"id":"[^"]+"/.test(l))).toEqual([]);
    expect(
      requestLines.some(
        (l) => l.includes('/api/integrations/okta/callback?') && l.includes('code=%5BREDACTED%5D'),
      ),
    ).toBe(true);
  });
});
