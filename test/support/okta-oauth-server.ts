import { hkdfSync, randomBytes } from 'node:crypto';
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
  /** How the client authenticated: an HTTP Basic header, the secret in the form body, a client assertion, or not at all. */
  readonly clientAuth: 'basic' | 'post' | 'private_key_jwt' | 'none';
  readonly status: number;
  /** A service app's token request: whether it carried a DPoP proof, and the OAuth error it got, if any. */
  readonly dpop?: boolean;
  readonly error?: string;
}

/** An Okta "API Services" app as the admin set it up. */
export interface ServiceAppRegistration {
  readonly clientId: string;
  /** The public keys pasted into the app ("Public keys"). */
  readonly jwks: readonly Record<string, unknown>[];
  /** The app's granted Okta API scopes; default the four read scopes. */
  readonly scopes?: readonly string[];
  /** "Require Demonstrating Proof of Possession (DPoP) header in token requests" (Okta's default: on). */
  readonly dpop?: boolean;
  /** The app's client authentication; default `private_key_jwt` ("Public key / Private key"). */
  readonly authMethod?: 'private_key_jwt' | 'client_secret_basic';
}

/** oidc-provider's DPoP nonce for a 60-second step (its `ServerChallenge`: HKDF-SHA256 over the step). */
function providerNonce(secret: Buffer, step: number): string {
  const salt = Buffer.alloc(8);
  salt.writeBigUInt64BE(BigInt(step));
  return Buffer.from(hkdfSync('sha256', secret, salt, 'DPoP', 32)).toString('base64url');
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
  /** Service apps by client id (`registerServiceApp`). */
  readonly serviceApps = new Map<string, ServiceAppRegistration>();
  /** Okta demands a current DPoP nonce in every proof, at the token endpoint and on the API. */
  requireDpopNonce = true;
  /**
   * A hostile server: every DPoP request to the token endpoint (`token`) or the API (`api`) is answered
   * `use_dpop_nonce` with a new nonce, forever.
   */
  dpopNonceLoop: 'token' | 'api' | undefined;
  private nonceRotations = 0;

  private constructor(
    private readonly server: Server,
    readonly provider: Provider,
    readonly url: string,
    readonly tokenEndpointAuthMethod: 'client_secret_basic' | 'client_secret_post',
    private readonly nonceSecret: Buffer,
  ) {}

  /**
   * Registers (or changes) an API Services app: client credentials only, its public keys, its granted scopes,
   * DPoP required or not. The client lives in oidc-provider's adapter, so it can change while the server runs.
   */
  async registerServiceApp(app: ServiceAppRegistration): Promise<void> {
    this.serviceApps.set(app.clientId, app);
    const secretApp = app.authMethod === 'client_secret_basic';
    const adapter = (
      this.provider.Client as unknown as {
        adapter: { upsert(id: string, p: object, e: number): Promise<void> };
      }
    ).adapter;
    await adapter.upsert(
      app.clientId,
      {
        client_id: app.clientId,
        ...(secretApp
          ? { client_secret: randomBytes(24).toString('base64url') }
          : { jwks: { keys: [...app.jwks] } }),
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: app.authMethod ?? 'private_key_jwt',
        scope: (app.scopes ?? REQUIRED_OKTA_SCOPES).join(' '),
        dpop_bound_access_tokens: app.dpop ?? true,
      },
      3600,
    );
  }

  /** The DPoP nonce Okta wants now (token endpoint and API alike). */
  dpopNonce(): string {
    const step = Math.floor(Date.now() / 60_000);
    return providerNonce(this.nonceSecret, step + [1, 0, -1][this.nonceRotations % 3]!);
  }

  /** Okta moves to a new nonce: proofs carrying the previous one are challenged from now on. */
  rotateDpopNonce(): string {
    this.nonceRotations += 1;
    return this.dpopNonce();
  }

  get host(): string {
    return new URL(this.url).host;
  }

  static async start(options: FakeOktaOptions): Promise<FakeOktaAuthServer> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const ref: { current?: FakeOktaAuthServer } = {};
    const nonceSecret = randomBytes(32);
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
        clientCredentials: { enabled: true },
        // The nonce policy (required, current, rotated) is the fake's own, in front of oidc-provider.
        dPoP: { enabled: true, nonceSecret, requireNonce: () => false },
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
        // Okta's org authorization server: access tokens last an hour, a service app's as well.
        ClientCredentials: 3600,
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
      nonceSecret,
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
    if (clientEndpoint && req.method === 'POST') {
      this.clientEndpoint(req, res, path, callback).catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
      });
      return;
    }
    void callback(req, res);
  }

  /**
   * The token and revocation endpoints: the body is read here (and handed to oidc-provider as `req.body`) to
   * tell a service app's request from the web app's.
   */
  private async clientEndpoint(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    callback: (req: IncomingMessage, res: ServerResponse) => unknown,
  ): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    (req as IncomingMessage & { body?: string }).body = body;
    const form = new URLSearchParams(body);
    const app = this.serviceApps.get(
      assertionIssuer(form.get('client_assertion')) ?? form.get('client_id') ?? '',
    );
    if (app !== undefined) {
      this.serviceAppEndpoint(req, res, path, form, app, callback);
      return;
    }
    const basic = /^Basic /i.test(req.headers.authorization ?? '');
    if (basic !== (this.tokenEndpointAuthMethod === 'client_secret_basic')) {
      // Okta holds each app to its one client authentication method; oidc-provider 9 accepts either of the
      // two secret methods for a secret client, so the fake enforces the app's method itself.
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

  /**
   * A service app's token or revocation request, held to the app's setup as Okta holds it: its client
   * authentication method, DPoP when the app requires it (`invalid_dpop_proof` without a proof), the current
   * nonce in the proof (`use_dpop_nonce` with the nonce otherwise), and its granted scopes. oidc-provider then
   * checks the assertion against the app's keys, verifies the proof and binds the token to its key.
   */
  private serviceAppEndpoint(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    form: URLSearchParams,
    app: ServiceAppRegistration,
    callback: (req: IncomingMessage, res: ServerResponse) => unknown,
  ): void {
    const proof = typeof req.headers.dpop === 'string' ? req.headers.dpop : undefined;
    const refuse = (status: number, error: string, description: string, nonce?: string): void => {
      this.calls.push({
        path,
        clientAuth: 'private_key_jwt',
        ...(form.get('grant_type') === null ? {} : { grantType: form.get('grant_type') ?? '' }),
        status,
        dpop: proof !== undefined,
        error,
      });
      res
        .writeHead(status, {
          'content-type': 'application/json',
          ...(nonce === undefined ? {} : { 'dpop-nonce': nonce }),
        })
        .end(JSON.stringify({ error, error_description: description }));
    };
    if ((app.authMethod ?? 'private_key_jwt') !== 'private_key_jwt')
      return refuse(
        401,
        'invalid_client',
        'Client authentication failed: this client uses client_secret authentication, a client_assertion is not accepted.',
      );
    if (path === '/oauth2/v1/token') {
      if (proof === undefined && (app.dpop ?? true))
        return refuse(400, 'invalid_dpop_proof', 'The DPoP proof JWT header is missing.');
      if (proof !== undefined && this.dpopNonceLoop === 'token')
        return refuse(
          400,
          'use_dpop_nonce',
          'Authorization server requires nonce in DPoP proof.',
          randomBytes(16).toString('base64url'),
        );
      if (proof !== undefined && this.requireDpopNonce && proofNonce(proof) !== this.dpopNonce())
        return refuse(
          400,
          'use_dpop_nonce',
          'Authorization server requires nonce in DPoP proof.',
          this.dpopNonce(),
        );
      const granted = new Set(app.scopes ?? REQUIRED_OKTA_SCOPES);
      const refused = (form.get('scope') ?? '').split(' ').filter((s) => s !== '' && !granted.has(s));
      if (refused.length > 0)
        return refuse(
          400,
          'invalid_scope',
          `The requested scopes are not granted to this client: ${refused.join(' ')}`,
        );
      // oidc-provider offers its own next nonce on success; Okta's is the current one.
      const setHeader = res.setHeader.bind(res);
      res.setHeader = (name, value) =>
        setHeader(name, name.toLowerCase() === 'dpop-nonce' ? this.dpopNonce() : value);
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
      clientAuth: basic
        ? 'basic'
        : typeof params.client_secret === 'string'
          ? 'post'
          : typeof params.client_assertion === 'string'
            ? 'private_key_jwt'
            : 'none',
      ...(ctx.get('dpop') === '' ? {} : { dpop: true }),
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

/** The `iss` of a client assertion, unverified (only to find the app; oidc-provider verifies it). */
function assertionIssuer(assertion: string | null): string | undefined {
  const claims = jwtClaims(assertion ?? '');
  return typeof claims?.iss === 'string' ? claims.iss : undefined;
}

function proofNonce(proof: string): unknown {
  return jwtClaims(proof)?.nonce;
}

/** Decodes a JWT's claims without verifying it (oidc-provider or the API check the signature). */
export function jwtClaims(jwt: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
