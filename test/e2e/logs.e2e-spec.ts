import { Types } from 'mongoose';
import { SyncScheduler } from '#src/modules/connectors/sync/sync.scheduler';
import { SyncService } from '#src/modules/connectors/sync/sync.service';
import { type ConnectedOkta, startConnectedOkta } from '../support/connected-okta';
import { type CapturedLogs, TestApp, type TestOrg } from '../support/test-app';

jest.setTimeout(240_000);

const CLIENT = { clientId: 'logs-client', clientSecret: 'logs-client-secret-0123456789' };

type Line = Record<string, unknown>;

function parsed(logs: CapturedLogs): Line[] {
  return logs.lines.map((line) => JSON.parse(line) as Line);
}

function withMsg(logs: CapturedLogs, msg: string): Line[] {
  return parsed(logs).filter((l) => l.msg === msg);
}

/**
 * One application for the whole file: nestjs-pino sends lines logged outside a request to the first
 * application's destination of the process, so a second one's captured log would miss them.
 */
let okta: ConnectedOkta;

beforeAll(async () => {
  okta = await startConnectedOkta({ users: 6, seed: 15, orgName: 'Logged syncs', client: CLIENT });
});

afterAll(() => okta.close());

describe('request log lines (real HTTP, captured log)', () => {
  let t: TestApp;
  let org: TestOrg;

  beforeAll(() => {
    t = okta.t;
    org = okta.org;
  });

  async function post(body: object, token?: string): Promise<{ status: number; id: string }> {
    const id = new Types.ObjectId().toHexString();
    const response = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-request-id': id,
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
      body: JSON.stringify(body),
    });
    await response.text();
    return { status: response.status, id };
  }

  /** pino-http writes the line when the response finishes, which can be just after the client has it. */
  async function lineOf(requestId: string): Promise<Line> {
    for (;;) {
      const line = parsed(t.logger).find(
        (l) => l.msg === 'request completed' && (l.req as { id?: string } | undefined)?.id === requestId,
      );
      if (line !== undefined) return line;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  it('names the operation, the organization of the token and the duration, and never the token', async () => {
    const sent = await post(
      { query: 'query MyConnections { connections(first: 5) { edges { cursor } } }' },
      org.adminToken,
    );
    expect(sent.status).toBe(200);
    const line = await lineOf(sent.id);
    expect(line.operationName).toBe('MyConnections');
    expect(line.organizationId).toBe(org.organizationId);
    expect(typeof line.responseTime).toBe('number');
    expect(line.res).toEqual({ statusCode: 200 });
    expect(t.logger.lines.some((l) => l.includes(org.adminToken))).toBe(false);
    expect(t.logger.lines.some((l) => l.includes(t.config.auth.jwtSecret ?? 'no secret configured'))).toBe(
      false,
    );
  });

  it('names an unnamed operation by its first field, and picks the requested one of several', async () => {
    const unnamed = await post({ query: '{ connections(first: 1) { edges { cursor } } }' }, org.adminToken);
    expect((await lineOf(unnamed.id)).operationName).toBe('connections');
    const chosen = await post(
      {
        query: 'query A { __typename } query B { connections(first: 1) { edges { cursor } } }',
        operationName: 'B',
      },
      org.adminToken,
    );
    const line = await lineOf(chosen.id);
    expect(line.operationName).toBe('B');
    expect(line.organizationId).toBe(org.organizationId);
  });

  it('names a query sent again (Apollo skips parsing and validation for a text it has seen)', async () => {
    const query = { query: '{ me { role } }' };
    for (let i = 0; i < 3; i++) {
      const sent = await post(query, org.adminToken);
      expect((await lineOf(sent.id)).operationName).toBe('me');
    }
  });

  it('has no organization for a request without a valid token, and still names its operation', async () => {
    const sent = await post({ query: 'query Anonymous { connections(first: 1) { edges { cursor } } }' });
    const line = await lineOf(sent.id);
    expect(line.operationName).toBe('Anonymous');
    expect(line).not.toHaveProperty('organizationId');
  });
});

