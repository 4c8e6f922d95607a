import { getModelToken } from '@nestjs/mongoose';
import { type Model, Types } from 'mongoose';
import { SyncService } from '#src/modules/connectors/sync/sync.service';
import { CoverageService } from '#src/modules/coverage/coverage.service';
import { EvidenceDocument } from '#src/modules/evidence/evidence.schema';
import { fingerprint } from '#src/modules/evidence/evidence.types';
import { followRedirects } from '../support/browser';
import { OktaSimulator } from '../support/okta-simulator';
import { TestApp, type TestOrg } from '../support/test-app';

const PUBLIC_URL = 'http://app.test';
const CALLBACK = `${PUBLIC_URL}/api/integrations/okta/callback`;
const CLIENT = { clientId: 'durability-client', clientSecret: 'durability-client-secret' };
const TYPE = 'okta.user_mfa';

/**
 * An interrupted evidence write (the successor row inserted, the predecessor not yet closed) must lose
 * nothing: readers show one current row per item, the newest, and the next sync heals the history.
 */
describe('Evidence durability after an interrupted write (e2e)', () => {
  let sim: OktaSimulator;
  let t: TestApp;
  let org: TestOrg;
  let connectionId: string;
  let evidence: Model<EvidenceDocument>;

  beforeAll(async () => {
    sim = await OktaSimulator.start({ ...CLIENT, redirectUri: CALLBACK, users: 40, seed: 31 });
    sim.api.rateLimits = { windowMs: 60_000, limits: { users: 100_000, logs: 100_000, default: 100_000 } };
    t = await TestApp.start({
      PUBLIC_URL,
      OKTA_ALLOWED_INSECURE_HOSTS: sim.host,
      SCHEDULER_TICK_MS: '3600000',
      STALENESS_CHECK_MS: '3600000',
    });
    evidence = t.get<Model<EvidenceDocument>>(getModelToken(EvidenceDocument.name));
    org = await t.createOrg('Durable');
    const connected = await t.gql<{ connectOkta: { authorizeUrl: string; connection: { id: string } } }>(
      org.adminToken,
      'mutation($input: ConnectOktaInput!) { connectOkta(input: $input) { authorizeUrl connection { id } } }',
      { input: { oktaDomain: sim.host, ...CLIENT } },
    );
    const payload = connected.data?.connectOkta;
    if (payload === undefined) throw new Error(JSON.stringify(connected.errors));
    connectionId = payload.connection.id;
    const back = new URL(await followRedirects(payload.authorizeUrl, CALLBACK));
    await t.http().get(`${back.pathname}${back.search}`);
    await t.get<SyncService>(SyncService).idle();
  });
  afterAll(async () => {
    await t.get<SyncService>(SyncService).idle();
    await t.close();
    await sim.close();
  });

  const currentRows = () =>
    evidence
      .find({ organizationId: new Types.ObjectId(org.organizationId), type: TYPE, validUntil: null })
      .lean<EvidenceDocument[]>();

  it('reads one current row per item, the newest, and heals on the next sync', async () => {
    const before = await currentRows();
    const activeUsers = before.length;
    expect(activeUsers).toBeGreaterThan(20);
    expect(new Set(before.map((r) => r.sourceId)).size).toBe(activeUsers);

    // What a write interrupted after its insert leaves behind: a successor current beside its predecessor.
    const predecessor = before[0] as EvidenceDocument;
    const data = { ...predecessor.data, note: 'successor written before the crash' };
    const successorAt = new Date(predecessor.collectedAt.getTime() + 60_000);
    const print = fingerprint({ type: TYPE, sourceId: predecessor.sourceId, data });
    const successor = await evidence.create({
      organizationId: predecessor.organizationId,
      connectionId: predecessor.connectionId,
      runId: predecessor.runId,
      connectorKey: 'okta',
      type: TYPE,
      sourceId: predecessor.sourceId,
      controls: predecessor.controls,
      data,
      fingerprint: print,
      slot: print,
      collectedAt: successorAt,
    });

    const listed = await t.gql<{ evidence: { edges: { node: { id: string; sourceId: string } }[] } }>(
      org.adminToken,
      'query($c: ID) { evidence(filter: { type: "okta.user_mfa", connectionId: $c, currentOnly: true }, first: 100) { edges { node { id sourceId } } } }',
      { c: connectionId },
    );
    const nodes = listed.data?.evidence.edges.map((e) => e.node) ?? [];
    expect(nodes).toHaveLength(activeUsers);
    expect(nodes.filter((n) => n.sourceId === predecessor.sourceId).map((n) => n.id)).toEqual([
      successor._id.toHexString(),
    ]);

    const checks = await t.asOrg(org.organizationId, () => t.get<CoverageService>(CoverageService).refresh());
    expect(checks.find((c) => c.key === 'mfa_enrolled')?.evaluated).toBe(activeUsers);

    // The next sync writes the item's real state and closes both older rows: one current row per item.
    await t.gql(
      org.adminToken,
      'mutation($id: ID!) { syncConnection(input: { connectionId: $id }) { id } }',
      {
        id: connectionId,
      },
    );
    await t.get<SyncService>(SyncService).idle();
    const runs = await t.gql<{ connectorRuns: { edges: { node: { status: string; error: unknown } }[] } }>(
      org.adminToken,
      'query($id: ID!) { connectorRuns(connectionId: $id, first: 1) { edges { node { status error { code message } } } } }',
      { id: connectionId },
    );
    expect(runs.data?.connectorRuns.edges[0]?.node).toMatchObject({ status: 'SUCCEEDED', error: null });
    const after = await currentRows();
    expect(after).toHaveLength(activeUsers);
    expect(new Set(after.map((r) => r.sourceId)).size).toBe(activeUsers);
    const healed = await evidence
      .findOne({ organizationId: predecessor.organizationId, _id: predecessor._id })
      .lean<EvidenceDocument>();
    expect(healed?.validUntil?.toISOString()).toBe(successorAt.toISOString());
  });
});
