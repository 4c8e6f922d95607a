import { getEventListeners } from 'node:events';
import { type HttpResponse, request } from '#src/common/net/http-client';
import {
  DEFAULT_CLIENT_OPTIONS,
  emptyStats,
  OktaApiError,
  OktaConnectionSession,
  type TokenSource,
} from './okta-api.client';
import { type PresentedToken } from '#src/modules/connectors/connector-driver.port';
import { BearerToken, DpopBoundToken } from '#src/modules/connectors/oauth/presented-token';
import { DpopNonces } from '#src/modules/connectors/oauth/dpop';
import { generateKeyPairJwk, signingKey } from '#src/modules/connectors/oauth/jwk';

jest.mock('#src/common/net/http-client', () => ({ request: jest.fn() }));

const send = request as jest.MockedFunction<typeof request>;
const ORIGIN = { domain: 'acme.okta.com', baseUrl: 'https://acme.okta.com', allowPrivateAddresses: false };
const OPTIONS = { ...DEFAULT_CLIENT_OPTIONS, maxRetries: 3, backoffBaseMs: 1, backoffMaxMs: 2 };

/** A response as Okta sends it; the bucket's headers are added when given. */
function answer(
  status: number,
  body: unknown,
  bucket?: { limit: number; remaining: number; resetAtMs: number },
  headers: Record<string, string> = {},
): HttpResponse {
  const rate = bucket
    ? {
        'x-rate-limit-limit': String(bucket.limit),
        'x-rate-limit-remaining': String(bucket.remaining),
        'x-rate-limit-reset': String(Math.ceil(bucket.resetAtMs / 1000)),
      }
    : {};
  return { status, headers: { ...rate, ...headers }, body: JSON.stringify(body) };
}

/** The requests the client sent: when, and with which bearer token. */
interface Sent {
  readonly at: number;
  readonly url: string;
  readonly token: string;
}

function script(...responses: (HttpResponse | Error)[]): Sent[] {
  const sent: Sent[] = [];
  send.mockReset();
  send.mockImplementation((url, options) => {
    const headers = (options?.headers ?? {}) as Record<string, string>;
    sent.push({ at: Date.now(), url, token: headers.authorization ?? '' });
    const next = responses.shift();
    if (next === undefined) return Promise.reject(new Error('no more scripted responses'));
    return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
  });
  return sent;
}

function tokens(): TokenSource & { refreshes: number } {
  const source = {
    refreshes: 0,
    current: () => Promise.resolve<PresentedToken>(new BearerToken('token-1')),
    refreshed: () => {
      source.refreshes += 1;
      return Promise.resolve<PresentedToken>(new BearerToken(`token-${source.refreshes + 1}`));
    },
  };
  return source;
}

function client(deadlineInMs = 60_000, source: TokenSource = tokens()) {
  const stats = emptyStats();
  const session = new OktaConnectionSession(ORIGIN, source, OPTIONS);
  const api = session.client(stats, {
    deadline: new Date(Date.now() + deadlineInMs),
    signal: new AbortController().signal,
  });
  return { api, stats };
}

async function failure(promise: Promise<unknown>): Promise<OktaApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof OktaApiError) return error;
    throw error;
  }
  throw new Error('expected an OktaApiError');
}

