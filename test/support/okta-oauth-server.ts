import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';
import { OPTIONAL_OKTA_SCOPES, REQUIRED_OKTA_SCOPES } from '#src/modules/connectors/okta/okta-scopes';

export type TokenFault = { status: number; body: Record<string, unknown> } | 'timeout';

export interface FakeOktaOptions {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUri: string;
  /** Default: any free port. */
  readonly port?: number;
  /** The app's "Client authentication" at Okta. Default `client_secret_basic`, Okta's default for web apps. */
  readonly tokenEndpointAuthMethod?: 'client_secret_basic' | 'client_secret_post';
}

/** What the fake server recorded about one request to /oauth2/v1/token or /oauth2/v1/revoke (no secrets). */
export interface RecordedCall {
  readonly path: string;
  readonly grantType?: string;
  readonly tokenTypeHint?: string;
  /** How the client secret came: an HTTP Basic header, the form body, or not at all. */
  readonly clientAuth: 'basic' | 'post' | 'none';
  readonly status: number;
}

const OPTIONAL = new Set<string>(OPTIONAL_OKTA_SCOPES.map((o) => o.scope));

/** The default consent: what was requested, but not the optional scopes. */
export const withoutOptionalScopes = (requested: string[]): string[] =>
  requested.filter((s) => !OPTIONAL.has(s));
/** A consent granting every requested scope, the optional ones included. */
export const grantAll = (requested: string[]): string[] => requested;

/**
 * Okta's org authorization server, played by oidc-provider (a certified OpenID provider) mounted at
 * Okta's paths: `/oauth2/v1/authorize|token|revoke|keys`, PKCE required, the okta.* scopes, refresh
 * tokens with rotation. The interaction consents automatically; tests choose what is granted and can
 * make the token endpoint fail.
 */
export class FakeOktaAuthServer {
  /**
   * Which of the requested scopes the "admin" grants at consent. By default every one except the optional
   * scopes (an admin who did not opt in); `grantAll` grants those too.
   */
  grant: (requested: string[]) => string[] = withoutOptionalScopes;
  /** When set, /oauth2/v1/token answers with this instead of oidc-provider. */
  tokenFault: TokenFault | undefined;
  readonly calls: RecordedCall[] = [];
  /** Extra routes served on the same origin (the Okta API of the simulator); returns true when handled. */
  api: ((req: IncomingMessage, res: ServerResponse) => boolean) | undefined;

  private constructor(
    private readonly server: Server,
    readonly provider: Provider,
    readonly url: string,
    readonly tokenEndpointAuthMethod: 'client_secret_basic' | 'client_secret_post',
  ) {}

  get host(): string {
    return new URL(this.url).host;
  }

