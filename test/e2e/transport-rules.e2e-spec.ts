import { type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { type INestApplication } from '@nestjs/common';
import { getConnectionToken } from '@nestjs/mongoose';
import { Test } from '@nestjs/testing';
import { type Connection, Types } from 'mongoose';
import { Logger as PinoLogger } from 'nestjs-pino';
import request from 'supertest';
import { AppModule } from '#src/app.module';
import { configureApp } from '#src/bootstrap';
import { type AppConfig } from '#src/config/app-config';
import { TokenService } from '#src/common/tenancy/token.service';
import { AuditService } from '#src/modules/audit/audit.service';
import { OrganizationsService } from '#src/modules/organizations/organizations.service';
import { CapturedLogs, TestApp, type TestOrg } from '../support/test-app';
import { testConfig } from '../support/test-config';
import { connectWs, type WsOutcome } from '../support/ws-client';

const ME_NAME = '{ me { organization { name } } }';
const RENAME = 'mutation($n: String!) { renameOrganization(input: { name: $n }) { name } }';
const AUDIT_SUBSCRIPTION = 'subscription { auditLogAppended { seq action } }';
const INTROSPECTION = '{ __schema { queryType { name } } }';

function aliases(count: number, field: string): string {
  return `{ ${Array.from({ length: count }, (_, i) => `a${i}: ${field}`).join(' ')} }`;
}

/** `{ f1 { f2 { … f<depth> } } }`: deeper than any real field path, so only the depth rule names depth. */
function nested(depth: number): string {
  let query = 'id';
  for (let i = depth - 1; i >= 1; i--) query = `f${i} { ${query} }`;
  return `{ ${query} }`;
}

function codesOf(outcome: WsOutcome<unknown>): string[] {
  if (outcome.kind === 'closed') return [`closed ${outcome.code}`];
  return (outcome.errors ?? []).map((e) => e.extensions?.code ?? 'none');
}

function messagesOf(outcome: WsOutcome<unknown>): string {
  return outcome.kind === 'closed' ? '' : (outcome.errors ?? []).map((e) => e.message).join('\n');
}

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<T>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

describe('graphql-ws operations pass the rules HTTP requests pass', () => {
  let t: TestApp;
  let org: TestOrg;

  beforeAll(async () => {
    t = await TestApp.start();
    org = await t.createOrg('Ws Rules Org');
  });
  afterAll(() => t.close());

  it('over graphql-ws: refuses 3000 aliases of verifyAuditChain, a depth-14 query and an over-budget query', async () => {
    const ws = connectWs(t.url, `Bearer ${org.adminToken}`);
    await ws.connected;

    const chains = await ws.execute(aliases(3000, 'verifyAuditChain { ok }'));
    expect(codesOf(chains)).toEqual(['BAD_USER_INPUT']);
    expect(messagesOf(chains)).toMatch(/`verifyAuditChain` .* once per operation \(asked 3000 times\)/);

    const deep = await ws.execute(nested(14));
    expect(deep.kind).toBe('errors');
    expect(messagesOf(deep)).toContain('exceeds maximum operation depth of 10');

    const wide = await ws.execute(
      aliases(6, 'connections(first: 100) { edges { node { id oktaDomain status } } }'),
    );
    expect(codesOf(wide)).toEqual(['BAD_USER_INPUT']);
    expect(messagesOf(wide)).toMatch(/Query is too complex: cost \d+ exceeds the maximum of 2000/);

    const fine = await ws.execute<{ verifyAuditChain: { ok: boolean } }>('{ verifyAuditChain { ok } }');
    expect(fine).toEqual({ kind: 'data', data: { verifyAuditChain: { ok: true } } });
    await ws.dispose();
  });
});

describe('graphql-ws sockets are held to their token and organization', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await TestApp.start();
  });
  afterAll(() => t.close());

  it('closes a socket with 4403 when its token expires: no more events, no ADMIN mutation afterwards', async () => {
    const org = await t.createOrg('Expiring Org');
    const shortLived = await t.token(org.organizationId, 'ADMIN', 'ws-admin', 3);
    const ws = connectWs(t.url, `Bearer ${shortLived}`);
    await ws.connected;
    const subscription = ws.listen<{ auditLogAppended: { action: string } }>(AUDIT_SUBSCRIPTION);

    const renamed = await ws.execute(RENAME, { n: 'Renamed over ws' });
    expect(renamed).toEqual({ kind: 'data', data: { renameOrganization: { name: 'Renamed over ws' } } });

    await expect(within(ws.closed, 15_000, 'socket close at token expiry')).resolves.toBe(4403);
    await expect(subscription.ended).resolves.toEqual({ kind: 'closed', code: 4403 });

    const audit = t.get<AuditService>(AuditService);
    await t.asOrg(org.organizationId, () =>
      audit.append({ action: 'SYNC', target: { type: 'connection', id: 'after-expiry' } }),
    );
    const late = await ws.execute(RENAME, { n: 'Renamed after expiry' });
    expect(late).toEqual({ kind: 'closed', code: 4403 });

    const me = await t.gql<{ me: { organization: { name: string } } }>(org.adminToken, ME_NAME);
    expect(me.data?.me.organization.name).toBe('Renamed over ws');
    expect(subscription.events.map((e) => e.auditLogAppended.action)).not.toContain('SYNC');
    await ws.dispose();
  });

  it("closes a socket with 4403 on its next operation once the principal's organization is gone", async () => {
    const org = await t.createOrg('Vanishing Org');
    const ws = connectWs(t.url, `Bearer ${org.adminToken}`);
    await ws.connected;
    expect(await ws.execute(ME_NAME)).toEqual({
      kind: 'data',
      data: { me: { organization: { name: 'Vanishing Org' } } },
    });

    await t.connection.collection('organizations').deleteOne({ _id: new Types.ObjectId(org.organizationId) });

    expect(await ws.execute(RENAME, { n: 'Ghost' })).toEqual({ kind: 'closed', code: 4403 });
    await expect(ws.closed).resolves.toBe(4403);
    await ws.dispose();
  });
});

