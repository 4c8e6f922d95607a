import { type ConnectionCredentials } from '#src/modules/connections/connection.types';
import { ConnectionCredentialsStore } from '#src/modules/connections/credentials.store';
import { SyncService } from '#src/modules/connectors/sync/sync.service';
import { followRedirects } from './browser';
import { type FakeOktaAuthServer, withoutOptionalScopes } from './okta-oauth-server';
import { OktaSimulator } from './okta-simulator';
import { TestApp, type TestOrg } from './test-app';

export const PUBLIC_URL = 'http://app.test';
export const CALLBACK = `${PUBLIC_URL}/api/integrations/okta/callback`;
export const DASHBOARD = 'http://dashboard.test/integrations';
export const CLIENT_ID = 'okta-client-1';
export const CLIENT_SECRET = 'client-secret-9f8e7d6c5b4a-never-shown';
export const READ_SCOPES = ['okta.groups.read', 'okta.logs.read', 'okta.policies.read', 'okta.users.read'];

export const CONNECT = `mutation($input: ConnectOktaInput!) {
  connectOkta(input: $input) { authorizeUrl connection { id status oktaDomain externalTenant clientId grantedScopes statusReason } }
}`;
export const CONNECTION = `query($id: ID!) { connection(id: $id) {
  id status statusReason grantedScopes authorizedAt reauthDueAt deletedAt oktaDomain stale } }`;

export interface ConnectResult {
  connectOkta: { authorizeUrl: string; connection: { id: string; status: string; oktaDomain: string } };
}
export interface ConnectionResult {
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

export interface AuditSeen {
  action: string;
  actor: { type: string; id: string };
  details: Record<string, unknown>;
}

/**
 * The Okta connection lifecycle's test bed, shared by the `okta-connect-*` suites: the app and oidc-provider
 * as Okta, helpers for the round trip, and a leak check after every test: no client secret, token or state
 * seen so far may appear in the test's GraphQL responses, callback responses and redirects, or log lines.
 */
export class OktaConnectSuite {
  sim!: OktaSimulator;
  t!: TestApp;
  /** Every state, token and secret seen, to prove none leaks. */
  readonly secrets = new Set<string>([CLIENT_SECRET]);
  readonly states = new Set<string>();
  readonly callbackResponses: string[] = [];
  private scanned = { responses: 0, callbacks: 0, logs: 0 };

  /**
   * Registers the hooks of the calling `describe`. `tokensSeen`: at least this many access and refresh tokens
   * must have been captured by the end, so that the leak check had something to look for.
   */
  static register(options: { tokensSeen?: number } = {}): OktaConnectSuite {
    const suite = new OktaConnectSuite();
    beforeAll(() => suite.start());
    afterEach(() => {
      suite.okta.tokenFault = undefined;
      suite.okta.grant = withoutOptionalScopes;
      suite.expectNoLeak();
    });
    afterAll(async () => {
      try {
        // What the last syncs log after the last test is checked too.
        await suite.t?.get<SyncService>(SyncService).idle();
        if (suite.t !== undefined) suite.expectNoLeak();
        expect(suite.secrets.size - 1).toBeGreaterThanOrEqual(options.tokensSeen ?? 0);
      } finally {
        await suite.stop();
      }
    });
    return suite;
  }

  get okta(): FakeOktaAuthServer {
    return this.sim.oauth;
  }

  private async start(): Promise<void> {
    await this.startSimulator();
    this.t = await TestApp.start({
      PUBLIC_URL,
      DASHBOARD_URL: DASHBOARD,
      OKTA_ALLOWED_INSECURE_HOSTS: this.okta.host,
      OKTA_HTTP_TIMEOUT_MS: '1500',
    });
  }

  async startSimulator(): Promise<void> {
    this.sim = await OktaSimulator.start({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      redirectUri: CALLBACK,
      users: 5,
    });
  }

  private async stop(): Promise<void> {
    await this.t?.get<SyncService>(SyncService).idle();
    await this.t?.close();
    await this.sim?.close();
  }

