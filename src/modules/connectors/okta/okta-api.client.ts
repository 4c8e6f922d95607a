import { setTimeout as sleep } from 'node:timers/promises';
import { type HttpResponse, request } from '#src/common/net/http-client';
import { type VendorOrigin } from '#src/common/net/outbound-guard';
import {
  type AccessTokenSource,
  type PresentedToken,
  type RunBounds,
} from '#src/modules/connectors/connector-driver.port';
import { MAX_DPOP_NONCE_CHALLENGES, nonceLoopReason, validNonce } from '#src/modules/connectors/oauth/dpop';

/**
 * Where the access token comes from; `refreshed()` is called once when Okta says the token is invalid. The
 * token makes each request's headers (Bearer, or DPoP with a fresh proof), so both go through one path.
 */
export type TokenSource = AccessTokenSource;

export interface OktaApiStats {
  apiCalls: number;
  pages: number;
  rateLimitWaits: number;
  rateLimitWaitMs: number;
  retries: number;
}

export function emptyStats(): OktaApiStats {
  return { apiCalls: 0, pages: 0, rateLimitWaits: 0, rateLimitWaitMs: 0, retries: 0 };
}

export type OktaApiErrorKind =
  | 'insufficient_scope'
  | 'permission_denied'
  | 'unauthorized'
  | 'rate_limited'
  | 'unavailable'
  | 'bad_response'
  | 'client_error';

/** A typed, safe-to-show failure of the Okta API (never carries a token). */
export class OktaApiError extends Error {
  constructor(
    readonly kind: OktaApiErrorKind,
    message: string,
    readonly detail: { status?: number; errorCode?: string; scope?: string; path?: string } = {},
  ) {
    super(message);
    this.name = 'OktaApiError';
  }
}

export interface OktaApiClientOptions {
  readonly timeoutMs: number;
  /** Retries for 5xx, timeouts, resets and malformed bodies. */
  readonly maxRetries: number;
  /** Waits for 429s before giving up. */
  readonly maxRateLimitWaits: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  /** In-flight requests per connection. */
  readonly concurrency: number;
  /** Longest single wait for a rate-limit reset before failing the run. */
  readonly maxRateLimitWaitMs: number;
}

export const DEFAULT_CLIENT_OPTIONS: OktaApiClientOptions = {
  timeoutMs: 30_000,
  maxRetries: 4,
  maxRateLimitWaits: 20,
  backoffBaseMs: 250,
  backoffMaxMs: 8_000,
  concurrency: 4,
  maxRateLimitWaitMs: 120_000,
};

type Bucket = 'users' | 'logs' | 'default';

interface BucketState {
  limit: number;
  remaining: number;
  resetAtMs: number;
  inflight: number;
}

class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly size: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active += 1;
    try {
      return await fn();
    } finally {
      this.active -= 1;
      this.waiting.shift()?.();
    }
  }
}

/** What one connection's collectors share: rate-limit knowledge, the concurrency cap, the token. */
export class OktaConnectionSession {
  readonly buckets = new Map<Bucket, BucketState>();
  readonly semaphore: Semaphore;

  constructor(
    readonly origin: VendorOrigin,
    readonly tokens: TokenSource,
    readonly options: OktaApiClientOptions = DEFAULT_CLIENT_OPTIONS,
  ) {
    this.semaphore = new Semaphore(options.concurrency);
  }

  /** A client counting into `stats`, bounded by the run: it never waits past the deadline. */
  client(stats: OktaApiStats, bounds: RunBounds): OktaApiClient {
    return new OktaApiClient(this, stats, bounds);
  }
}

function bucketOf(path: string): Bucket {
  if (path === '/api/v1/users') return 'users';
  if (path === '/api/v1/logs') return 'logs';
  return 'default';
}

function jitter(maxMs: number): number {
  return Math.floor(Math.random() * maxMs);
}

/** `link: <…>; rel="self", <…>; rel="next"` (Node joins repeated headers with ", "). */
export function nextLink(header: string | string[] | undefined): string | undefined {
  const text = Array.isArray(header) ? header.join(', ') : (header ?? '');
  for (const match of text.matchAll(/<([^>]*)>\s*;\s*rel="?([^",;]+)"?/g)) {
    if (match[2] === 'next' && match[1] !== undefined) return match[1];
  }
  return undefined;
}

