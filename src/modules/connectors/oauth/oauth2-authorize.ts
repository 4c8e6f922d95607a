import { type Request } from 'express';
import { Strategy as OAuth2Strategy } from 'passport-oauth2';
import { OAuthExchangeError } from '#src/modules/connectors/connector-driver.port';

/** What the authorize redirect needs: the vendor's endpoint, the connection's client and the scopes to ask for. */
export interface AuthorizeRequest {
  /** The vendor, as admins know it (for messages). */
  readonly vendor: string;
  readonly authorizationUrl: string;
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scopes: readonly string[];
}

type Outcome =
  | { kind: 'redirect'; url: string }
  | { kind: 'success'; user: unknown }
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
function run(
  strategy: OAuth2Strategy,
  req: Partial<Request>,
  timeoutMs: number,
  vendor: string,
): Promise<Outcome> {
  return new Promise<Outcome>((resolve) => {
    const timer = setTimeout(
      () =>
        resolve({
          kind: 'error',
          error: new OAuthExchangeError('timeout', `${vendor} did not answer within ${timeoutMs} ms`),
        }),
      timeoutMs,
    );
    const done = (outcome: Outcome): void => {
      clearTimeout(timer);
      resolve(outcome);
    };
    const actions: PassportActions = {
      redirect: (url) => done({ kind: 'redirect', url }),
      success: (user) => done({ kind: 'success', user }),
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
 * through `OAuth2TokenClient`, which sends the client secret the way the connection's vendor app expects
 * (`client_secret_basic` or `client_secret_post`; passport-oauth2's client can only post it in the body) over
 * the SSRF-guarded HTTP client. See ADR 9.
 */
export class OAuth2Authorize {
  constructor(private readonly timeoutMs = 15_000) {}

  async url(
    request: AuthorizeRequest,
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
        authorizationURL: request.authorizationUrl,
        tokenURL: request.tokenUrl,
        clientID: request.clientId,
        // Not sent by the authorize step; the token endpoint is OAuth2TokenClient's.
        clientSecret: 'not-used-by-the-authorize-step',
        callbackURL: request.redirectUri,
        scope: [...request.scopes],
        scopeSeparator: ' ',
        pkce: true,
        state: true,
        store: store as never,
        skipUserProfile: true,
      },
      () => {
        throw new Error('The code exchange goes through OAuth2TokenClient, never the strategy');
      },
    );
    const outcome = await run(strategy, { query: {} }, this.timeoutMs, request.vendor);
    if (outcome.kind === 'redirect') return outcome.url;
    throw outcome.kind === 'error'
      ? outcome.error
      : new Error(`Could not build the ${request.vendor} authorize URL`);
  }
}