  /** What this test added to the responses, callbacks and logs holds no secret, token or state. */
  private expectNoLeak(): void {
    const fresh = {
      responses: this.t.responses.slice(this.scanned.responses),
      callbacks: this.callbackResponses.slice(this.scanned.callbacks),
      logs: this.t.logger.lines.slice(this.scanned.logs),
    };
    this.scanned = {
      responses: this.t.responses.length,
      callbacks: this.callbackResponses.length,
      logs: this.t.logger.lines.length,
    };
    const secretHaystacks: [string, string[]][] = [
      ['GraphQL responses', fresh.responses],
      ['callback responses and redirects', fresh.callbacks],
      ['log lines', fresh.logs],
    ];
    // The authorize URL carries its own state by design; nothing else may.
    const stateHaystacks: [string, string[]][] = [
      [
        'GraphQL responses without an authorize URL',
        fresh.responses.filter((r) => !r.includes('authorizeUrl')),
      ],
      ['callback responses and redirects', fresh.callbacks],
      ['log lines', fresh.logs],
    ];
    for (const [where, texts] of secretHaystacks)
      for (const text of texts)
        for (const secret of this.secrets)
          expect({ where, leaked: text.includes(secret) }).toEqual({ where, leaked: false });
    for (const [where, texts] of stateHaystacks)
      for (const text of texts)
        for (const state of this.states)
          expect({ where, leaked: text.includes(state) }).toEqual({ where, leaked: false });
  }

  asOrg<T>(org: TestOrg, fn: () => Promise<T>): Promise<T> {
    return this.t.asOrg(org.organizationId, fn);
  }

  credentials(org: TestOrg, id: string): Promise<ConnectionCredentials | undefined> {
    return this.asOrg(org, () => this.t.get<ConnectionCredentialsStore>(ConnectionCredentialsStore).read(id));
  }

  async connect(org: TestOrg, domain = this.okta.host): Promise<{ id: string; authorizeUrl: string }> {
    const result = await this.t.gql<ConnectResult>(org.adminToken, CONNECT, {
      input: { oktaDomain: domain, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET },
    });
    expect(result.errors).toBeUndefined();
    const payload = result.data?.connectOkta;
    if (payload === undefined) throw new Error('no payload');
    this.states.add(new URL(payload.authorizeUrl).searchParams.get('state') ?? '');
    return { id: payload.connection.id, authorizeUrl: payload.authorizeUrl };
  }

  /** What the app's callback does with a URL the browser was sent to. */
  async callback(url: string): Promise<{ status: number; location?: string; text: string }> {
    const target = new URL(url);
    const res = await this.t.http().get(`${target.pathname}${target.search}`);
    this.callbackResponses.push(res.text, res.headers.location ?? '');
    return {
      status: res.status,
      text: res.text,
      ...(res.headers.location ? { location: res.headers.location } : {}),
    };
  }

  /** Browser round trip; then waits for the first sync it started, so tests see a quiet connection. */
  async authorize(authorizeUrl: string): Promise<{ status: number; location?: string; text: string }> {
    const result = await this.callback(await followRedirects(authorizeUrl, CALLBACK));
    await this.t.get<SyncService>(SyncService).idle();
    return result;
  }

  async connection(org: TestOrg, id: string): Promise<ConnectionResult['connection']> {
    const result = await this.t.gql<ConnectionResult>(org.adminToken, CONNECTION, { id });
    if (result.data?.connection === undefined) throw new Error(JSON.stringify(result.errors));
    return result.data.connection;
  }

  async auditActions(org: TestOrg): Promise<AuditSeen[]> {
    const result = await this.t.gql<{ auditLog: { edges: { node: AuditSeen }[] } }>(
      org.adminToken,
      '{ auditLog(first: 50) { edges { node { action actor { type id } details } } } }',
    );
    return result.data?.auditLog.edges.map((e) => e.node) ?? [];
  }

  async activeConnection(org: TestOrg): Promise<string> {
    const { id, authorizeUrl } = await this.connect(org);
    const done = await this.authorize(authorizeUrl);
    expect(done.location).toBe(`${DASHBOARD}?connection=${id}&result=connected`);
    const creds = await this.credentials(org, id);
    expect({ access: typeof creds?.accessToken, refresh: typeof creds?.refreshToken }).toEqual({
      access: 'string',
      refresh: 'string',
    });
    for (const value of [creds?.accessToken, creds?.refreshToken]) if (value) this.secrets.add(value);
    return id;
  }
}
