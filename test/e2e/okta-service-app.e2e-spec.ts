import { Types } from 'mongoose';
import { ConnectionCredentialsStore } from '#src/modules/connections/credentials.store';
import { SyncService } from '#src/modules/connectors/sync/sync.service';
import { generateKeyPairJwk } from '#src/modules/connectors/oauth/jwk';
import { REQUIRED_OKTA_SCOPES, ROLES_SCOPE } from '#src/modules/connectors/okta/okta-scopes';
import { connectOkta } from '../support/okta-connect';
import { OktaOrgState, OktaSimulator } from '../support/okta-simulator';
import { errorCode, TestApp, type TestOrg } from '../support/test-app';

/** A sync of a 40-user org on a busy 2-core machine, several times over. */
jest.setTimeout(180_000);

const PUBLIC_URL = 'http://app.test';
const WEB_APP = { clientId: 'okta-web-app', clientSecret: 'web-app-secret-value-for-tests' };

const START = `mutation($input: ConnectOktaServiceAppInput!) { connectOktaServiceApp(input: $input) {
  connection { id status authMode reauthDueAt serviceAppKey { kid thumbprint alg publicJwk } }
  publicKey { kid thumbprint alg publicJwk } } }`;
const ACTIVATE = `mutation($id: ID!) { activateServiceApp(input: { connectionId: $id }) {
  id status statusReason authMode grantedScopes reauthDueAt } }`;
const CONNECTION = `query($id: ID!) { connection(id: $id) {
  id status statusReason authMode grantedScopes reauthDueAt serviceAppKey { kid publicJwk } } }`;
const RUNS = `query($id: ID!) { connectorRuns(connectionId: $id, first: 20) { edges { node {
  id status error { code message } } } } }`;

interface Started {
  readonly id: string;
  readonly publicJwk: Record<string, unknown>;
  readonly kid: string;
}
interface ConnectionView {
  id: string;
  status: string;
  statusReason: string | null;
  authMode: string;
  grantedScopes: string[];
  reauthDueAt: string | null;
  serviceAppKey: { kid: string; publicJwk: string } | null;
}