describe('sync lifecycle lines (a real sync against the simulator, captured log)', () => {
  it('logs started and finished with counts, each carrying the organization and the run', async () => {
    const { t, org, connectionId } = okta;
    const before = t.logger.lines.length;
    await t.syncNow(org.adminToken, connectionId);
    const lines = t.logger.lines.slice(before).map((l) => JSON.parse(l) as Line);
    const started = lines.filter((l) => l.msg === 'sync started');
    const finished = lines.filter((l) => l.msg === 'sync finished');
    expect(started).toHaveLength(1);
    expect(finished).toHaveLength(1);
    const runId = started[0]?.runId;
    expect(runId).toMatch(/^[0-9a-f]{24}$/);
    expect(started[0]).toMatchObject({
      level: 30,
      connectionId,
      trigger: 'manual',
      organizationId: org.organizationId,
    });
    const run = await t.gql<{ connectorRuns: { edges: { node: { id: string; status: string } }[] } }>(
      org.adminToken,
      'query($id: ID!) { connectorRuns(connectionId: $id, first: 1) { edges { node { id status } } } }',
      { id: connectionId },
    );
    const latest = run.data?.connectorRuns.edges[0]?.node;
    expect(latest?.id).toBe(runId);
    expect(finished[0]).toMatchObject({
      level: 30,
      connectionId,
      runId,
      organizationId: org.organizationId,
      status: latest?.status,
    });
    for (const count of ['items', 'inserted', 'closed', 'changes', 'apiCalls', 'durationMs'])
      expect(typeof finished[0]?.[count]).toBe('number');
    expect(finished[0]?.items).toBeGreaterThanOrEqual(6); // at least the six users
    expect(finished[0]?.apiCalls).toBeGreaterThan(0);
  });

  it('logs the scheduler claim, and a failed run with its code; a collector’s line carries both ids', async () => {
    const { t, org, sim, connectionId } = okta;
    await t.connection.db
      ?.collection('connections')
      .updateOne(
        { _id: new Types.ObjectId(connectionId) },
        { $set: { nextSyncAt: new Date(Date.now() - 1000) } },
      );
    sim.api.faults.push({ kind: 'http500', count: 100_000 });
    const before = t.logger.lines.length;
    try {
      expect(await t.get<SyncScheduler>(SyncScheduler).tick()).toBe(1);
      await t.get<SyncService>(SyncService).idle();
    } finally {
      sim.api.faults.length = 0;
    }
    const lines = t.logger.lines.slice(before).map((l) => JSON.parse(l) as Line);
    expect(lines.filter((l) => l.msg === 'sync claimed')).toEqual([
      expect.objectContaining({ level: 30, count: 1, connectionIds: [connectionId] }),
    ]);
    const started = lines.find((l) => l.msg === 'sync started');
    expect(started).toMatchObject({ trigger: 'schedule', connectionId });
    const runId = started?.runId;
    const failed = lines.filter((l) => l.msg === 'sync failed');
    expect(failed).toEqual([
      expect.objectContaining({
        level: 30,
        status: 'FAILED',
        code: 'COLLECTOR_FAILED',
        connectionId,
        runId,
        organizationId: org.organizationId,
      }),
    ]);
    const collectorLines = lines.filter((l) => l.msg === 'collector failed');
    expect(collectorLines.length).toBeGreaterThan(0);
    for (const line of collectorLines) {
      expect(line).toMatchObject({ level: 40, runId, organizationId: org.organizationId });
      expect(typeof line.collector).toBe('string');
    }
    expect(withMsg(t.logger, 'sync finished').every((l) => l.runId !== runId)).toBe(true);
    expect(t.logger.lines.some((l) => l.includes(CLIENT.clientSecret))).toBe(false);
  });
});