  static async start(options: FakeOktaOptions): Promise<FakeOktaAuthServer> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const ref: { current?: FakeOktaAuthServer } = {};
    const provider = new Provider(url, {
      clients: [
        {
          client_id: options.clientId,
          client_secret: options.clientSecret,
          redirect_uris: [options.redirectUri],
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          token_endpoint_auth_method: options.tokenEndpointAuthMethod ?? 'client_secret_basic',
        },
      ],
      scopes: [
        'openid',
        'offline_access',
        ...REQUIRED_OKTA_SCOPES,
        ...OPTIONAL_OKTA_SCOPES.map((o) => o.scope),
        'okta.users.manage',
        'okta.apps.manage',
      ],
      routes: {
        authorization: '/oauth2/v1/authorize',
        token: '/oauth2/v1/token',
        revocation: '/oauth2/v1/revoke',
        jwks: '/oauth2/v1/keys',
        userinfo: '/oauth2/v1/userinfo',
        introspection: '/oauth2/v1/introspect',
        end_session: '/oauth2/v1/logout',
      },
      features: {
        devInteractions: { enabled: false },
        revocation: { enabled: true },
        introspection: { enabled: true },
      },
      pkce: { required: () => true },
      rotateRefreshToken: true,
      // Okta issues a refresh token when offline_access is asked for; oidc-provider would also want prompt=consent.
      issueRefreshToken: (_ctx: KoaContextWithOIDC, client) =>
        Promise.resolve(client.grantTypeAllowed('refresh_token')),
      interactions: { url: (_ctx: KoaContextWithOIDC, interaction) => `/interaction/${interaction.uid}` },
      findAccount: (_ctx: KoaContextWithOIDC, sub: string) =>
        Promise.resolve({ accountId: sub, claims: () => ({ sub }) }),
      cookies: { keys: ['fake-okta-cookie-key-for-tests-only'] },
      ttl: {
        AccessToken: 3600,
        AuthorizationCode: 300,
        RefreshToken: 90 * 86400,
        Interaction: 600,
        Session: 3600,
        Grant: 90 * 86400,
      },
    });
    provider.on('server_error', () => undefined);
    provider.use(async (ctx, next) => {
      await next();
      ref.current?.record(ctx as KoaContextWithOIDC);
    });
    const callback = provider.callback();
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      ref.current?.handle(req, res, callback);
    });
    ref.current = new FakeOktaAuthServer(
      server,
      provider,
      url,
      options.tokenEndpointAuthMethod ?? 'client_secret_basic',
    );
    return ref.current;
  }

  private handle(
    req: IncomingMessage,
    res: ServerResponse,
    callback: (req: IncomingMessage, res: ServerResponse) => unknown,
  ): void {
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (this.api?.(req, res) === true) return;
    if (path.startsWith('/interaction/')) {
      this.interact(req, res).catch(() => res.writeHead(500).end());
      return;
    }
    const clientEndpoint = path === '/oauth2/v1/token' || path === '/oauth2/v1/revoke';
    const basic = /^Basic /i.test(req.headers.authorization ?? '');
    if (clientEndpoint && basic !== (this.tokenEndpointAuthMethod === 'client_secret_basic')) {
      // Okta holds each app to its one client authentication method; oidc-provider 9 accepts either of the
      // two secret methods for a secret client, so the fake enforces the app's method itself.
      req.resume();
      this.calls.push({ path, clientAuth: basic ? 'basic' : 'post', status: 401 });
      res.writeHead(401, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          error: 'invalid_client',
          error_description:
            'Client authentication failed. Either the client or the client credentials are invalid.',
        }),
      );
      return;
    }
    if (path === '/oauth2/v1/token' && this.tokenFault !== undefined) {
      const fault = this.tokenFault;
      req.resume();
      const clientAuth = /^Basic /i.test(req.headers.authorization ?? '') ? 'basic' : 'post';
      if (fault === 'timeout') {
        this.calls.push({ path, clientAuth, status: 0 });
        return; // never answers
      }
      this.calls.push({ path, clientAuth, status: fault.status });
      res.writeHead(fault.status, { 'content-type': 'application/json' }).end(JSON.stringify(fault.body));
      return;
    }
    void callback(req, res);
  }

  /** Records token and revocation calls after oidc-provider has handled them. */
  private record(ctx: KoaContextWithOIDC): void {
    if (ctx.path !== '/oauth2/v1/token' && ctx.path !== '/oauth2/v1/revoke') return;
    const params = (ctx.oidc?.params ?? {}) as Record<string, unknown>;
    const basic = /^Basic /i.test(ctx.get('authorization'));
    this.calls.push({
      path: ctx.path,
      clientAuth: basic ? 'basic' : typeof params.client_secret === 'string' ? 'post' : 'none',
      ...(typeof params.grant_type === 'string' ? { grantType: params.grant_type } : {}),
      ...(typeof params.token_type_hint === 'string' ? { tokenTypeHint: params.token_type_hint } : {}),
      status: ctx.status,
    });
  }

  private async interact(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const details = await this.provider.interactionDetails(req, res);
    if (details.prompt.name === 'login') {
      await this.provider.interactionFinished(
        req,
        res,
        { login: { accountId: 'okta-admin' } },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    const requested = (typeof details.params.scope === 'string' ? details.params.scope : '')
      .split(' ')
      .filter((s) => s !== '');
    const grant = new this.provider.Grant({
      accountId: details.session?.accountId ?? 'okta-admin',
      clientId: String(details.params.client_id),
    });
    const granted = this.grant(requested);
    grant.addOIDCScope(granted.join(' '));
    const refused = requested.filter((s) => !granted.includes(s));
    // Like Okta's silent downscoping: consent is complete, the refused scopes are simply not in the token.
    if (refused.length > 0) grant.rejectOIDCScope(refused.join(' '));
    const grantId = await grant.save();
    await this.provider.interactionFinished(
      req,
      res,
      { consent: { grantId } },
      { mergeWithLastSubmission: true },
    );
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