describe('OktaApiClient (against a scripted transport)', () => {
  it('retries a 5xx, a network error and a malformed body, then answers', async () => {
    const sent = script(
      answer(503, {}),
      Object.assign(new Error('socket hang up'), { name: 'Error' }),
      { status: 200, headers: {}, body: '{"truncated' },
      answer(200, { id: 'u1' }),
    );
    const { api, stats } = client();
    await expect(api.get('/api/v1/users/u1')).resolves.toEqual({ id: 'u1' });
    expect(sent).toHaveLength(4);
    expect(stats).toMatchObject({ apiCalls: 4, retries: 3, pages: 1 });
  });

  it('asks for the token once for requests sent together: one abort listener on the run, not one per request', async () => {
    script(...Array.from({ length: 40 }, (_, i) => answer(200, { id: `u${i}` })));
    let asked = 0;
    let release: (token: PresentedToken) => void = () => undefined;
    const slow: TokenSource = {
      current: () => {
        asked += 1;
        return new Promise<PresentedToken>((resolve) => (release = resolve));
      },
      refreshed: () => Promise.resolve<PresentedToken>(new BearerToken('token-2')),
    };
    const stats = emptyStats();
    const signal = new AbortController().signal;
    const api = new OktaConnectionSession(ORIGIN, slow, OPTIONS).client(stats, {
      deadline: new Date(Date.now() + 60_000),
      signal,
    });
    const all = Promise.all(Array.from({ length: 40 }, (_, i) => api.get(`/api/v1/users/u${i}/factors`)));
    await new Promise((resolve) => setImmediate(resolve));
    expect(getEventListeners(signal, 'abort')).toHaveLength(1);
    release(new BearerToken('token-1'));
    await expect(all).resolves.toHaveLength(40);
    expect(asked).toBe(1);
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });

  it('gives up as unavailable after its retries', async () => {
    const sent = script(answer(500, {}), answer(502, {}), answer(504, {}), answer(503, {}));
    const error = await failure(client().api.get('/api/v1/users/u1'));
    expect(error.kind).toBe('unavailable');
    expect(error.message).toContain('HTTP 503');
    expect(sent).toHaveLength(OPTIONS.maxRetries + 1);
  });

  describe('a DPoP-bound token', () => {
    let dpop: PresentedToken;
    const proofs: string[] = [];
    beforeAll(async () => {
      dpop = new DpopBoundToken(
        'at-1',
        'c1',
        signingKey(await generateKeyPairJwk('ES256')),
        new DpopNonces(),
      );
    });
    beforeEach(() => {
      proofs.length = 0;
    });
    function nonceOf(proof: string | undefined): unknown {
      const claims = JSON.parse(Buffer.from((proof ?? '').split('.')[1] ?? '', 'base64url').toString()) as {
        nonce?: unknown;
        ath?: unknown;
      };
      return claims.nonce;
    }
    function capture(): void {
      const inner = send.getMockImplementation();
      send.mockImplementation((url, options) => {
        proofs.push(String(options?.headers?.dpop ?? ''));
        return inner === undefined ? Promise.reject(new Error('no script')) : inner(url, options);
      });
    }
    const challenge = (nonce: string): HttpResponse =>
      answer(401, {}, undefined, {
        'www-authenticate':
          'DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof"',
        'dpop-nonce': nonce,
      });
    const source = (): TokenSource => ({
      current: () => Promise.resolve(dpop),
      refreshed: () => Promise.reject(new Error('no refresh expected')),
    });

    it('presents Authorization: DPoP with a proof, and retries a use_dpop_nonce challenge with the nonce', async () => {
      const sent = script(challenge('n1'), answer(200, { id: 'u1' }));
      capture();
      await expect(client(60_000, source()).api.get('/api/v1/users/u1')).resolves.toEqual({ id: 'u1' });
      expect(sent.map((s) => s.token)).toEqual(['DPoP at-1', 'DPoP at-1']);
      expect(nonceOf(proofs[0])).toBeUndefined();
      expect(nonceOf(proofs[1])).toBe('n1');
      expect(proofs[0]).not.toBe(proofs[1]);
    });

    it('fails as unauthorized after 3 challenges for one request, saying so', async () => {
      const sent = script(challenge('n1'), challenge('n2'), challenge('n3'), answer(200, {}));
      capture();
      const error = await failure(client(60_000, source()).api.get('/api/v1/users/u1'));
      expect(error.kind).toBe('unauthorized');
      expect(error.message).toBe('Okta kept demanding a new DPoP nonce (3 challenges) for /api/v1/users/u1');
      expect(sent).toHaveLength(3);
    });
  });

  it('refreshes the token once on a 401, and fails as unauthorized when the new one is refused too', async () => {
    const source = tokens();
    let sent = script(answer(401, {}), answer(200, []));
    await expect(client(60_000, source).api.get('/api/v1/users')).resolves.toEqual([]);
    expect(sent.map((s) => s.token)).toEqual(['Bearer token-1', 'Bearer token-2']);

    sent = script(answer(401, {}), answer(401, {}));
    const error = await failure(client(60_000, tokens()).api.get('/api/v1/users'));
    expect(error.kind).toBe('unauthorized');
    expect(sent).toHaveLength(2);
  });

  it('names the missing scope of a 403, and never retries it', async () => {
    const sent = script(
      answer(403, {}, undefined, {
        'www-authenticate': 'Bearer error="insufficient_scope", scope="okta.policies.read"',
      }),
    );
    const error = await failure(client().api.get('/api/v1/policies'));
    expect(error).toMatchObject({ kind: 'insufficient_scope', detail: { scope: 'okta.policies.read' } });
    expect(sent).toHaveLength(1);
  });

  it('waits out a 429 until the reset, then answers', async () => {
    const resetAtMs = Date.now() + 300;
    const sent = script(
      answer(429, {}, { limit: 10, remaining: 0, resetAtMs }),
      answer(200, { ok: true }, { limit: 10, remaining: 9, resetAtMs: resetAtMs + 60_000 }),
    );
    const { api, stats } = client();
    await expect(api.get('/api/v1/users/u1')).resolves.toEqual({ ok: true });
    expect(sent[1]?.at).toBeGreaterThanOrEqual(Math.ceil(resetAtMs / 1000) * 1000 - 5);
    expect(stats.rateLimitWaits).toBe(1);
  });

  it('sends nothing into an empty bucket: it waits for the reset before the next request', async () => {
    const resetAtMs = Date.now() + 200;
    const sent = script(
      answer(200, { n: 1 }, { limit: 10, remaining: 0, resetAtMs }),
      answer(200, { n: 2 }, { limit: 10, remaining: 9, resetAtMs: resetAtMs + 60_000 }),
    );
    const { api, stats } = client();
    await api.get('/api/v1/users/u1');
    await api.get('/api/v1/users/u2');
    expect(sent[1]?.at).toBeGreaterThanOrEqual(Math.ceil(resetAtMs / 1000) * 1000 - 5);
    expect(stats).toMatchObject({ rateLimitWaits: 1, retries: 0 });
  });

  it('fails at once as rate_limited when the reset comes after the run deadline, without sending', async () => {
    const resetAtMs = Date.now() + 120_000;
    const sent = script(answer(200, { n: 1 }, { limit: 10, remaining: 0, resetAtMs }));
    const { api, stats } = client(5_000);
    await api.get('/api/v1/users/u1');
    const error = await failure(api.get('/api/v1/users/u2'));
    expect(error.kind).toBe('rate_limited');
    expect(error.message).toContain("after this run's deadline");
    expect(sent).toHaveLength(1);
    expect(stats.retries).toBe(0);

    const limited = script(answer(429, {}, { limit: 10, remaining: 0, resetAtMs }));
    expect((await failure(client(5_000).api.get('/api/v1/users'))).kind).toBe('rate_limited');
    expect(limited).toHaveLength(1);
  });

  it('follows next links on the same origin only', async () => {
    script(
      answer(200, [{ id: 'a' }], undefined, {
        link: '<https://acme.okta.com/api/v1/users?after=a>; rel="next"',
      }),
      answer(200, [{ id: 'b' }], undefined, {
        link: '<https://evil.example/api/v1/users?after=b>; rel="next"',
      }),
    );
    const seen: string[] = [];
    const error = await failure(
      (async () => {
        for await (const page of client().api.pages<{ id: string }>('/api/v1/users?limit=1'))
          seen.push(...page.map((u) => u.id));
      })(),
    );
    expect(seen).toEqual(['a', 'b']);
    expect(error).toMatchObject({ kind: 'bad_response', message: 'Okta sent a next link to another origin' });
  });
});
