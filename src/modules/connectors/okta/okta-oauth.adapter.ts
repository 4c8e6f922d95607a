import { type Request } from 'express';
import { Strategy as OAuth2Strategy } from 'passport-oauth2';
import { guardedAgent } from '#src/common/net/http-client';
import { type OktaOrigin } from '#src/common/net/outbound-guard';
import { REQUESTED_SCOPES } from './okta-scopes';

export interface OktaClientCredentials {
  readonly origin: OktaOrigin;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUri: string;
}

export interface TokenSet {
  readonly accessToken: string;
  readonly refreshToken: string | undefined;
  readonly expiresInSeconds: number;
  /** Space-separated, as the token endpoint returned it. */
  readonly scope: string | undefined;
}

/** The token exchange failed: `code` is the OAuth error (`invalid_grant`, …) or a transport reason. Safe to show. */
export class OAuthExchangeError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'OAuthExchangeError';
  }
}

type Outcome =
  | { kind: 'redirect'; url: string }
  | { kind: 'success'; user: TokenSet }
  | { kind: 'fail'; info: unknown }
  | { kind: 'error'; error: unknown };

interface PassportActions {
  redirect(url: string): void;
  success(user: unknown): void;
  fail(info: unknown): void;
  error(error: unknown): void;
  pass(): void;
}

/** Runs a passport strategy once, outside Express middleware, and reports how it ended. */
function run(strategy: OAuth2Strategy, req: Partial<Request>, timeoutMs: number): Promise<Outcome> {
  return new Promise<Outcome>((resolve) => {
    const timer = setTimeout(
      () =>
        resolve({
          kind: 'error',
          error: new OAuthExchangeError('timeout', `Okta did not answer within ${timeoutMs} ms`),
        }),
      timeoutMs,
    );
    const done = (outcome: Outcome): void => {
      clearTimeout(timer);
      resolve(outcome);
    };
    const actions: PassportActions = {
      redirect: (url) => done({ kind: 'redirect', url }),
      success: (user) => done({ kind: 'success', user: user as TokenSet }),
      fail: (info) => done({ kind: 'fail', info }),
      error: (error) => done({ kind: 'error', error }),
      pass: () => done({ kind: 'fail', info: 'pass' }),
    };
    const bound = Object.assign(Object.create(strategy) as OAuth2Strategy, actions);
    try {
      bound.authenticate(req as Request, {});
    } catch (error) {
      done({ kind: 'error', error });
    }
  });
}

/**
 * The per-connection passport-oauth2 strategy: each Okta connection has its own client credentials, so a
 * strategy is built per call. PKCE (S256) and state are on; the state store is the connection's OAuth
 * attempt (the caller persists the verifier and returns the state; on callback it hands the verifier back).
 */
export class OktaOAuthAdapter {
  constructor(private readonly timeoutMs = 15_000) {}

  async authorizeUrl(
    client: Omit<OktaClientCredentials, 'clientSecret'>,
    persistVerifier: (verifier: string) => Promise<string>,
  ): Promise<string> {
    const strategy = this.strategy(
      { ...client, clientSecret: 'unused-for-authorize' },
      {
        store: (
          _req: unknown,
          verifier: string,
          _state: unknown,
          _meta: unknown,
          cb: (e: unknown, s?: string) => void,
        ) => {
          persistVerifier(verifier).then((state) => cb(null, state), cb);
        },
        verify: (_req: unknown, _state: string, cb: (e: unknown, ok: boolean) => void) => cb(null, false),
      },
    );
    const outcome = await run(strategy, { query: {} }, this.timeoutMs);
    if (outcome.kind === 'redirect') return outcome.url;
    throw outcome.kind === 'error' ? outcome.error : new Error('Could not build the Okta authorize URL');
  }

  async exchangeCode(
    client: OktaClientCredentials,
    code: string,
    state: string,
    verifier: string,
  ): Promise<TokenSet> {
    const strategy = this.strategy(client, {
      store: (_req: unknown, _v: string, _s: unknown, _m: unknown, cb: (e: unknown) => void) =>
        cb(new Error('not used')),
      verify: (_req: unknown, _state: string, cb: (e: unknown, ok: string) => void) => cb(null, verifier),
    });
    const outcome = await run(strategy, { query: { code, state } }, this.timeoutMs);
    switch (outcome.kind) {
      case 'success':
        return outcome.user;
      case 'error':
        throw toExchangeError(outcome.error);
      case 'fail':
      case 'redirect':
        throw new OAuthExchangeError('failed', 'Okta did not return tokens');
    }
  }

  private strategy(client: OktaClientCredentials, store: object): OAuth2Strategy {
    const strategy = new OAuth2Strategy(
      {
        authorizationURL: `${client.origin.baseUrl}/oauth2/v1/authorize`,
        tokenURL: `${client.origin.baseUrl}/oauth2/v1/token`,
        clientID: client.clientId,
        clientSecret: client.clientSecret,
        callbackURL: client.redirectUri,
        scope: [...REQUESTED_SCOPES],
        scopeSeparator: ' ',
        pkce: true,
        state: true,
        store: store as never,
        skipUserProfile: true,
      },
      (
        accessToken: string,
        refreshToken: string,
        params: Record<string, unknown>,
        _profile: unknown,
        verified: (e: null, user: TokenSet) => void,
      ) => {
        verified(null, {
          accessToken,
          refreshToken: refreshToken === '' ? undefined : refreshToken,
          expiresInSeconds:
            typeof params.expires_in === 'number' ? params.expires_in : Number(params.expires_in ?? 3600),
          scope: typeof params.scope === 'string' ? params.scope : undefined,
        });
      },
    );
    const protocol = new URL(client.origin.baseUrl).protocol as 'http:' | 'https:';
    (strategy as unknown as { _oauth2: { setAgent(agent: unknown): void } })._oauth2.setAgent(
      guardedAgent(protocol, client.origin.allowPrivateAddresses),
    );
    return strategy;
  }
}

function toExchangeError(error: unknown): OAuthExchangeError {
  if (error instanceof OAuthExchangeError) return error;
  const e = error as
    { name?: string; code?: unknown; oauthError?: { statusCode?: number; code?: string } } | undefined;
  if (e?.name === 'TokenError' && typeof e.code === 'string') {
    return new OAuthExchangeError(e.code, `Okta refused the authorization code (${e.code})`);
  }
  if (e?.oauthError?.statusCode !== undefined) {
    return new OAuthExchangeError(
      `http_${e.oauthError.statusCode}`,
      `Okta's token endpoint answered HTTP ${e.oauthError.statusCode}`,
    );
  }
  if (typeof e?.oauthError?.code === 'string') {
    return new OAuthExchangeError(
      'unreachable',
      `Okta's token endpoint is unreachable (${e.oauthError.code})`,
    );
  }
  return new OAuthExchangeError('failed', 'The token exchange with Okta failed');
}
