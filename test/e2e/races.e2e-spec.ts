import { type ServerResponse } from 'node:http';
import { getModelToken } from '@nestjs/mongoose';
import { type Model, Types } from 'mongoose';
import { PUB_SUB, type PubSubEngine, type TenantEvent } from '#src/common/graphql/pubsub';
import { AccessTokenProvider } from '#src/modules/connections/access-token.provider';
import { ConnectionCredentialsDocument } from '#src/modules/connections/connection.schema';
import { type ConnectionCredentials } from '#src/modules/connections/connection.types';
import { ConnectionCredentialsStore } from '#src/modules/connections/credentials.store';
import { tenantChannel } from '#src/common/graphql/tenant-events';
import { type Alert } from '#src/modules/coverage/alerts.repository';
import { ALERTS_CHANNEL, AlertsService } from '#src/modules/coverage/alerts.service';
import { EvidenceDocument } from '#src/modules/evidence/evidence.schema';
import { SyncService } from '#src/modules/connectors/sync/sync.service';
import { followRedirects } from '../support/browser';
import { type FakeOktaAuthServer } from '../support/okta-oauth-server';
import { OktaSimulator } from '../support/okta-simulator';
import { errorCode, TestApp, type TestOrg } from '../support/test-app';

const PUBLIC_URL = 'http://app.test';
const CALLBACK = `${PUBLIC_URL}/api/integrations/okta/callback`;
const DASHBOARD = 'http://dashboard.test/integrations';
const CLIENT_ID = 'okta-client-races';
const CLIENT_SECRET = 'client-secret-races-never-shown';

const CONNECT = `mutation($input: ConnectOktaInput!) {
  connectOkta(input: $input) { authorizeUrl connection { id } } }`;
const REAUTHORIZE =
  'mutation($id: ID!) { reauthorizeConnection(input: { connectionId: $id }) { authorizeUrl } }';
const REVOKE =
  'mutation($id: ID!) { revokeConnection(input: { connectionId: $id }) { id status deletedAt } }';
const CONNECTION = 'query($id: ID!) { connection(id: $id) { status statusReason deletedAt } }';
const AUDIT = `query($id: String!) { auditLog(first: 100, filter: { targetId: $id }) {
  edges { node { seq action details } } } }`;
const CREATE_ASSESSMENT = `mutation { createAssessment(input: { name: "SOC 2 race", periodStart: "2026-01-01T00:00:00Z",
  periodEnd: "2026-12-31T00:00:00Z" }) { id } }`;
const ATTACH =
  'mutation($a: ID!, $e: [ID!]!) { attachEvidence(input: { assessmentId: $a, evidenceIds: $e }) { id } }';
const APPROVE = 'mutation($a: ID!) { approveAssessment(input: { assessmentId: $a }) { status } }';
const ASSESSMENT = 'query($a: ID!) { assessment(id: $a) { status evidenceIds } }';

/** Tests that repeat a race many times: generous, the machine may be busy. */
const ROUNDS_TIMEOUT_MS = 240_000;

interface Issued {
  readonly accessToken?: string;
  readonly refreshToken?: string;
}

/**
 * Sits in front of the fake Okta's token endpoint: records every token it hands out and, while holding,
 * keeps each token response back (Okta has already issued the tokens) until released.
 */
class TokenTap {
  readonly issued: Issued[] = [];
  private holding = false;
  private held: (() => void)[] = [];
  private arrivals: (() => void)[] = [];
  private sent: (() => void)[] = [];
  private readonly previous: FakeOktaAuthServer['api'];

  constructor(private readonly okta: FakeOktaAuthServer) {
    const passThrough = okta.provider.callback();
    this.previous = okta.api;
    okta.api = (req, res) => {
      if ((req.url ?? '').split('?')[0] !== '/oauth2/v1/token') return this.previous?.(req, res) ?? false;
      this.intercept(res);
      void passThrough(req, res);
      return true;
    };
  }

  hold(): void {
    this.holding = true;
  }

  /** Resolves when a held token response is waiting. */
  arrived(): Promise<void> {
    if (this.held.length > 0) return Promise.resolve();
    return new Promise((resolve) => this.arrivals.push(resolve));
  }

  /** Resolves when the next token response has gone out to the app. */
  delivered(): Promise<void> {
    return new Promise((resolve) => this.sent.push(resolve));
  }

  release(): void {
    this.holding = false;
    for (const send of this.held.splice(0)) send();
  }