/**
 * The Okta management API for one connection: `Link` pagination as an async iterator, throttling before
 * a bucket runs dry (from `X-Rate-Limit-*`), waiting out 429s until the reset, bounded retries with
 * exponential backoff and jitter for 5xx and network failures, one token refresh on 401, typed errors.
 * A DPoP-bound token's `use_dpop_nonce` challenge (401) is retried with the nonce Okta sent, at most
 * `MAX_DPOP_NONCE_CHALLENGES` times for one request; a nonce Okta offers on any answer is used next.
 * Bounded by the run: a rate-limit reset (or `Retry-After`) past the run's deadline fails at once with
 * `rate_limited` instead of parking the worker, and when the run's signal aborts, every wait and request
 * in progress ends by throwing the signal's reason. Counts calls, pages and waits into `stats`. Never logs.
 */
export class OktaApiClient {
  private pendingToken: Promise<PresentedToken> | undefined;

  constructor(
    private readonly session: OktaConnectionSession,
    readonly stats: OktaApiStats,
    private readonly bounds: RunBounds,
  ) {}

  /** Every page of a list endpoint, following `rel="next"` until there is none. */
  async *pages<T>(pathAndQuery: string, maxPages = Number.POSITIVE_INFINITY): AsyncGenerator<T[]> {
    let url: string | undefined = `${this.session.origin.baseUrl}${pathAndQuery}`;
    let count = 0;
    while (url !== undefined && count < maxPages) {
      const response = await this.send(url);
      const body: T[] = this.parse<T[]>(response, url);
      if (!Array.isArray(body))
        throw new OktaApiError('bad_response', 'Okta returned a non-list body for a list endpoint', {
          path: new URL(url).pathname,
        });
      this.stats.pages += 1;
      count += 1;
      yield body;
      const next = nextLink(response.headers.link);
      // A polling System Log query has endless pages; an empty page (or next == self) means "caught up".
      url = next === undefined || next === url || body.length === 0 ? undefined : this.sameOrigin(next);
    }
  }

  async get<T>(pathAndQuery: string): Promise<T> {
    const url = `${this.session.origin.baseUrl}${pathAndQuery}`;
    const body = this.parse<T>(await this.send(url), url);
    this.stats.pages += 1;
    return body;
  }

  private sameOrigin(url: string): string {
    const next = new URL(url, this.session.origin.baseUrl);
    const base = new URL(this.session.origin.baseUrl);
    if (next.origin !== base.origin)
      throw new OktaApiError('bad_response', 'Okta sent a next link to another origin');
    return next.toString();
  }

  private parse<T>(response: HttpResponse, url: string): T {
    try {
      return JSON.parse(response.body) as T;
    } catch {
      throw new OktaApiError('bad_response', 'Okta returned malformed JSON', {
        path: new URL(url).pathname,
        status: response.status,
      });
    }
  }

  /** One logical GET with throttling, retries and the single token refresh; a malformed body is retried too. */
  private async send(url: string): Promise<HttpResponse> {
    const { options } = this.session;
    const path = new URL(url).pathname;
    let failures = 0;
    let rateLimitWaits = 0;
    let refreshed = false;
    let nonceChallenges = 0;
    let token = await this.currentToken();
    for (;;) {
      this.bounds.signal.throwIfAborted();
      let response: HttpResponse | undefined;
      let failure: string | undefined;
      try {
        response = await this.once(url, token);
      } catch (error) {
        this.bounds.signal.throwIfAborted();
        // A verdict of our own (the throttle found the bucket's reset past the deadline) is not a network failure.
        if (error instanceof OktaApiError) throw error;
        failure = (error as { name?: string }).name === 'HttpTimeoutError' ? 'timeout' : 'network error';
        if ((error as { code?: string }).code === 'EBLOCKED') {
          throw new OktaApiError('client_error', 'The Okta domain resolves to a private address', { path });
        }
      }
      if (response !== undefined) {
        const status = response.status;
        const nonce = validNonce(response.headers['dpop-nonce']);
        if (nonce !== undefined) token.useNonce(url, nonce);
        if (status === 401 && nonce !== undefined && demandsNonce(response) && token.scheme === 'DPoP') {
          nonceChallenges += 1;
          if (nonceChallenges >= MAX_DPOP_NONCE_CHALLENGES)
            throw new OktaApiError('unauthorized', `${nonceLoopReason('Okta')} for ${path}`, {
              status,
              path,
            });
          continue;
        }
        if (status >= 200 && status < 300) {
          if (isJson(response.body)) return response;
          failure = 'malformed response';
        } else if (status === 429) {
          rateLimitWaits += 1;
          if (rateLimitWaits > options.maxRateLimitWaits) {
            throw new OktaApiError(
              'rate_limited',
              'Okta kept answering 429 (rate limit) after repeated waits',
              { status, path },
            );
          }
          await this.wait(this.resetDelay(response), path);
          continue;
        } else if (status === 401) {
          if (refreshed)
            throw new OktaApiError('unauthorized', 'Okta rejected the access token even after a refresh', {
              status,
              path,
            });
          refreshed = true;
          token = await this.abortable(this.session.tokens.refreshed());
          continue;
        } else if (status === 403) {
          throw forbidden(response, path);
        } else if (status >= 500) {
          failure = `HTTP ${status}`;
        } else {
          const code = errorCode(response.body);
          throw new OktaApiError(
            'client_error',
            `Okta answered HTTP ${status}${code ? ` (${code})` : ''} for ${path}`,
            { status, path, ...(code ? { errorCode: code } : {}) },
          );
        }
      }
      failures += 1;
      if (failures > options.maxRetries) {
        throw new OktaApiError(
          'unavailable',
          `Okta is unavailable: ${failure ?? 'error'} for ${path} after ${options.maxRetries} retries`,
          { path },
        );
      }
      this.stats.retries += 1;
      await this.sleep(
        Math.min(options.backoffMaxMs, options.backoffBaseMs * 2 ** (failures - 1)) +
          jitter(options.backoffBaseMs),
      );
    }
  }

