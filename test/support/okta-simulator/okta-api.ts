import { type IncomingMessage, type ServerResponse } from 'node:http';
import { type Predicate, FilterSyntaxError, parseFilter } from './filter';
import { randomBytes } from 'node:crypto';
import { DpopChecker, type DpopPolicy } from './dpop-check';
import { type OktaOrgState, type SimLogEvent, type SimRoleAssignment, type SimUser } from './org-state';

export type Bucket = 'users' | 'logs' | 'default';

export interface RateLimitConfig {
  windowMs: number;
  limits: Record<Bucket, number>;
}

export type FaultKind = 'http500' | 'http503' | 'http429' | 'timeout' | 'malformed' | 'reset' | 'latency';

export interface Fault {
  kind: FaultKind;
  /** Which API paths it hits (default: all). */
  path?: RegExp;
  /** How many requests it affects before it is used up. */
  count: number;
  latencyMs?: number;
}

export interface TokenInfo {
  scopes: string[];
  expired: boolean;
  /** A DPoP-bound token's key thumbprint (`cnf.jkt`): it must be presented as `DPoP` with a proof. */
  jkt?: string;
}

export type TokenResolver = (token: string) => Promise<TokenInfo | undefined>;

export interface ApiRequestRecord {
  method: string;
  path: string;
  query: string;
  status: number;
  at: number;
  /** The bucket was already exhausted when this request arrived (it got a 429 it could have avoided). */
  overLimit: boolean;
}

const SCOPE_FOR: [RegExp, string][] = [
  [/^\/api\/v1\/(users|groups)\/[^/]+\/roles(\/|$)/, 'okta.roles.read'],
  [/^\/api\/v1\/iam\//, 'okta.roles.read'],
  [/^\/api\/v1\/users(\/|$)/, 'okta.users.read'],
  [/^\/api\/v1\/groups(\/|$)/, 'okta.groups.read'],
  [/^\/api\/v1\/policies(\/|$)/, 'okta.policies.read'],
  [/^\/api\/v1\/logs$/, 'okta.logs.read'],
];

const USER_FILTER = {
  attributes: [
    'status',
    'lastUpdated',
    'id',
    'profile.login',
    'profile.email',
    'profile.firstName',
    'profile.lastName',
  ],
  operators: ['eq', 'gt', 'ge', 'lt', 'le'],
};
const LOG_FILTER = {
  attributes: ['eventType', 'target.id', 'target.type', 'actor.id', 'outcome.result', 'uuid'],
  operators: ['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'sw', 'co', 'ew', 'pr'],
};
const DAY = 86_400_000;

function okError(res: ServerResponse, status: number, code: string, summary: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      errorCode: code,
      errorSummary: summary,
      errorLink: code,
      errorId: `oae${Date.now().toString(36)}`,
      errorCauses: [],
    }),
  );
}

function encodeCursor(value: string | number): string {
  return Buffer.from(String(value)).toString('base64url');
}
function decodeCursor(value: string): string {
  return Buffer.from(value, 'base64url').toString('utf8');
}

/** Okta's management API over the simulated org: auth, scopes, rate limits, pagination, filters, faults. */
export class OktaApi {
  readonly requests: ApiRequestRecord[] = [];
  readonly faults: Fault[] = [];
  /** Access tokens Okta should now treat as expired/invalid (401 E0000011). */
  readonly rejectedTokens = new Set<string>();
  /** Tokens accepted without the OAuth server, with their scopes (conformance test, benchmark). */
  readonly staticTokens = new Map<string, string[]>();
  /** Scopes taken away from every token after it was issued (403 insufficient_scope). */
  readonly revokedScopes = new Set<string>();
  /** When set, the token presented by the request with this number (1-based) expires right after it. */
  expireTokenAtRequest: number | undefined;
  /** Paths where the authorizing admin lacks permission (403 E0000006). */
  readonly deniedPaths: RegExp[] = [];
  /**
   * Hostile Okta: every API call is answered 429 with `X-Rate-Limit-Remaining: 0` and a reset this far
   * ahead (a tenant-controlled "Okta" can do this to hold a sync worker); only on `path` when given.
   */
  rateLimitStorm: { resetAheadMs: number; path?: RegExp } | undefined;
  /** A slow Okta: every API call waits this long before it is answered. */
  latencyMs = 0;
  /** `use_dpop_nonce` challenges answered (401 with a `DPoP-Nonce`). */
  dpopNonceChallenges = 0;
  /** DPoP-bound requests accepted. */
  dpopRequests = 0;
  private readonly dpop: DpopChecker;
  private gate: { opened: Promise<void>; open: () => void } | undefined;
  private limits: RateLimitConfig = { windowMs: 60_000, limits: { users: 600, logs: 120, default: 1200 } };
  private readonly windows = new Map<Bucket, { start: number; count: number }>();

