import { getModelToken } from '@nestjs/mongoose';
import { type Model, Types } from 'mongoose';
import { SyncService } from '#src/modules/connectors/sync/sync.service';
import { EvidenceDocument } from '#src/modules/evidence/evidence.schema';
import { followRedirects } from './browser';
import { OktaSimulator } from './okta-simulator';
import { TestApp, type TestOrg } from './test-app';

export const PUBLIC_URL = 'http://app.test';
export const CALLBACK = `${PUBLIC_URL}/api/integrations/okta/callback`;
export const CLIENT = { clientId: 'okta-sync-client', clientSecret: 'sync-client-secret-value' };

export interface RunStats {
  collector: string;
  pages: number;
  items: number;
  apiCalls: number;
  rateLimitWaits: number;
  retries: number;
  inserted: number;
  closed: number;
  unchanged: number;
  complete: boolean;
  error: string | null;
}
export interface Run {
  id: string;
  status: string;
  trigger: string;
  startedAt: string;
  finishedAt: string | null;
  error: { code: string; message: string } | null;
  stats: RunStats[];
}
export const RUNS = `query($id: ID!) { connectorRuns(connectionId: $id, first: 50) { edges { node {
  id status trigger startedAt finishedAt error { code message }
  stats { collector pages items apiCalls rateLimitWaits retries inserted closed unchanged complete error } } } } }`;
export const SYNC =
  'mutation($id: ID!) { syncConnection(input: { connectionId: $id }) { id status trigger } }';

export const byType = (run: Run, type: string): RunStats => {
  const found = run.stats.find((s) => s.collector === type);
  if (found === undefined) throw new Error(`no stats for ${type}`);
  return found;
};
export const calls = (run: Run): number => run.stats.reduce((n, s) => n + s.apiCalls, 0);

/** Generous limits for tests that are not about rate limiting (Okta's real ones would make them slow). */
export const ROOMY = { windowMs: 60_000, limits: { users: 100_000, logs: 100_000, default: 100_000 } };

/**
 * The Okta sync test bed, shared by the `okta-sync-*` suites: the app, a 60-user simulator (`sim`, its
 * faults and limits reset after every test) and, when asked for, a 1,000-user one (`big`).
 */
export class OktaSyncSuite {
  big!: OktaSimulator;
  sim!: OktaSimulator;
  t!: TestApp;
  evidence!: Model<EvidenceDocument>;

  /** Registers the hooks of the calling `describe`. */
  static register(options: { big?: boolean } = {}): OktaSyncSuite {
    const suite = new OktaSyncSuite();
    beforeAll(() => suite.start(options.big === true));
    afterEach(() => {
      suite.sim.api.faults.length = 0;
      suite.sim.api.deniedPaths.length = 0;
      suite.sim.api.revokedScopes.clear();
      suite.sim.api.rateLimits = ROOMY;
    });
    afterAll(() => suite.stop());
    return suite;
  }

  private async start(withBig: boolean): Promise<void> {
    if (withBig) {
      this.big = await OktaSimulator.start({ ...CLIENT, redirectUri: CALLBACK, users: 1000, seed: 11 });
      this.big.api.rateLimits = ROOMY;
    }
    this.sim = await OktaSimulator.start({ ...CLIENT, redirectUri: CALLBACK, users: 60, seed: 12 });
    this.t = await TestApp.start({
      PUBLIC_URL,
      OKTA_ALLOWED_INSECURE_HOSTS: [this.big?.host, this.sim.host].filter((h) => h !== undefined).join(','),
      OKTA_RETRY_BASE_MS: '5',
      OKTA_HTTP_TIMEOUT_MS: '1500',
      SCHEDULER_TICK_MS: '3600000',
    });
    this.evidence = this.t.get<Model<EvidenceDocument>>(getModelToken(EvidenceDocument.name));
  }

  private async stop(): Promise<void> {
    await this.t?.get<SyncService>(SyncService).idle();
    await this.t?.close();
    await this.sim?.close();
    await this.big?.close();
  }

  sync(): SyncService {
    return this.t.get<SyncService>(SyncService);
  }

  async connect(app: TestApp, org: TestOrg, okta: OktaSimulator = this.sim): Promise<string> {
    const result = await app.gql<{ connectOkta: { authorizeUrl: string; connection: { id: string } } }>(
      org.adminToken,
      'mutation($input: ConnectOktaInput!) { connectOkta(input: $input) { authorizeUrl connection { id } } }',
      { input: { oktaDomain: okta.host, ...CLIENT } },
    );
    const payload = result.data?.connectOkta;
    if (payload === undefined) throw new Error(JSON.stringify(result.errors));
    const back = new URL(await followRedirects(payload.authorizeUrl, CALLBACK));
    const res = await app.http().get(`${back.pathname}${back.search}`);
    expect(res.headers.location).toContain('result=connected');
    await app.get<SyncService>(SyncService).idle();
    return payload.connection.id;
  }

  async runs(org: TestOrg, id: string, app: TestApp = this.t): Promise<Run[]> {
    const result = await app.gql<{ connectorRuns: { edges: { node: Run }[] } }>(org.adminToken, RUNS, { id });
    if (result.data === null || result.data === undefined) throw new Error(JSON.stringify(result.errors));
    return result.data.connectorRuns.edges.map((e) => e.node);
  }

  async syncNow(org: TestOrg, id: string): Promise<Run> {
    const started = await this.t.gql<{ syncConnection: { id: string; status: string } }>(
      org.adminToken,
      SYNC,
      { id },
    );
    expect(started.data?.syncConnection.status).toBe('RUNNING');
    await this.sync().idle();
    const latest = (await this.runs(org, id))[0];
    if (latest === undefined || latest.id !== started.data?.syncConnection.id)
      throw new Error('run not found');
    return latest;
  }

  /** A sync that re-reads every user's factors (clears the sweep cursor first). */
  async runsAfterForcedSweep(org: TestOrg, id: string): Promise<Run> {
    await this.t.connection.db
      ?.collection('connections')
      .updateOne({ _id: new Types.ObjectId(id) }, { $unset: { 'syncState.factorSweepAt': 1 } });
    return this.syncNow(org, id);
  }

  current(org: TestOrg, type: string): Promise<EvidenceDocument[]> {
    return this.evidence
      .find({ organizationId: new Types.ObjectId(org.organizationId), type, validUntil: null })
      .lean<EvidenceDocument[]>();
  }
}