  private async once(url: string, token: PresentedToken): Promise<HttpResponse> {
    const bucket = bucketOf(new URL(url).pathname);
    return this.session.semaphore.run(async () => {
      await this.throttle(bucket);
      const state = this.bucket(bucket);
      state.inflight += 1;
      this.stats.apiCalls += 1;
      try {
        const response = await this.abortable(
          request(url, {
            method: 'GET',
            headers: { ...token.headers('GET', url), accept: 'application/json' },
            timeoutMs: this.session.options.timeoutMs,
            allowPrivateAddresses: this.session.origin.allowPrivateAddresses,
          }),
        );
        this.observe(bucket, response);
        return response;
      } finally {
        state.inflight = Math.max(0, state.inflight - 1);
      }
    });
  }

  /** One mutable record per bucket: what the last response said, and how many requests are in flight. */
  private bucket(bucket: Bucket): BucketState {
    let state = this.session.buckets.get(bucket);
    if (state === undefined) {
      state = {
        limit: Number.POSITIVE_INFINITY,
        remaining: Number.POSITIVE_INFINITY,
        resetAtMs: 0,
        inflight: 0,
      };
      this.session.buckets.set(bucket, state);
    }
    return state;
  }

  /**
   * Pause before a request that would find the bucket empty, rather than collect a 429: requests in flight
   * count against what the last response said remains.
   */
  private async throttle(bucket: Bucket): Promise<void> {
    const state = this.bucket(bucket);
    for (;;) {
      const now = Date.now();
      if (state.resetAtMs <= now || state.remaining - state.inflight > 0) return;
      await this.wait(state.resetAtMs - now, bucket);
      if (state.resetAtMs <= Date.now()) state.remaining = Number.POSITIVE_INFINITY; // a new window: unknown until answered
    }
  }

  private observe(bucket: Bucket, response: HttpResponse): void {
    const limit = Number(response.headers['x-rate-limit-limit']);
    const remaining = Number(response.headers['x-rate-limit-remaining']);
    const reset = Number(response.headers['x-rate-limit-reset']);
    if (!Number.isFinite(limit) || !Number.isFinite(remaining) || !Number.isFinite(reset)) return;
    Object.assign(this.bucket(bucket), { limit, remaining, resetAtMs: reset * 1000 });
  }

  /** How long a 429 asks us to wait: the later of `X-Rate-Limit-Reset` and `Retry-After`, when given. */
  private resetDelay(response: HttpResponse): number {
    const now = Date.now();
    const reset = Number(response.headers['x-rate-limit-reset']);
    const delays = [
      Number.isFinite(reset) ? reset * 1000 - now : undefined,
      retryAfterMs(response.headers['retry-after'], now),
    ].filter((ms): ms is number => ms !== undefined);
    return delays.length === 0 ? this.session.options.backoffMaxMs : Math.max(0, ...delays);
  }