  get rateLimits(): RateLimitConfig {
    return this.limits;
  }

  /** New limits start new windows. */
  set rateLimits(config: RateLimitConfig) {
    this.limits = config;
    this.windows.clear();
  }

  private arrivals: (() => void)[] = [];

  /** Resolves when the next API call arrives (held or not). */
  nextRequest(): Promise<void> {
    return new Promise((resolve) => this.arrivals.push(resolve));
  }

  /** Holds every API call (new and already waiting) until the returned function is called. */
  hold(): () => void {
    if (this.gate === undefined) {
      let open: () => void = () => undefined;
      const opened = new Promise<void>((resolve) => (open = resolve));
      this.gate = { opened, open };
    }
    const gate = this.gate;
    return () => {
      if (this.gate === gate) this.gate = undefined;
      gate.open();
    };
  }

  constructor(
    readonly state: OktaOrgState,
    private readonly baseUrl: () => string,
    private readonly resolveToken: TokenResolver,
    private readonly dpopPolicy: DpopPolicy = { requiredNonce: () => undefined, nonceLoop: () => false },
  ) {
    this.dpop = new DpopChecker(baseUrl, dpopPolicy);
  }

  /** Handles `/api/v1/*`; returns false for anything else. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = new URL(req.url ?? '/', 'http://sim.invalid');
    if (!url.pathname.startsWith('/api/v1/')) return false;
    void this.serve(req, res, url).catch(() => {
      if (!res.headersSent) okError(res, 500, 'E0000009', 'Internal Server Error');
    });
    return true;
  }

  private async serve(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const record: ApiRequestRecord = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.search,
      status: 0,
      at: Date.now(),
      overLimit: false,
    };
    this.requests.push(record);
    res.on('finish', () => (record.status = res.statusCode));
    const arrivals = this.arrivals;
    this.arrivals = [];
    for (const arrived of arrivals) arrived();
    if (this.gate !== undefined) await this.gate.opened;
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    if (this.rateLimitStorm !== undefined && (this.rateLimitStorm.path?.test(url.pathname) ?? true)) {
      const resetAt = Date.now() + this.rateLimitStorm.resetAheadMs;
      res.setHeader('x-rate-limit-limit', '600');
      res.setHeader('x-rate-limit-remaining', '0');
      res.setHeader('x-rate-limit-reset', String(Math.ceil(resetAt / 1000)));
      return okError(res, 429, 'E0000047', 'API call exceeded rate limit due to too many requests.');
    }

    const fault = this.takeFault(url.pathname);
    if (fault?.kind === 'timeout') return; // never answers
    if (fault?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'latency') await new Promise((r) => setTimeout(r, fault.latencyMs ?? 500));

    const bucket = this.bucketOf(url.pathname);
    const window = this.window(bucket);
    const limit = this.rateLimits.limits[bucket];
    const resetAt = window.start + this.rateLimits.windowMs;
    if (window.count >= limit) record.overLimit = true;
    window.count += 1;
    res.setHeader('x-rate-limit-limit', String(limit));
    res.setHeader('x-rate-limit-remaining', String(Math.max(0, limit - window.count)));
    res.setHeader('x-rate-limit-reset', String(Math.ceil(resetAt / 1000)));
    res.setHeader('x-okta-request-id', `sim-${this.requests.length}`);
    if (record.overLimit || fault?.kind === 'http429') {
      if (fault?.kind === 'http429') res.setHeader('x-rate-limit-remaining', '0');
      return okError(res, 429, 'E0000047', 'API call exceeded rate limit due to too many requests.');
    }

    const presented = /^(Bearer|DPoP) (.+)$/i.exec(req.headers.authorization ?? '');
    const scheme = presented?.[1]?.toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer';
    const auth = presented?.[2];
    const staticScopes = auth === undefined ? undefined : this.staticTokens.get(auth);
    const info =
      auth === undefined || this.rejectedTokens.has(auth)
        ? undefined
        : staticScopes !== undefined
          ? { scopes: staticScopes, expired: false }
          : await this.resolveToken(auth);
    if (info === undefined || info.expired) {
      res.setHeader(
        'www-authenticate',
        'Bearer realm="IdpMyAccountAPI", error="invalid_token", error_description="The access token is invalid."',
      );
      return okError(res, 401, 'E0000011', 'Invalid token provided');
    }
    // A DPoP-bound token only as `DPoP` with a valid proof; a bearer token never as `DPoP`.
    if (info.jkt !== undefined || scheme === 'DPoP') {
      const verdict =
        info.jkt === undefined || scheme !== 'DPoP'
          ? ({ ok: false, nonce: false, reason: 'token presented with the wrong scheme' } as const)
          : await this.dpop.check(req, url.pathname, auth ?? '', info.jkt);
      if (!verdict.ok && verdict.nonce) {
        this.dpopNonceChallenges += 1;
        const nonce = this.dpopPolicy.nonceLoop()
          ? randomBytes(16).toString('base64url')
          : (this.dpopPolicy.requiredNonce() ?? '');
        res.setHeader('dpop-nonce', nonce);
        res.setHeader(
          'www-authenticate',
          'DPoP algs="ES256 RS256", error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof"',
        );
        return okError(res, 401, 'E0000011', 'Invalid token provided');
      }
      if (!verdict.ok) {
        res.setHeader(
          'www-authenticate',
          `DPoP algs="ES256 RS256", error="invalid_dpop_proof", error_description="${verdict.reason}"`,
        );
        return okError(res, 401, 'E0000011', 'Invalid token provided');
      }
      this.dpopRequests += 1;
    }
    const scope = SCOPE_FOR.find(([re]) => re.test(url.pathname))?.[1];
    if (this.expireTokenAtRequest !== undefined && this.requests.length >= this.expireTokenAtRequest) {
      this.expireTokenAtRequest = undefined;
      this.rejectedTokens.add(auth ?? '');
    }
    if (scope !== undefined && (!info.scopes.includes(scope) || this.revokedScopes.has(scope))) {
      res.setHeader(
        'www-authenticate',
        `Bearer authorization_uri="${this.baseUrl()}/oauth2/v1/authorize", realm="${this.baseUrl()}", scope="${scope}", error="insufficient_scope", error_description="The access token provided does not contain the required scopes.", resource="${url.pathname}"`,
      );
      res.writeHead(403).end();
      return;
    }
    if (this.deniedPaths.some((re) => re.test(url.pathname))) {
      return okError(res, 403, 'E0000006', 'You do not have permission to perform the requested action');
    }
    if (fault?.kind === 'http500') return okError(res, 500, 'E0000009', 'Internal Server Error');
    if (fault?.kind === 'http503') {
      res.writeHead(503, { 'content-type': 'text/html' }).end('<html>Service Unavailable</html>');
      return;
    }
    const body = this.route(url, res);
    if (body === undefined) return;
    res.setHeader('content-type', 'application/json');
    res.writeHead(200);
    res.end(fault?.kind === 'malformed' ? JSON.stringify(body).slice(0, 20) : JSON.stringify(body));
  }

  private route(url: URL, res: ServerResponse): unknown {
    const path = url.pathname;
    let match: RegExpExecArray | null;
    if (path === '/api/v1/users') return this.listUsers(url, res);
    if ((match = /^\/api\/v1\/users\/([^/]+)\/factors$/.exec(path))) {
      const id = decodeURIComponent(match[1] ?? '');
      if (!this.state.users.has(id))
        return okError(res, 404, 'E0000007', `Not found: Resource not found: ${id} (User)`);
      return (this.state.factors.get(id) ?? []).map((f) => ({
        ...f,
        _links: { self: { href: `${this.baseUrl()}/api/v1/users/${id}/factors/${f.id}` } },
      }));
    }
    if ((match = /^\/api\/v1\/users\/([^/]+)$/.exec(path))) {
      const user = this.state.users.get(decodeURIComponent(match[1] ?? ''));
      if (user === undefined) return okError(res, 404, 'E0000007', 'Not found: Resource not found (User)');
      return { ...user, _links: { self: { href: `${this.baseUrl()}/api/v1/users/${user.id}` } } };
    }
    if ((match = /^\/api\/v1\/users\/([^/]+)\/roles$/.exec(path))) {
      const id = decodeURIComponent(match[1] ?? '');
      if (!this.state.users.has(id))
        return okError(res, 404, 'E0000007', `Not found: Resource not found: ${id} (User)`);
      return this.state.rolesOf(id).map(({ role, via }) => this.roleJson(role, via?.id));
    }
    if ((match = /^\/api\/v1\/groups\/([^/]+)\/roles$/.exec(path))) {
      const group = this.state.groups.find((g) => g.id === match?.[1]);
      if (group === undefined) return okError(res, 404, 'E0000007', 'Not found: Resource not found (Group)');
      return this.state.roles
        .filter((r) => r.assignee.type === 'GROUP' && r.assignee.id === group.id)
        .map((r) => this.roleJson(r, group.id));
    }
    if (path === '/api/v1/iam/assignees/users') return this.assignees(url);
    if (path === '/api/v1/policies') {
      const type = url.searchParams.get('type');
      if (type === null) return okError(res, 400, 'E0000001', 'Api validation failed: type');
      return this.state.policies
        .filter((p) => p.type === type && (url.searchParams.get('status') ?? p.status) === p.status)
        .map(({ rules: _rules, ...policy }) => ({
          ...policy,
          _links: {
            self: { href: `${this.baseUrl()}/api/v1/policies/${policy.id}` },
            rules: { href: `${this.baseUrl()}/api/v1/policies/${policy.id}/rules` },
          },
        }));
    }
    if ((match = /^\/api\/v1\/policies\/([^/]+)\/rules$/.exec(path))) {
      const policy = this.state.policies.find((p) => p.id === match?.[1]);
      if (policy === undefined)
        return okError(res, 404, 'E0000007', 'Not found: Resource not found (Policy)');
      return policy.rules;
    }
    if (path === '/api/v1/groups') {
      return this.page(
        url,
        res,
        this.state.groups.map((g) => ({
          id: g.id,
          type: g.type ?? 'OKTA_GROUP',
          profile: { name: g.name, description: `${g.name} group` },
        })),
        200,
      );
    }
    if ((match = /^\/api\/v1\/groups\/([^/]+)$/.exec(path))) {
      const group = this.state.groups.find((g) => g.id === match?.[1]);
      if (group === undefined) return okError(res, 404, 'E0000007', 'Not found: Resource not found (Group)');
      return {
        id: group.id,
        type: group.type ?? 'OKTA_GROUP',
        profile: { name: group.name, description: `${group.name} group` },
      };
    }
    if ((match = /^\/api\/v1\/groups\/([^/]+)\/users$/.exec(path))) {
      const group = this.state.groups.find((g) => g.id === match?.[1]);
      if (group === undefined) return okError(res, 404, 'E0000007', 'Not found: Resource not found (Group)');
      return this.page(
        url,
        res,
        [...group.members].map((id) => this.state.users.get(id)).filter((u): u is SimUser => u !== undefined),
        1000,
      );
    }
    if (path === '/api/v1/logs') return this.listLogs(url, res);
    return okError(res, 404, 'E0000022', 'The endpoint does not support the provided HTTP method');
  }

  /** A role assignment as Okta lists it; `viaGroup` when it is held through that group. */
  private roleJson(role: SimRoleAssignment, viaGroup?: string): Record<string, unknown> {
    const assignee =
      viaGroup !== undefined ? `/api/v1/groups/${viaGroup}` : `/api/v1/users/${role.assignee.id}`;
    return {
      id: role.id,
      label: role.label,
      type: role.type,
      status: role.status,
      created: role.created,
      lastUpdated: role.lastUpdated,
      assignmentType: viaGroup !== undefined ? 'GROUP' : 'USER',
      _links: { assignee: { href: `${this.baseUrl()}${assignee}` } },
    };
  }