describe('Okta service-app connections: client credentials, private_key_jwt, DPoP (e2e, oidc-provider + simulator over real HTTP)', () => {
  let sim: OktaSimulator;
  let t: TestApp;
  let pkce: { org: TestOrg; id: string };
  let apps = 0;

  beforeAll(async () => {
    sim = await OktaSimulator.start({
      ...WEB_APP,
      redirectUri: `${PUBLIC_URL}/api/integrations/okta/callback`,
      state: OktaOrgState.seed({ users: 40, seed: 21 }),
    });
    t = await TestApp.start({
      PUBLIC_URL,
      OKTA_ALLOWED_INSECURE_HOSTS: sim.host,
      SCHEDULER_TICK_MS: '3600000',
    });
    const org = await t.createOrg('Web app');
    const id = await connectOkta({
      baseUrl: t.url,
      publicUrl: PUBLIC_URL,
      token: org.adminToken,
      oktaDomain: sim.host,
      client: WEB_APP,
    });
    await idle();
    pkce = { org, id };
  });
  afterEach(() => {
    sim.oauth.dpopNonceLoop = undefined;
  });
  afterAll(async () => {
    await t?.get<SyncService>(SyncService).idle();
    await t?.close();
    await sim?.close();
  });

  const idle = (): Promise<void> => t.get<SyncService>(SyncService).idle();

  async function start(org: TestOrg, clientId: string): Promise<Started> {
    const result = await t.gql<{
      connectOktaServiceApp: {
        connection: { id: string; status: string; authMode: string };
        publicKey: { kid: string; thumbprint: string; alg: string; publicJwk: string };
      };
    }>(org.adminToken, START, { input: { oktaDomain: sim.host, clientId } });
    expect(result.errors).toBeUndefined();
    const payload = result.data?.connectOktaServiceApp;
    expect(payload?.connection).toMatchObject({ status: 'PENDING_AUTHORIZATION', authMode: 'SERVICE_APP' });
    expect(payload?.publicKey.kid).toBe(payload?.publicKey.thumbprint);
    expect(payload?.publicKey.alg).toBe('RS256');
    const publicJwk = JSON.parse(payload?.publicKey.publicJwk ?? '{}') as Record<string, unknown>;
    expect(Object.keys(publicJwk).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
    return { id: payload?.connection.id ?? '', publicJwk, kid: payload?.publicKey.kid ?? '' };
  }

  /** An org with a service-app connection the admin started: the app registered at Okta as `setup` says. */
  async function setUp(
    name: string,
    setup: { dpop: boolean; jwk?: 'shown' | 'other'; scopes?: string[]; authMethod?: 'client_secret_basic' },
  ): Promise<{ org: TestOrg; clientId: string; started: Started }> {
    const org = await t.createOrg(name);
    apps += 1;
    const clientId = `0oa-service-${apps}`;
    const started = await start(org, clientId);
    const other = setup.jwk === 'other' ? (await generateKeyPairJwk('RS256')).publicJwk : undefined;
    await sim.oauth.registerServiceApp({
      clientId,
      jwks: [other === undefined ? started.publicJwk : { ...other }],
      dpop: setup.dpop,
      ...(setup.scopes === undefined ? {} : { scopes: setup.scopes }),
      ...(setup.authMethod === undefined ? {} : { authMethod: setup.authMethod }),
    });
    return { org, clientId, started };
  }

  async function activate(org: TestOrg, id: string) {
    return t.gql<{ activateServiceApp: ConnectionView }>(org.adminToken, ACTIVATE, { id });
  }

  async function view(org: TestOrg, id: string): Promise<ConnectionView | undefined> {
    return (await t.gql<{ connection: ConnectionView }>(org.adminToken, CONNECTION, { id })).data?.connection;
  }

  async function runs(org: TestOrg, id: string) {
    const result = await t.gql<{
      connectorRuns: {
        edges: { node: { id: string; status: string; error: { code: string; message: string } | null } }[];
      };
    }>(org.adminToken, RUNS, { id });
    return result.data?.connectorRuns.edges.map((e) => e.node) ?? [];
  }

  /** Makes the stored access token about to expire, so the next sync fetches a new one. */
  async function expireToken(org: TestOrg, id: string): Promise<void> {
    const store = t.get<ConnectionCredentialsStore>(ConnectionCredentialsStore);
    await t.asOrg(org.organizationId, async () => {
      const creds = await store.read(id);
      if (creds === undefined) throw new Error('no credentials');
      await store.write(id, { ...creds, accessTokenExpiresAt: new Date(Date.now() + 60_000).toISOString() });
    });
  }

  /** The current evidence of a connection: type, source id and fingerprint of every current row. */
  async function evidenceOf(id: string): Promise<string[]> {
    const rows = await t.connection
      .collection('evidence')
      .find({ connectionId: new Types.ObjectId(id), validUntil: null })
      .project<{ type: string; sourceId: string; fingerprint: string }>({
        type: 1,
        sourceId: 1,
        fingerprint: 1,
      })
      .toArray();
    return rows.map((r) => `${r.type} ${r.sourceId} ${r.fingerprint}`).sort();
  }

  /** The private JWK members and the access token of a connection, opened as the connector does. */
  async function secretsOf(org: TestOrg, id: string): Promise<string[]> {
    const creds = await t.asOrg(org.organizationId, () =>
      t.get<ConnectionCredentialsStore>(ConnectionCredentialsStore).read(id),
    );
    const keys = creds?.serviceApp;
    return [
      keys?.clientKey.privateJwk.d,
      keys?.clientKey.privateJwk.p,
      keys?.dpopKey.privateJwk.d,
      creds?.accessToken,
    ].filter((v): v is string => typeof v === 'string' && v.length > 8);
  }

  it('connects without DPoP: a bearer token from client credentials and private_key_jwt, the same evidence as the PKCE connection, no refresh token, no expiry, keys sealed', async () => {
    const { org, clientId, started } = await setUp('Bearer app', { dpop: false });
    const calls = sim.oauth.calls.length;
    const activated = await activate(org, started.id);
    expect(activated.errors).toBeUndefined();
    expect(activated.data?.activateServiceApp).toMatchObject({
      status: 'ACTIVE',
      authMode: 'SERVICE_APP',
      reauthDueAt: null,
      statusReason: null,
      grantedScopes: ['okta.groups.read', 'okta.logs.read', 'okta.policies.read', 'okta.users.read'],
    });
    const tokenCalls = sim.oauth.calls.slice(calls).filter((c) => c.path === '/oauth2/v1/token');
    // The optional okta.roles.read first: this app was not granted it, so Okta refuses the request and the
    // required scopes are asked for alone.
    expect(tokenCalls).toEqual([
      expect.objectContaining({
        grantType: 'client_credentials',
        clientAuth: 'private_key_jwt',
        status: 400,
        error: 'invalid_scope',
      }),
      expect.objectContaining({
        grantType: 'client_credentials',
        clientAuth: 'private_key_jwt',
        status: 200,
      }),
    ]);
    expect(tokenCalls.map((c) => c.dpop === true)).toEqual([false, false]);
    const dpopRequests = sim.api.dpopRequests;
    await idle(); // the first sync, started by the activation
    const [run] = await runs(org, started.id);
    expect(run?.status).toBe('SUCCEEDED');
    expect(sim.api.dpopRequests).toBe(dpopRequests); // bearer all the way
    expect(await evidenceOf(started.id)).toEqual(await evidenceOf(pkce.id));
    expect((await evidenceOf(started.id)).length).toBeGreaterThan(40);

    // Stored: the auth mode, no refresh token, no grant expiry; the private keys only sealed.
    const doc = await t.connection.collection('connections').findOne({ _id: new Types.ObjectId(started.id) });
    expect(doc).toMatchObject({ authMode: 'SERVICE_APP', reauthDueAt: null, clientId });
    const credentials = await t.connection
      .collection('connection_credentials')
      .findOne({ connectionId: new Types.ObjectId(started.id) });
    const raw = JSON.stringify(credentials);
    const secrets = await secretsOf(org, started.id);
    expect(secrets).toHaveLength(4);
    for (const secret of secrets) expect(raw).not.toContain(secret);
    expect(raw).not.toMatch(/PRIVATE KEY|"d":|"kty"/);
    const creds = await t.asOrg(org.organizationId, () =>
      t.get<ConnectionCredentialsStore>(ConnectionCredentialsStore).read(started.id),
    );
    expect(creds?.refreshToken).toBeUndefined();
    expect(creds?.accessTokenType).toBe('Bearer');
    // Nothing secret in any GraphQL answer or log line.
    const seen = [...t.responses, ...t.logger.lines].join('\n');
    for (const secret of secrets) expect(seen).not.toContain(secret);

    // The audit entry says how it was connected.
    const audit = await t.gql<{
      auditLog: { edges: { node: { action: string; details: Record<string, unknown> } }[] };
    }>(org.adminToken, '{ auditLog(first: 10) { edges { node { action details } } } }');
    const connect = audit.data?.auditLog.edges.find((e) => e.node.action === 'CONNECT')?.node;
    expect(connect?.details).toMatchObject({ authMode: 'SERVICE_APP', dpop: false, keyId: started.kid });

    // Okta stops accepting the token (401): a new one comes from the client credentials, and the run succeeds.
    sim.api.rejectedTokens.add(creds?.accessToken ?? '');
    const before = sim.oauth.calls.length;
    await t.syncNow(org.adminToken, started.id);
    expect((await runs(org, started.id))[0]?.status).toBe('SUCCEEDED');
    expect(sim.oauth.calls.slice(before).filter((c) => c.path === '/oauth2/v1/token')).toEqual([
      expect.objectContaining({
        grantType: 'client_credentials',
        clientAuth: 'private_key_jwt',
        status: 200,
      }),
    ]);
  });

  it('connects with DPoP required: the missing proof and the nonce are handled, every API call carries a proof, a nonce rotation mid-sync and a token fetched with a stale nonce still sync', async () => {
    const { org, started } = await setUp('DPoP app', { dpop: true });
    const calls = sim.oauth.calls.length;
    const activated = await activate(org, started.id);
    expect(activated.errors).toBeUndefined();
    expect(activated.data?.activateServiceApp.status).toBe('ACTIVE');
    const tokenCalls = sim.oauth.calls.slice(calls).filter((c) => c.path === '/oauth2/v1/token');
    expect(tokenCalls.map((c) => [c.dpop === true, c.error ?? c.status])).toEqual([
      [false, 'invalid_dpop_proof'],
      [true, 'use_dpop_nonce'],
      [true, 'invalid_scope'], // okta.roles.read, not granted to this app
      [true, 200],
    ]);
    await idle();
    expect((await runs(org, started.id))[0]?.status).toBe('SUCCEEDED');
    expect(await evidenceOf(started.id)).toEqual(await evidenceOf(pkce.id));
    const creds = await t.asOrg(org.organizationId, () =>
      t.get<ConnectionCredentialsStore>(ConnectionCredentialsStore).read(started.id),
    );
    expect(creds?.accessTokenType).toBe('DPoP');

    // Okta rotates its nonce while requests are in flight, and the token has expired: the token endpoint and
    // the API each challenge once, the client retries with the new nonce, and the run succeeds.
    await t.asOrg(org.organizationId, () =>
      t.get<ConnectionCredentialsStore>(ConnectionCredentialsStore).write(started.id, {
        ...creds!,
        accessTokenExpiresAt: new Date(Date.now() + 60_000).toISOString(),
      }),
    );
    const challenges = sim.api.dpopNonceChallenges;
    const dpopRequests = sim.api.dpopRequests;
    const before = sim.oauth.calls.length;
    const release = sim.api.hold();
    const first = sim.api.nextRequest();
    const sync = t.gql(
      org.adminToken,
      'mutation($id: ID!) { syncConnection(input: { connectionId: $id }) { id } }',
      {
        id: started.id,
      },
    );
    await first; // an API call is held, its proof made with the old nonce
    sim.oauth.rotateDpopNonce();
    release();
    expect((await sync).errors).toBeUndefined();
    await idle();
    const latest = (await runs(org, started.id))[0];
    expect(latest?.status).toBe('SUCCEEDED');
    expect(sim.api.dpopNonceChallenges).toBeGreaterThan(challenges);
    expect(sim.api.dpopRequests).toBeGreaterThan(dpopRequests);
    const refetch = sim.oauth.calls.slice(before).filter((c) => c.path === '/oauth2/v1/token');
    expect(refetch.at(-1)).toMatchObject({ grantType: 'client_credentials', dpop: true, status: 200 });
    expect(await evidenceOf(started.id)).toEqual(await evidenceOf(pkce.id));
  });

  it('asks for the optional okta.roles.read too: an app granted it gets it and its admin roles are collected', async () => {
    const { org, started } = await setUp('Roles app', {
      dpop: true,
      scopes: [...REQUIRED_OKTA_SCOPES, ROLES_SCOPE],
    });
    const calls = sim.oauth.calls.length;
    const activated = await activate(org, started.id);
    expect(activated.errors).toBeUndefined();
    expect(activated.data?.activateServiceApp.grantedScopes).toEqual(
      [...REQUIRED_OKTA_SCOPES, ROLES_SCOPE].sort(),
    );
    const tokenCalls = sim.oauth.calls.slice(calls).filter((c) => c.path === '/oauth2/v1/token');
    expect(tokenCalls.map((c) => c.error ?? c.status)).toEqual(['invalid_dpop_proof', 'use_dpop_nonce', 200]);
    await idle();
    expect((await runs(org, started.id))[0]?.status).toBe('SUCCEEDED');
    const roles = (await evidenceOf(started.id)).filter((row) =>
      row.startsWith('okta.admin_role_assignment'),
    );
    // One row per admin: users holding a role directly or through a group.
    const admins = new Set(
      sim.state.roles.flatMap((r) =>
        r.assignee.type === 'USER'
          ? [r.assignee.id]
          : [...(sim.state.groups.find((g) => g.id === r.assignee.id)?.members ?? [])],
      ),
    );
    expect(roles).toHaveLength(admins.size);
    expect(admins.size).toBeGreaterThan(0);
  });

  it('bounds the nonce loop: a token endpoint demanding a new nonce forever fails the activation after 3 challenges, and an API doing so fails the run with the reason', async () => {
    const { org, started } = await setUp('Nonce loop', { dpop: true });
    sim.oauth.dpopNonceLoop = 'token';
    const calls = sim.oauth.calls.length;
    const refused = await activate(org, started.id);
    expect(refused.errors?.[0]?.message).toContain('Okta kept demanding a new DPoP nonce (3 challenges)');
    expect(errorCode(refused)).toBe('CONNECTOR_UNAVAILABLE');
    expect(
      sim.oauth.calls
        .slice(calls)
        .filter((c) => c.error === 'use_dpop_nonce')
        .map((c) => c.status),
    ).toEqual([400, 400, 400]);
    expect(await view(org, started.id)).toMatchObject({
      status: 'PENDING_AUTHORIZATION',
      statusReason: 'activation_failed: use_dpop_nonce',
    });

    sim.oauth.dpopNonceLoop = undefined;
    expect((await activate(org, started.id)).data?.activateServiceApp.status).toBe('ACTIVE');
    await idle();
    sim.oauth.dpopNonceLoop = 'api';
    const challenges = sim.api.dpopNonceChallenges;
    await t.syncNow(org.adminToken, started.id);
    const [run] = await runs(org, started.id);
    expect(run?.status).toBe('FAILED');
    expect(run?.error?.code).toBe('UNAUTHORIZED');
    expect(run?.error?.message).toMatch(
      /^Okta kept demanding a new DPoP nonce \(3 challenges\) for \/api\/v1\//,
    );
    expect(sim.api.dpopNonceChallenges - challenges).toBe(3);
  });

  it('refuses to activate with a key the app does not hold, saying to paste the shown key, and activates once it is pasted', async () => {
    const { org, clientId, started } = await setUp('Wrong key', { dpop: true, jwk: 'other' });
    const refused = await activate(org, started.id);
    expect(errorCode(refused)).toBe('BAD_USER_INPUT');
    const message = refused.errors?.[0]?.message ?? '';
    expect(message).toContain('does not hold our public key');
    expect(message).toContain('paste the public key shown for this connection');
    expect(message).not.toMatch(/eyJ|"n"|"d"/);
    for (const secret of await secretsOf(org, started.id)) expect(message).not.toContain(secret);
    expect(await view(org, started.id)).toMatchObject({
      status: 'PENDING_AUTHORIZATION',
      statusReason: 'activation_failed: invalid_client',
    });
    await sim.oauth.registerServiceApp({ clientId, jwks: [started.publicJwk], dpop: true });
    expect((await activate(org, started.id)).data?.activateServiceApp.status).toBe('ACTIVE');
    await idle();
  });

  it('makes a working connection NEEDS_REAUTH when Okta no longer holds its key, and activating again after the fix brings it back', async () => {
    const { org, clientId, started } = await setUp('Key removed', { dpop: true });
    expect((await activate(org, started.id)).data?.activateServiceApp.status).toBe('ACTIVE');
    await idle();
    const other = (await generateKeyPairJwk('RS256')).publicJwk;
    await sim.oauth.registerServiceApp({ clientId, jwks: [{ ...other }], dpop: true });
    await expireToken(org, started.id);
    await t.syncNow(org.adminToken, started.id);
    const [run] = await runs(org, started.id);
    expect(run?.status).toBe('FAILED');
    expect(run?.error?.message).toContain('does not hold our public key');
    expect(await view(org, started.id)).toMatchObject({
      status: 'NEEDS_REAUTH',
      statusReason: 'refresh_failed: invalid_client',
    });
    await sim.oauth.registerServiceApp({ clientId, jwks: [started.publicJwk], dpop: true });
    expect((await activate(org, started.id)).data?.activateServiceApp).toMatchObject({
      status: 'ACTIVE',
      statusReason: null,
      reauthDueAt: null,
    });
    await idle();
    expect((await runs(org, started.id))[0]?.status).toBe('SUCCEEDED');
  });

  it('refuses an app set to client-secret authentication, saying it must use "Public key / Private key"', async () => {
    const { org, started } = await setUp('Secret app', { dpop: true, authMethod: 'client_secret_basic' });
    const refused = await activate(org, started.id);
    expect(errorCode(refused)).toBe('BAD_USER_INPUT');
    expect(refused.errors?.[0]?.message).toContain(
      'the app must use "Public key / Private key" client authentication',
    );
    expect((await view(org, started.id))?.status).toBe('PENDING_AUTHORIZATION');
  });

  it('names a read scope the app was not granted, and stays pending', async () => {
    const { org, started } = await setUp('Few scopes', {
      dpop: false,
      scopes: ['okta.users.read', 'okta.groups.read', 'okta.policies.read'],
    });
    const refused = await activate(org, started.id);
    expect(errorCode(refused)).toBe('BAD_USER_INPUT');
    expect(refused.errors?.[0]?.message).toContain('missing okta.logs.read');
    expect((await view(org, started.id))?.status).toBe('PENDING_AUTHORIZATION');
  });

  it('rotates the client key: the new key is pending until an activation proves it, the old one works meanwhile, then only the new one is used', async () => {
    const { org, clientId, started } = await setUp('Rotation', { dpop: true });
    expect((await activate(org, started.id)).data?.activateServiceApp.status).toBe('ACTIVE');
    await idle();
    const rotated = await t.gql<{
      rotateServiceAppKey: {
        status: string;
        serviceAppKey: { kid: string };
        serviceAppPendingKey: { kid: string; publicJwk: string } | null;
      };
    }>(
      org.adminToken,
      'mutation($id: ID!) { rotateServiceAppKey(input: { connectionId: $id }) { status serviceAppKey { kid } serviceAppPendingKey { kid publicJwk } } }',
      { id: started.id },
    );
    expect(rotated.errors).toBeUndefined();
    const after = rotated.data?.rotateServiceAppKey;
    expect(after?.status).toBe('ACTIVE');
    expect(after?.serviceAppKey.kid).toBe(started.kid);
    const pending = after?.serviceAppPendingKey;
    expect(pending?.kid).not.toBe(started.kid);

    // Not pasted yet: refused, and the connection keeps working with its current key.
    const refused = await activate(org, started.id);
    expect(refused.errors?.[0]?.message).toContain('does not hold our public key');
    expect(await view(org, started.id)).toMatchObject({ status: 'ACTIVE', statusReason: null });
    await expireToken(org, started.id);
    await t.syncNow(org.adminToken, started.id);
    expect((await runs(org, started.id))[0]?.status).toBe('SUCCEEDED');

    // The admin adds the new key: activation switches to it (audited REAUTH), then the old key can go.
    const newJwk = JSON.parse(pending?.publicJwk ?? '{}') as Record<string, unknown>;
    await sim.oauth.registerServiceApp({ clientId, jwks: [started.publicJwk, newJwk], dpop: true });
    const switched = await activate(org, started.id);
    expect(switched.errors).toBeUndefined();
    const now = await view(org, started.id);
    expect(now?.serviceAppKey?.kid).toBe(pending?.kid);
    expect(
      (
        await t.gql<{ connection: { serviceAppPendingKey: unknown } }>(
          org.adminToken,
          'query($id: ID!) { connection(id: $id) { serviceAppPendingKey { kid } } }',
          { id: started.id },
        )
      ).data?.connection.serviceAppPendingKey,
    ).toBeNull();
    await idle();
    await sim.oauth.registerServiceApp({ clientId, jwks: [newJwk], dpop: true });
    await expireToken(org, started.id);
    const calls = sim.oauth.calls.length;
    await t.syncNow(org.adminToken, started.id);
    expect((await runs(org, started.id))[0]?.status).toBe('SUCCEEDED');
    expect(
      sim.oauth.calls
        .slice(calls)
        .filter((c) => c.path === '/oauth2/v1/token')
        .at(-1),
    ).toMatchObject({
      status: 200,
    });
    const audit = await t.gql<{
      auditLog: { edges: { node: { action: string; details: Record<string, unknown> } }[] };
    }>(org.adminToken, '{ auditLog(first: 10) { edges { node { action details } } } }');
    expect(audit.data?.auditLog.edges.find((e) => e.node.action === 'REAUTH')?.node.details).toMatchObject({
      authMode: 'SERVICE_APP',
      keyId: pending?.kid,
      rotatedFrom: started.kid,
    });
  });

  it('is ADMIN only and tenant-scoped; reauthorizeConnection refuses it; revoking revokes the token and deletes the keys', async () => {
    const { org, started } = await setUp('Tenancy', { dpop: true });
    const other = await t.createOrg('Other');
    expect(errorCode(await activate(other, started.id))).toBe('NOT_FOUND');
    expect(errorCode(await t.gql(other.adminToken, CONNECTION, { id: started.id }))).toBe('NOT_FOUND');
    const auditor = await t.token(org.organizationId, 'AUDITOR');
    expect(errorCode(await t.gql(auditor, ACTIVATE, { id: started.id }))).toBe('FORBIDDEN');
    expect(errorCode(await t.gql(auditor, START, { input: { oktaDomain: sim.host, clientId: 'x1' } }))).toBe(
      'FORBIDDEN',
    );
    expect(
      errorCode(
        await t.gql(org.adminToken, START, { input: { oktaDomain: 'not a domain', clientId: 'x1' } }),
      ),
    ).toBe('BAD_USER_INPUT');
    expect((await view(org, started.id))?.status).toBe('PENDING_AUTHORIZATION');

    expect((await activate(org, started.id)).data?.activateServiceApp.status).toBe('ACTIVE');
    await idle();
    const reauth = await t.gql(
      org.adminToken,
      'mutation($id: ID!) { reauthorizeConnection(input: { connectionId: $id }) { authorizeUrl } }',
      { id: started.id },
    );
    expect(errorCode(reauth)).toBe('BAD_USER_INPUT');
    expect(errorCode(await activate(pkce.org, pkce.id))).toBe('BAD_USER_INPUT');

    const calls = sim.oauth.calls.length;
    const revoked = await t.gql<{ revokeConnection: { status: string } }>(
      org.adminToken,
      'mutation($id: ID!) { revokeConnection(input: { connectionId: $id }) { status } }',
      { id: started.id },
    );
    expect(revoked.data?.revokeConnection.status).toBe('REVOKED');
    expect(sim.oauth.calls.slice(calls)).toEqual([
      expect.objectContaining({ path: '/oauth2/v1/revoke', clientAuth: 'private_key_jwt', status: 200 }),
    ]);
    expect(
      await t.connection.collection('connection_credentials').countDocuments({
        connectionId: new Types.ObjectId(started.id),
      }),
    ).toBe(0);
  });
});