/** The whole application in production mode (introspection off), with a depth limit of 2. */
async function startProductionApp(): Promise<{ app: INestApplication; url: string; config: AppConfig }> {
  const base = testConfig();
  const config: AppConfig = {
    ...base,
    nodeEnv: 'production',
    graphql: { ...base.graphql, maxDepth: 2 },
  };
  const moduleRef = await Test.createTestingModule({
    imports: [AppModule.forRoot(config, new CapturedLogs())],
  }).compile();
  const app = configureApp(moduleRef.createNestApplication({ bufferLogs: true }), config);
  app.useLogger(app.get(PinoLogger));
  await app.listen(0, '127.0.0.1');
  const { port } = (app.getHttpServer() as Server).address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}`, config };
}

describe('production mode: the same introspection and depth rules over HTTP and graphql-ws', () => {
  let prod: Awaited<ReturnType<typeof startProductionApp>>;
  let token: string;

  beforeAll(async () => {
    prod = await startProductionApp();
    const created = await prod.app.get(OrganizationsService).create('Prod Org', 'test');
    token = await prod.app
      .get(TokenService)
      .issue({ organizationId: created.id, role: 'AUDITOR', userId: 'auditor' }, 600);
  });
  afterAll(async () => {
    try {
      await prod.app.get<Connection>(getConnectionToken()).dropDatabase();
    } finally {
      await prod.app.close();
    }
  });

  it('refuses introspection over graphql-ws as over HTTP', async () => {
    const http = await request(prod.app.getHttpServer() as Server)
      .post('/graphql')
      .set('authorization', `Bearer ${token}`)
      .send({ query: INTROSPECTION });
    expect(http.status).toBe(400);
    expect(JSON.stringify(http.body)).toMatch(/introspection (is not allowed|has been disabled)/i);

    const ws = connectWs(prod.url, `Bearer ${token}`);
    await ws.connected;
    const outcome = await ws.execute(INTROSPECTION);
    expect(outcome.kind).toBe('errors');
    expect(new Set(codesOf(outcome))).toEqual(new Set(['GRAPHQL_VALIDATION_FAILED']));
    expect(messagesOf(outcome)).toMatch(/introspection (is not allowed|has been disabled)/i);
    await ws.dispose();
  });

  it('refuses a real query one level deeper than GRAPHQL_MAX_DEPTH over graphql-ws as over HTTP', async () => {
    const query = '{ connections { edges { node { id } } } }';
    const http = await request(prod.app.getHttpServer() as Server)
      .post('/graphql')
      .set('authorization', `Bearer ${token}`)
      .send({ query });
    expect(http.status).toBe(400);
    expect(JSON.stringify(http.body)).toContain('exceeds maximum operation depth of 2');

    const ws = connectWs(prod.url, `Bearer ${token}`);
    await ws.connected;
    const outcome = await ws.execute(query);
    expect(codesOf(outcome)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(messagesOf(outcome)).toContain('exceeds maximum operation depth of 2');
    expect(await ws.execute('{ me { role } }')).toEqual({ kind: 'data', data: { me: { role: 'AUDITOR' } } });
    await ws.dispose();
  });

  it('still allows introspection outside production (the rule follows NODE_ENV)', async () => {
    const t = await TestApp.start();
    try {
      const org = await t.createOrg('Dev Org');
      const ws = connectWs(t.url, `Bearer ${org.adminToken}`);
      await ws.connected;
      expect(await ws.execute(INTROSPECTION)).toEqual({
        kind: 'data',
        data: { __schema: { queryType: { name: 'Query' } } },
      });
      await ws.dispose();
    } finally {
      await t.close();
    }
  });
});