  /** Users with a role assignment (direct or through a group), paged by `after` with `_links.next` in the body. */
  private assignees(url: URL): unknown {
    const ids = this.state.usersWithRoles();
    const limit = Math.min(Number(url.searchParams.get('limit') ?? 100) || 100, 100);
    const after = url.searchParams.get('after');
    const start = after === null ? 0 : ids.indexOf(decodeCursor(after)) + 1;
    const page = ids.slice(start, start + limit);
    const last = page.at(-1);
    const next = new URLSearchParams({ limit: String(limit) });
    if (last !== undefined) next.set('after', encodeCursor(last));
    return {
      value: page.map((id) => ({
        id,
        orn: `orn:okta:directory:sim:users:${id}`,
        _links: {
          self: { href: `${this.baseUrl()}/api/v1/users/${id}` },
          roles: { href: `${this.baseUrl()}/api/v1/users/${id}/roles` },
        },
      })),
      _links:
        start + limit < ids.length && last !== undefined
          ? { next: { href: `${this.baseUrl()}/api/v1/iam/assignees/users?${next.toString()}` } }
          : {},
    };
  }

  private listUsers(url: URL, res: ServerResponse): unknown {
    let predicate: Predicate = (u) => (u as SimUser).status !== 'DEPROVISIONED';
    const filter = url.searchParams.get('filter');
    if (filter !== null) {
      try {
        predicate = parseFilter(filter, USER_FILTER);
      } catch (error) {
        if (error instanceof FilterSyntaxError)
          return okError(res, 400, 'E0000031', `Invalid search criteria: ${error.message}`);
        throw error;
      }
    }
    const users = [...this.state.users.values()].filter(predicate);
    return this.page(url, res, users, 200);
  }

