import { SyncService } from '#src/modules/connectors/sync/sync.service';
import { followRedirects } from '../support/browser';
import { connectOkta } from '../support/okta-connect';
import { OktaSimulator } from '../support/okta-simulator';
import { errorCode, TestApp, type TestOrg } from '../support/test-app';

const PUBLIC_URL = 'http://app.test';
const CALLBACK = `${PUBLIC_URL}/api/integrations/okta/callback`;
const CLIENT = { clientId: 'auth-method-client', clientSecret: 'a secret: with spaces & symbols+/=' };
const CONNECTION = `query($id: ID!) { connection(id: $id) { status statusReason clientAuthMethod } }`;
const SYNC = 'mutation($id: ID!) { syncConnection(input: { connectionId: $id }) { id } }';
const RUN = 'query($id: ID!) { connectorRuns(connectionId: $id, first: 1) { edges { node { status } } } }';
const REVOKE = 'mutation($id: ID!) { revokeConnection(input: { connectionId: $id }) { status } }';

/**
 * The client secret sent the way the Okta app expects, for the code exchange, refresh and revocation:
 * against oidc-provider configured with each method, and refused clearly when the two differ.
 */
describe('client authentication to the token endpoint: client_secret_basic and client_secret_post (e2e)', () => {
  let basic: OktaSimulator;
  let post: OktaSimulator;
  let t: TestApp;
  let org: TestOrg;

  beforeAll(async () => {
    const start = (method: 'client_secret_basic' | 'client_secret_post') =>
      OktaSimulator.start({
        ...CLIENT,
        redirectUri: CALLBACK,
        tokenEndpointAuthMethod: method,
        users: 15,
        seed: 21,
      });
    basic = await start('client_secret_basic');
    post = await start('client_secret_post');
    t = await TestApp.start({
      PUBLIC_URL,
      OKTA_ALLOWED_INSECURE_HOSTS: `${basic.host},${post.host}`,
      SCHEDULER_TICK_MS: '3600000',
      STALENESS_CHECK_MS: '3600000',
    });
    org = await t.createOrg('Auth methods');
  });
  afterAll(async () => {
    await t?.get<SyncService>(SyncService).idle();
    await t?.close();
    await basic?.close();
    await post?.close();
  });

  const connection = async (id: string) =>
    (
      await t.gql<{ connection: { status: string; statusReason: string | null; clientAuthMethod: string } }>(
        org.adminToken,
        CONNECTION,
        { id },
      )
    ).data?.connection;

  it.each<[string, 'basic' | 'post', string | undefined]>([
    ['CLIENT_SECRET_BASIC, the default', 'basic', undefined],
    ['CLIENT_SECRET_BASIC, asked for', 'basic', 'CLIENT_SECRET_BASIC'],
    ['CLIENT_SECRET_POST', 'post', 'CLIENT_SECRET_POST'],
  ])('%s: exchange, refresh and revocation all authenticate that way', async (_name, way, asked) => {
    const sim = way === 'basic' ? basic : post;
    const from = sim.oauth.calls.length;
    const id = await connectOkta({
      baseUrl: t.url,
      publicUrl: PUBLIC_URL,
      token: org.adminToken,
      oktaDomain: sim.host,
      client: CLIENT,
      ...(asked === undefined ? {} : { clientAuthMethod: asked }),
    });
    await t.get<SyncService>(SyncService).idle();
    expect(await connection(id)).toMatchObject({
      status: 'ACTIVE',
      clientAuthMethod: way === 'basic' ? 'CLIENT_SECRET_BASIC' : 'CLIENT_SECRET_POST',
    });

    // A sync whose access token expires at Okta mid-run refreshes it once.
    sim.api.expireTokenAtRequest = sim.api.requests.length + 2;
    expect((await t.gql(org.adminToken, SYNC, { id })).errors).toBeUndefined();
    await t.get<SyncService>(SyncService).idle();
    const run = await t.gql<{ connectorRuns: { edges: { node: { status: string } }[] } }>(
      org.adminToken,
      RUN,
      {
        id,
      },
    );
    expect(run.data?.connectorRuns.edges[0]?.node.status).toBe('SUCCEEDED');

    expect((await t.gql(org.adminToken, REVOKE, { id })).errors).toBeUndefined();
    const calls = sim.oauth.calls.slice(from);
    expect(calls.map((c) => [c.path, c.grantType ?? c.tokenTypeHint, c.status])).toEqual([
      ['/oauth2/v1/token', 'authorization_code', 200],
      ['/oauth2/v1/token', 'refresh_token', 200],
      ['/oauth2/v1/revoke', 'refresh_token', 200],
    ]);
    expect(new Set(calls.map((c) => c.clientAuth))).toEqual(new Set([way]));
  });

  it.each<[string, 'basic' | 'post', string | undefined, string]>([
    [
      'the default (Basic) against an app set to client_secret_post',
      'post',
      undefined,
      'CLIENT_SECRET_BASIC',
    ],
    [
      'CLIENT_SECRET_POST against an app set to client_secret_basic',
      'basic',
      'CLIENT_SECRET_POST',
      'CLIENT_SECRET_POST',
    ],
  ])('refuses %s with a reason that names the method to check', async (_name, app, asked, method) => {
    const sim = app === 'basic' ? basic : post;
    const connected = await t.gql<{ connectOkta: { authorizeUrl: string; connection: { id: string } } }>(
      org.adminToken,
      'mutation($input: ConnectOktaInput!) { connectOkta(input: $input) { authorizeUrl connection { id } } }',
      {
        input: {
          oktaDomain: sim.host,
          ...CLIENT,
          ...(asked === undefined ? {} : { clientAuthMethod: asked }),
        },
      },
    );
    const id = connected.data?.connectOkta.connection.id ?? '';
    const back = new URL(await followRedirects(connected.data?.connectOkta.authorizeUrl ?? '', CALLBACK));
    const callback = await t.http().get(`${back.pathname}${back.search}`).expect(302);
    expect(callback.headers.location).toContain('result=error&reason=token_exchange_failed');
    const after = await connection(id);
    expect(after?.status).toBe('PENDING_AUTHORIZATION');
    expect(after?.statusReason).toMatch(
      /^token_exchange_failed: invalid_client \(check the client secret, and that the Okta app's client authentication is /,
    );
    expect(after?.statusReason).toContain(`(${method})`);
    expect(sim.oauth.calls.at(-1)).toMatchObject({ path: '/oauth2/v1/token', status: 401 });
    // Not left half-connected: the next attempt may use the other method.
    expect((await t.gql(org.adminToken, REVOKE, { id })).errors).toBeUndefined();
  });

  it('refuses an unknown method before anything is stored', async () => {
    const result = await t.gql(
      org.adminToken,
      'mutation($input: ConnectOktaInput!) { connectOkta(input: $input) { authorizeUrl } }',
      { input: { oktaDomain: basic.host, ...CLIENT, clientAuthMethod: 'PRIVATE_KEY_JWT' } },
    );
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(result.errors)).toContain('clientAuthMethod');
  });
});