  restore(): void {
    this.release();
    this.okta.api = this.previous;
  }

  private intercept(res: ServerResponse): void {
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    res.end = ((...args: unknown[]) => {
      const [chunk] = args;
      if (typeof chunk === 'string' || Buffer.isBuffer(chunk)) this.record(chunk.toString());
      if (!this.holding) {
        const result = end(...args);
        for (const notify of this.sent.splice(0)) notify();
        return result;
      }
      this.held.push(() => end(...args));
      for (const notify of this.arrivals.splice(0)) notify();
      return res;
    }) as ServerResponse['end'];
  }

  private record(body: string): void {
    try {
      const parsed = JSON.parse(body) as { access_token?: unknown; refresh_token?: unknown };
      if (typeof parsed.access_token !== 'string') return;
      this.issued.push({
        accessToken: parsed.access_token,
        ...(typeof parsed.refresh_token === 'string' ? { refreshToken: parsed.refresh_token } : {}),
      });
    } catch {
      // not a token response
    }
  }
}

describe('state changes that cannot race (e2e, run on FerretDB in CI)', () => {
  let sim: OktaSimulator;
  let okta: FakeOktaAuthServer;
  let t: TestApp;
  let tap: TokenTap;

  beforeAll(async () => {
    sim = await OktaSimulator.start({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      redirectUri: CALLBACK,
      users: 60,
    });
    okta = sim.oauth;
    tap = new TokenTap(okta);
    t = await TestApp.start({
      PUBLIC_URL,
      DASHBOARD_URL: DASHBOARD,
      OKTA_ALLOWED_INSECURE_HOSTS: okta.host,
      OKTA_HTTP_TIMEOUT_MS: '5000',
    });
  });
  afterEach(() => tap.release());
  afterAll(async () => {
    tap.restore();
    await t.get<SyncService>(SyncService).idle();
    await t.close();
    await sim.close();
  });

  const asOrg = <T>(org: TestOrg, fn: () => Promise<T>): Promise<T> => t.asOrg(org.organizationId, fn);
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

  async function activeConnection(org: TestOrg): Promise<string> {
    const { id, authorizeUrl } = await connect(org);
    const done = await callback(await followRedirects(authorizeUrl, CALLBACK));
    expect(done.location).toBe(`${DASHBOARD}?connection=${id}&result=connected`);
    await idle();
    return id;
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

  /** Raw count, bypassing every service: no sealed credentials document may be left. */
  async function credentialDocuments(org: TestOrg, id: string): Promise<number> {
    return t
      .get<Model<ConnectionCredentialsDocument>>(getModelToken(ConnectionCredentialsDocument.name))
      .countDocuments({
        organizationId: new Types.ObjectId(org.organizationId),
        connectionId: new Types.ObjectId(id),
      });
  }

  /** What Okta says when someone tries to use a refresh token. */
  async function refreshAtOkta(refreshToken: string): Promise<{ status: number; error?: unknown }> {
    const res = await fetch(`${okta.url}/oauth2/v1/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
      }).toString(),
    });
    const body = (await res.json()) as { error?: unknown };
    return { status: res.status, error: body.error };
  }

  /** REVOKED, no credentials anywhere, nothing authorizing it audited after the REVOKE. */
  async function expectRevokedForGood(org: TestOrg, id: string): Promise<void> {
    await idle();
    const c = await connection(org, id);
    expect(c.status).toBe('REVOKED');
    expect(c.deletedAt).not.toBeNull();
    expect(await credentialDocuments(org, id)).toBe(0);
    const entries = await audit(org, id);
    const revokes = entries.filter((e) => e.action === 'REVOKE');
    expect(revokes).toHaveLength(1);
    const after = entries.filter((e) => e.seq > (revokes[0]?.seq ?? 0)).map((e) => e.action);
    expect(after.filter((a) => a === 'CONNECT' || a === 'REAUTH')).toEqual([]);
  }

  describe('OAuth callback (findings 5, 6, 8)', () => {
    it(
      'lets exactly one of 8 parallel GETs of the same callback through; the connection ends ACTIVE',
      async () => {
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
      },
      ROUNDS_TIMEOUT_MS,
    );

    it('a callback finishing after a revoke stores nothing, revokes what it received at Okta and reports connection_revoked', async () => {
      const org = await t.createOrg();
      const id = await activeConnection(org);
      const reauth = await t.gql<{ reauthorizeConnection: { authorizeUrl: string } }>(
        org.adminToken,
        REAUTHORIZE,
        { id },
      );
      const url = await followRedirects(reauth.data?.reauthorizeConnection.authorizeUrl ?? '', CALLBACK);

      tap.hold();
      const issuedBefore = tap.issued.length;
      const pending = callback(url);
      await tap.arrived(); // Okta has issued the new tokens; the app has not seen them yet
      const revoked = await t.gql<{ revokeConnection: { status: string } }>(org.adminToken, REVOKE, { id });
      expect(revoked.data?.revokeConnection.status).toBe('REVOKED');
      tap.release();

      const result = await pending;
      await expectRevokedForGood(org, id);
      const received = tap.issued.slice(issuedBefore);
      expect(received).toHaveLength(1);
      expect(await refreshAtOkta(received[0]?.refreshToken ?? '')).toEqual({
        status: 400,
        error: 'invalid_grant',
      });
      expect({ status: result.status, location: result.location }).toEqual({
        status: 302,
        location: `${DASHBOARD}?connection=${id}&result=error&reason=connection_revoked`,
      });
    });

    it(
      'revoke racing a callback, many rounds: never credentials, never ACTIVE, nothing authorized after REVOKE',
      async () => {
        for (let round = 0; round < 8; round++) {
          const org = await t.createOrg();
          const { id, authorizeUrl } = await connect(org);
          const url = await followRedirects(authorizeUrl, CALLBACK);
          const issuedBefore = tap.issued.length;
          // Even rounds: both start together (the revoke lands during the exchange). Odd rounds: the revoke
          // starts as Okta's token response reaches the app (it races the callback storing the tokens).
          const revokeNow = (): Promise<{ status: string } | undefined> =>
            t
              .gql<{ revokeConnection: { status: string } }>(org.adminToken, REVOKE, { id })
              .then((r) => r.data?.revokeConnection);
          const delivered = tap.delivered();
          const [result, revoked] = await Promise.all([
            callback(url),
            round % 2 === 0 ? revokeNow() : delivered.then(revokeNow),
          ]);
          expect(revoked?.status).toBe('REVOKED');
          await expectRevokedForGood(org, id);
          for (const issued of tap.issued.slice(issuedBefore)) {
            expect(await refreshAtOkta(issued.refreshToken ?? '')).toMatchObject({ status: 400 });
          }
          expect([
            `${DASHBOARD}?connection=${id}&result=connected`,
            `${DASHBOARD}?connection=${id}&result=error&reason=connection_revoked`,
          ]).toContain(result.location);
        }
      },
      ROUNDS_TIMEOUT_MS,
    );

    it('a token refresh finishing after a revoke brings no credentials back and marks nothing', async () => {
      const org = await t.createOrg();
      const id = await activeConnection(org);
      const store = t.get<ConnectionCredentialsStore>(ConnectionCredentialsStore);
      const creds = (await asOrg(org, () => store.read(id))) as ConnectionCredentials;
      await asOrg(org, () =>
        store.write(id, { ...creds, accessTokenExpiresAt: new Date(Date.now() + 60_000).toISOString() }),
      );

      tap.hold();
      const issuedBefore = tap.issued.length;
      const refreshing = asOrg(org, () => t.get<AccessTokenProvider>(AccessTokenProvider).accessToken(id));
      refreshing.catch(() => undefined); // settled below
      await tap.arrived();
      const revoked = await t.gql<{ revokeConnection: { status: string } }>(org.adminToken, REVOKE, { id });
      expect(revoked.data?.revokeConnection.status).toBe('REVOKED');
      tap.release();

      const outcome = await refreshing.then(
        () => 'a token',
        (error: unknown) => error,
      );
      await expectRevokedForGood(org, id);
      const actions = (await audit(org, id)).map((e) => e.action);
      expect(actions.slice(actions.indexOf('REVOKE') + 1)).toEqual([]);
      const rotated = tap.issued.slice(issuedBefore);
      expect(rotated).toHaveLength(1);
      expect(await refreshAtOkta(rotated[0]?.refreshToken ?? '')).toMatchObject({ status: 400 });
      expect(outcome).toMatchObject({ code: 'CONNECTOR_UNAVAILABLE' });
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

  describe('assessments and alerts (findings 6, 8)', () => {
    let org: TestOrg;
    let fresh: string[];

    beforeAll(async () => {
      org = await t.createOrg();
      await activeConnection(org);
      const rows = await t
        .get<Model<EvidenceDocument>>(getModelToken(EvidenceDocument.name))
        .find({ organizationId: new Types.ObjectId(org.organizationId), type: 'okta.user_mfa' })
        .lean();
      fresh = rows.map((r) => r._id.toHexString());
      expect(fresh.length).toBeGreaterThanOrEqual(60);
    });

    /** Evidence rows no test used yet (a locked row would prove nothing). */
    const take = (n: number): string[] => {
      const rows = fresh.splice(0, n);
      if (rows.length !== n) throw new Error('out of fresh evidence rows');
      return rows;
    };

    async function draft(evidenceIds: string[]): Promise<string> {
      const created = await t.gql<{ createAssessment: { id: string } }>(org.adminToken, CREATE_ASSESSMENT);
      const id = created.data?.createAssessment.id ?? '';
      const attached = await t.gql(org.adminToken, ATTACH, { a: id, e: evidenceIds });
      expect(attached.errors).toBeUndefined();
      return id;
    }

    it(
      '8 concurrent approves: exactly one succeeds and one ASSESSMENT_APPROVE is audited',
      async () => {
        for (let round = 0; round < 3; round++) {
          const id = await draft(take(2));
          const results = await Promise.all(
            Array.from({ length: 8 }, () => t.gql(org.adminToken, APPROVE, { a: id })),
          );
          expect(results.filter((r) => r.errors === undefined)).toHaveLength(1);
          expect(results.filter((r) => errorCode(r) === 'CONFLICT')).toHaveLength(7);
          const approvals = (await audit(org, id)).filter((e) => e.action === 'ASSESSMENT_APPROVE');
          expect({ round, approvals: approvals.length }).toEqual({ round, approvals: 1 });
        }
      },
      ROUNDS_TIMEOUT_MS,
    );

    it(
      'attach racing approve, many rounds: every evidence row of an approved assessment is locked',
      async () => {
        const evidence = t.get<Model<EvidenceDocument>>(getModelToken(EvidenceDocument.name));
        for (let round = 0; round < 12; round++) {
          const id = await draft(take(1));
          const late = take(3);
          await Promise.all([
            t.gql(org.adminToken, ATTACH, { a: id, e: late }),
            t.gql(org.adminToken, APPROVE, { a: id }),
          ]);
          const assessment = await t.gql<{ assessment: { status: string; evidenceIds: string[] } }>(
            org.adminToken,
            ASSESSMENT,
            { a: id },
          );
          expect(assessment.data?.assessment.status).toBe('APPROVED');
          const rows = await evidence
            .find({
              organizationId: new Types.ObjectId(org.organizationId),
              $or: [
                {
                  _id: {
                    $in: (assessment.data?.assessment.evidenceIds ?? []).map((e) => new Types.ObjectId(e)),
                  },
                },
                { assessmentIds: new Types.ObjectId(id) },
              ],
            })
            .lean();
          const unlocked = rows.filter((r) => !r.locked).map((r) => r._id.toHexString());
          expect({ round, unlocked }).toEqual({ round, unlocked: [] });
        }
      },
      ROUNDS_TIMEOUT_MS,
    );

    it(
      'concurrent resolves of one alert: one resolution, one published event',
      async () => {
        const alerts = t.get<AlertsService>(AlertsService);
        const pubSub = t.get<PubSubEngine>(PUB_SUB);
        const events: Alert[] = [];
        const subscription = await pubSub.subscribe(
          tenantChannel(ALERTS_CHANNEL, org.organizationId),
          (event: TenantEvent<Alert>) => {
            if (event.organizationId === org.organizationId) events.push(event.payload);
          },
          {},
        );
        try {
          const connectionId = new Types.ObjectId().toHexString();
          for (let round = 0; round < 25; round++) {
            const opened = await asOrg(org, () => alerts.open('STALE_CONNECTOR', connectionId, 'stale'));
            expect(opened).toBeDefined();
            const resolved = await Promise.all(
              Array.from({ length: 8 }, () =>
                asOrg(org, () => alerts.resolve('STALE_CONNECTOR', connectionId)),
              ),
            );
            expect({ round, resolved: resolved.filter((a) => a !== undefined).length }).toEqual({
              round,
              resolved: 1,
            });
            const published = events.filter((e) => e.id === opened?.id && e.resolvedAt !== null);
            expect({ round, published: published.length }).toEqual({ round, published: 1 });
          }
        } finally {
          pubSub.unsubscribe(subscription);
        }
      },
      ROUNDS_TIMEOUT_MS,
    );
  });
});