  /** Keyset pages over `items` (by id) with `Link` headers; the cursor is opaque. */
  private page<T extends { id: string }>(
    url: URL,
    res: ServerResponse,
    items: T[],
    maxLimit: number,
  ): T[] | undefined {
    const limit = Math.min(Number(url.searchParams.get('limit') ?? maxLimit) || maxLimit, maxLimit);
    const after = url.searchParams.get('after');
    let start = 0;
    if (after !== null) {
      const lastId = decodeCursor(after);
      const index = items.findIndex((i) => i.id === lastId);
      start = index + 1;
    }
    const page = items.slice(start, start + limit);
    const links = [`<${this.baseUrl()}${url.pathname}${url.search}>; rel="self"`];
    const last = page.at(-1);
    if (start + limit < items.length && last !== undefined) {
      const next = new URLSearchParams(url.searchParams);
      next.set('after', encodeCursor(last.id));
      next.set('limit', String(limit));
      links.push(`<${this.baseUrl()}${url.pathname}?${next.toString()}>; rel="next"`);
    }
    res.setHeader('link', links);
    return page;
  }

  private listLogs(url: URL, res: ServerResponse): unknown {
    const now = this.state.now();
    const sinceParam = url.searchParams.get('since');
    const untilParam = url.searchParams.get('until');
    const since = sinceParam === null ? undefined : Date.parse(sinceParam);
    const until = untilParam === null ? undefined : Date.parse(untilParam);
    if ((since !== undefined && Number.isNaN(since)) || (until !== undefined && Number.isNaN(until))) {
      return okError(res, 400, 'E0000001', 'Api validation failed: since/until');
    }
    if (since !== undefined && since < now - 180 * DAY)
      return okError(
        res,
        400,
        'E0000053',
        'Invalid parameter: since parameter is over 180 days prior to the current day.',
      );
    const limit = Math.min(Number(url.searchParams.get('limit') ?? 100) || 100, 1000);
    let predicate: Predicate = () => true;
    const filter = url.searchParams.get('filter');
    if (filter !== null) {
      try {
        predicate = parseFilter(filter, LOG_FILTER);
      } catch (error) {
        if (error instanceof FilterSyntaxError)
          return okError(res, 400, 'E0000053', `Invalid filter: ${error.message}`);
        throw error;
      }
    }
    const retained = (e: SimLogEvent): boolean => Date.parse(e.published) >= now - 90 * DAY;
    const from = since ?? (until ?? now) - 7 * DAY;
    const strip = ({ persistedSeq: _seq, ...event }: SimLogEvent): Omit<SimLogEvent, 'persistedSeq'> => event;
    const after = url.searchParams.get('after');
    const self = `<${this.baseUrl()}${url.pathname}${url.search}>; rel="self"`;

    if (until !== undefined) {
      // Bounded: ordered by published, finite pages.
      const events = this.state.logs
        .filter(
          (e) =>
            retained(e) && Date.parse(e.published) >= from && Date.parse(e.published) < until && predicate(e),
        )
        .sort((a, b) => a.published.localeCompare(b.published) || a.persistedSeq - b.persistedSeq);
      const start = after === null ? 0 : Number(decodeCursor(after));
      const page = events.slice(start, start + limit);
      const links = [self];
      if (start + limit < events.length) {
        const next = new URLSearchParams(url.searchParams);
        next.set('after', encodeCursor(start + limit));
        links.push(`<${this.baseUrl()}${url.pathname}?${next.toString()}>; rel="next"`);
      }
      res.setHeader('link', links);
      return page.map(strip);
    }
    // Polling: persistence order, endless pages; `next` always present.
    const afterSeq = after === null ? 0 : Number(decodeCursor(after));
    const events = this.state.logs
      .filter(
        (e) => e.persistedSeq > afterSeq && retained(e) && Date.parse(e.published) >= from && predicate(e),
      )
      .slice(0, limit);
    const nextSeq = events.at(-1)?.persistedSeq ?? afterSeq;
    const next = new URLSearchParams(url.searchParams);
    next.delete('since');
    next.set('after', encodeCursor(nextSeq));
    res.setHeader('link', [self, `<${this.baseUrl()}${url.pathname}?${next.toString()}>; rel="next"`]);
    return events.map(strip);
  }

  private bucketOf(path: string): Bucket {
    if (path === '/api/v1/users') return 'users';
    if (path === '/api/v1/logs') return 'logs';
    return 'default';
  }

  private window(bucket: Bucket): { start: number; count: number } {
    const now = Date.now();
    const current = this.windows.get(bucket);
    if (current === undefined || now >= current.start + this.rateLimits.windowMs) {
      const fresh = { start: now, count: 0 };
      this.windows.set(bucket, fresh);
      return fresh;
    }
    return current;
  }

  private takeFault(path: string): Fault | undefined {
    const fault = this.faults.find((f) => f.count > 0 && (f.path === undefined || f.path.test(path)));
    if (fault !== undefined) fault.count -= 1;
    return fault;
  }
}
