import { type Request } from 'express';
import { Strategy as OAuth2Strategy } from 'passport-oauth2';
import { type OktaOrigin } from '#src/common/net/outbound-guard';
import { type ClientAuthMethod } from '#src/modules/connectors/connector-driver.port';
import { REQUESTED_SCOPES } from './okta-scopes';

export interface OktaClientCredentials {
  readonly origin: OktaOrigin;
  readonly clientId: string;
  readonly clientSecret: string;
  /** How the secret goes to the token endpoint; the Okta app's "Client authentication" must match. */
  readonly authMethod: ClientAuthMethod;
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
    /** What the admin can check, when the code alone does not say it. Safe to show. */
    readonly hint?: string,
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
 * The authorize step, by a per-connection passport-oauth2 strategy (each connection has its own client):
 * PKCE (S256) and a state, whose store is the connection's OAuth attempt (the caller persists the verifier
 * and returns the state). The strategy only builds the redirect: the code exchange, refresh and revocation go
 * through `OktaTokenClient`, which sends the client secret the way the connection's Okta app expects
 * (`client_secret_basic` or `client_secret_post`; passport-oauth2's client can only post it in the body) over
 * the SSRF-guarded HTTP client. See ADR 9.
 */
export class OktaOAuthAdapter {
  constructor(private readonly timeoutMs = 15_000) {}

  async authorizeUrl(
    client: Omit<OktaClientCredentials, 'clientSecret' | 'authMethod'>,
    persistVerifier: (verifier: string) => Promise<string>,
  ): Promise<string> {
    const store = {
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
    };
    const strategy = new OAuth2Strategy(
      {
        authorizationURL: `${client.origin.baseUrl}/oauth2/v1/authorize`,
        tokenURL: `${client.origin.baseUrl}/oauth2/v1/token`,
        clientID: client.clientId,
        // Not sent by the authorize step; the token endpoint is OktaTokenClient's.
        clientSecret: 'not-used-by-the-authorize-step',
        callbackURL: client.redirectUri,
        scope: [...REQUESTED_SCOPES],
        scopeSeparator: ' ',
        pkce: true,
        state: true,
        store: store as never,
        skipUserProfile: true,
      },
      () => {
        throw new Error('The code exchange goes through OktaTokenClient, never the strategy');
      },
    );
    const outcome = await run(strategy, { query: {} }, this.timeoutMs);
    if (outcome.kind === 'redirect') return outcome.url;
    throw outcome.kind === 'error' ? outcome.error : new Error('Could not build the Okta authorize URL');
  }
}
