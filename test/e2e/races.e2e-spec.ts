import { SyncService } from '#src/modules/connectors/sync/sync.service';
import { followRedirects } from '../support/browser';
import { type FakeOktaAuthServer } from '../support/okta-oauth-server';
import { OktaSimulator } from '../support/okta-simulator';
import { TestApp, type TestOrg } from '../support/test-app';

const PUBLIC_URL = 'http://app.test';
const CALLBACK = `${PUBLIC_URL}/api/integrations/okta/callback`;
const DASHBOARD = 'http://dashboard.test/integrations';
const CLIENT_ID = 'okta-client-races';
const CLIENT_SECRET = 'client-secret-races-never-shown';

const CONNECT = `mutation($input: ConnectOktaInput!) {
  connectOkta(input: $input) { authorizeUrl connection { id } } }`;
const CONNECTION = 'query($id: ID!) { connection(id: $id) { status statusReason deletedAt } }';
const AUDIT = `query($id: String!) { auditLog(first: 100, filter: { targetId: $id }) {
  edges { node { seq action details } } } }`;

describe('state changes that cannot race (e2e, run on FerretDB in CI)', () => {
  let sim: OktaSimulator;
  let okta: FakeOktaAuthServer;
  let t: TestApp;

  beforeAll(async () => {
    sim = await OktaSimulator.start({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      redirectUri: CALLBACK,
      users: 60,
    });
    okta = sim.oauth;
    t = await TestApp.start({
      PUBLIC_URL,
      DASHBOARD_URL: DASHBOARD,
      OKTA_ALLOWED_INSECURE_HOSTS: okta.host,
      OKTA_HTTP_TIMEOUT_MS: '5000',
    });
  });
  afterAll(async () => {
    await t.get<SyncService>(SyncService).idle();
    await t.close();
    await sim.close();
  });

  const idle = (): Promise<void> => t.get<SyncService>(SyncService).idle();

  async function connect(org: TestOrg): Promise<{ id: string; authorizeUrl: string }> {
    const result = await t.gql<{ connectOkta: { authorizeUrl: string; connection: { id: string } } }>(
      org.adminToken,
      CONNECT,
      { input: { oktaDomain: okta.host, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET } },
    );
    const payload = result.data?.connectOkta;
    if (payload === undefined) throw new Error(JSON.stringify(result.errors));
    return { id: payload.connection.id, authorizeUrl: payload.authorizeUrl };
  }

  async function callback(url: string): Promise<{ status: number; location?: string; text: string }> {
    const target = new URL(url);
    const res = await t.http().get(`${target.pathname}${target.search}`);
    return {
      status: res.status,
      text: res.text,
      ...(res.headers.location ? { location: res.headers.location } : {}),
    };
  }

  async function connection(
    org: TestOrg,
    id: string,
  ): Promise<{ status: string; statusReason: string | null; deletedAt: string | null }> {
    const result = await t.gql<{
      connection: { status: string; statusReason: string | null; deletedAt: string | null };
    }>(org.adminToken, CONNECTION, { id });
    if (result.data?.connection === undefined) throw new Error(JSON.stringify(result.errors));
    return result.data.connection;
  }

  /** The audit entries about one target, oldest first. */
  async function audit(org: TestOrg, id: string): Promise<{ seq: number; action: string }[]> {
    const result = await t.gql<{ auditLog: { edges: { node: { seq: number; action: string } }[] } }>(
      org.adminToken,
      AUDIT,
      { id },
    );
    return (result.data?.auditLog.edges ?? []).map((e) => e.node).sort((a, b) => a.seq - b.seq);
  }

  describe('OAuth callback (findings 5, 6, 8)', () => {
    it('lets exactly one of 8 parallel GETs of the same callback through; the connection ends ACTIVE', async () => {
      const connected: { org: TestOrg; id: string }[] = [];
      for (let round = 0; round < 6; round++) {
        const org = await t.createOrg();
        const { id, authorizeUrl } = await connect(org);
        const url = await followRedirects(authorizeUrl, CALLBACK);
        const results = await Promise.all(Array.from({ length: 8 }, () => callback(url)));
        const outcomes = results.map((r) =>
          r.status === 400 ? (/<code>([a-z_]+)<\/code>/.exec(r.text)?.[1] ?? r.text) : r.location,
        );
        expect({ round, outcomes: outcomes.sort() }).toEqual({
          round,
          outcomes: [
            `${DASHBOARD}?connection=${id}&result=connected`,
            ...Array.from({ length: 7 }, () => 'state_already_used'),
          ],
        });
        connected.push({ org, id });
      }
      await idle();
      for (const { org, id } of connected) {
        expect(await connection(org, id)).toMatchObject({ status: 'ACTIVE', statusReason: null });
        expect((await audit(org, id)).filter((e) => e.action === 'CONNECT')).toHaveLength(1);
      }
    });

    it('stores the IdP error as a fixed code plus a capped, printable-only description', async () => {
      const org = await t.createOrg();
      const { id, authorizeUrl } = await connect(org);
      const state = new URL(authorizeUrl).searchParams.get('state') ?? '';
      const nasty =
        'Denied\u0000 by\u202E policy\u2066\r\nSet-Cookie: x=1\u001b[31m \u200Fred\u0007' + 'A'.repeat(400);
      const result = await callback(
        `${CALLBACK}?state=${encodeURIComponent(state)}&error=${encodeURIComponent('ACCESS_DENIED\u202E\r\n-1')}` +
          `&error_description=${encodeURIComponent(nasty)}`,
      );
      expect(result.location).toBe(`${DASHBOARD}?connection=${id}&result=error&reason=access_denied`);
      const reason = (await connection(org, id)).statusReason ?? '';
      const match = /^authorization_failed: access_denied \((.*)\)$/su.exec(reason);
      expect(match).not.toBeNull();
      const description = match?.[1] ?? '';
      expect(description.startsWith('Denied by policy Set-Cookie: x=1[31m red')).toBe(true);
      expect([...description].length).toBeLessThanOrEqual(200);
      // Nothing but printable characters: no C0/C1 controls, no bidi overrides or isolates, no line breaks.
      expect(reason).not.toMatch(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u);
    });
  });
});