  /** Waits for a rate-limit reset, or fails at once when the reset comes after the run's deadline. */
  private async wait(ms: number, where: string): Promise<void> {
    const left = this.bounds.deadline.getTime() - Date.now();
    if (ms >= left) {
      throw new OktaApiError(
        'rate_limited',
        `Okta's rate limit for ${where} resets in ${Math.ceil(ms / 1000)} s, after this run's deadline (${Math.max(0, Math.floor(left / 1000))} s left)`,
        { path: where },
      );
    }
    if (ms > this.session.options.maxRateLimitWaitMs) {
      throw new OktaApiError(
        'rate_limited',
        `Okta's rate limit for ${where} resets in ${Math.ceil(ms / 1000)} s, longer than we wait`,
        { path: where },
      );
    }
    const delay = Math.min(ms + jitter(250), left);
    this.stats.rateLimitWaits += 1;
    this.stats.rateLimitWaitMs += delay;
    await this.sleep(delay);
  }

  /** A pause that ends early, throwing the run's abort reason, when the run is stopped. */
  private async sleep(ms: number): Promise<void> {
    const { signal } = this.bounds;
    try {
      await sleep(ms, undefined, { signal });
    } catch (error) {
      signal.throwIfAborted();
      throw error;
    }
  }

  /**
   * The current token, one wait shared by the requests that ask at once (a page of factor requests asks
   * together): one abort listener on the run's signal instead of one per request.
   */
  private currentToken(): Promise<PresentedToken> {
    if (this.pendingToken === undefined) {
      const pending = this.abortable(this.session.tokens.current());
      const clear = (): void => {
        if (this.pendingToken === pending) this.pendingToken = undefined;
      };
      pending.then(clear, clear);
      this.pendingToken = pending;
    }
    return this.pendingToken;
  }

  /** `work`, unless the run is stopped first: then the signal's reason (the work's outcome is dropped). */
  private abortable<T>(work: Promise<T>): Promise<T> {
    const { signal } = this.bounds;
    return new Promise<T>((resolve, reject) => {
      const stop = (): void => reject(asError(signal.reason));
      if (signal.aborted) stop();
      else signal.addEventListener('abort', stop, { once: true });
      work.then(
        (value) => {
          signal.removeEventListener('abort', stop);
          resolve(value);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', stop);
          reject(asError(error));
        },
      );
    });
  }
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/** `Retry-After` as a delay from `now`: delta-seconds or an HTTP date; undefined when absent or invalid. */
function retryAfterMs(header: string | string[] | undefined, now: number): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : at - now;
}

/** RFC 9449 §9: `WWW-Authenticate: DPoP error="use_dpop_nonce"`. */
function demandsNonce(response: HttpResponse): boolean {
  const header = response.headers['www-authenticate'];
  const text = Array.isArray(header) ? header.join(', ') : (header ?? '');
  return /(^|,\s*)DPoP\b[^]*error="use_dpop_nonce"/i.test(text);
}

function isJson(body: string): boolean {
  try {
    JSON.parse(body);
    return true;
  } catch {
    return false;
  }
}

function errorCode(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { errorCode?: unknown };
    return typeof parsed.errorCode === 'string' ? parsed.errorCode : undefined;
  } catch {
    return undefined;
  }
}

function forbidden(response: HttpResponse, path: string): OktaApiError {
  const header = String(response.headers['www-authenticate'] ?? '');
  if (/error="insufficient_scope"/.test(header)) {
    const scope = /scope="([^"]+)"/.exec(header)?.[1] ?? 'unknown';
    return new OktaApiError('insufficient_scope', `The Okta token lacks the ${scope} scope`, {
      status: 403,
      scope,
      path,
    });
  }
  const code = errorCode(response.body);
  if (code === 'E0000006') {
    return new OktaApiError('permission_denied', `The authorizing admin lacks permission to read ${path}`, {
      status: 403,
      errorCode: code,
      path,
    });
  }
  return new OktaApiError('client_error', `Okta answered HTTP 403 for ${path}`, {
    status: 403,
    path,
    ...(code ? { errorCode: code } : {}),
  });
}

/** What `read` returns, or undefined when Okta answers 404 (the resource was deleted meanwhile). */
export async function unlessGone<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof OktaApiError && error.detail.status === 404) return undefined;
    throw error;
  }
}
