import { getModelToken } from '@nestjs/mongoose';
import { type Model, Types } from 'mongoose';
import { SyncService } from '#src/modules/connectors/sync/sync.service';
import { EvidenceDocument } from '#src/modules/evidence/evidence.schema';
import { followRedirects } from '../support/browser';
import { OktaSimulator } from '../support/okta-simulator';
import { TestApp, type TestOrg } from '../support/test-app';

const PUBLIC_URL = 'http://app.test';
const CALLBACK = `${PUBLIC_URL}/api/integrations/okta/callback`;
const CLIENT = { clientId: 'okta-sync-client', clientSecret: 'sync-client-secret-value' };

interface Run {
  id: string;
  status: string;
  trigger: string;
  error: { code: string; message: string } | null;
  stats: { collector: string; pages: number; items: number; apiCalls: number; rateLimitWaits: number; inserted: number; closed: number; unchanged: number; complete: boolean; error: string | null }[];
}
const RUNS = `query($id: ID!) { connectorRuns(connectionId: $id, first: 10) { edges { node {
  id status trigger error { code message }
  stats { collector pages items apiCalls rateLimitWaits inserted closed unchanged complete error } } } } }`;

describe('Okta sync (e2e, simulator over real HTTP)', () => {
  let sim: OktaSimulator;
  let t: TestApp;

  beforeAll(async () => {
    sim = await OktaSimulator.start({ ...CLIENT, redirectUri: CALLBACK, users: 60, seed: 11 });
    t = await TestApp.start({ PUBLIC_URL, OKTA_ALLOWED_INSECURE_HOSTS: sim.host, OKTA_RETRY_BASE_MS: '5', OKTA_HTTP_TIMEOUT_MS: '2000' });
  });
  afterAll(async () => {
    await t.get<SyncService>(SyncService).idle();
    await t.close();
    await sim.close();
  });

  async function connected(org: TestOrg): Promise<string> {
    const result = await t.gql<{ connectOkta: { authorizeUrl: string; connection: { id: string } } }>(
      org.adminToken,
      'mutation($input: ConnectOktaInput!) { connectOkta(input: $input) { authorizeUrl connection { id } } }',
      { input: { oktaDomain: sim.host, ...CLIENT } },
    );
    const payload = result.data?.connectOkta;
    if (payload === undefined) throw new Error(JSON.stringify(result.errors));
    const back = new URL(await followRedirects(payload.authorizeUrl, CALLBACK));
    const res = await t.http().get(`${back.pathname}${back.search}`);
    expect(res.headers.location).toContain('result=connected');
    await t.get<SyncService>(SyncService).idle();
    return payload.connection.id;
  }

  async function runs(org: TestOrg, id: string): Promise<Run[]> {
    const result = await t.gql<{ connectorRuns: { edges: { node: Run }[] } }>(org.adminToken, RUNS, { id });
    if (result.data === null || result.data === undefined) throw new Error(JSON.stringify(result.errors));
    return result.data.connectorRuns.edges.map((e) => e.node);
  }

  it('runs a first sync on connect and stores evidence matching the simulated org', async () => {
    const org = await t.createOrg();
    const id = await connected(org);
    const [first] = await runs(org, id);
    expect(first).toMatchObject({ trigger: 'connect', status: 'SUCCEEDED', error: null });
    const evidence = t.get<Model<EvidenceDocument>>(getModelToken(EvidenceDocument.name));
    const users = await evidence.find({ organizationId: new Types.ObjectId(org.organizationId), type: 'okta.user_mfa', validUntil: null }).lean();
    expect(users).toHaveLength(sim.state.activeUsers().length);
  });
});
