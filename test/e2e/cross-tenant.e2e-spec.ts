import {
  buildSchema,
  lexicographicSortSchema,
  getNamedType,
  type GraphQLField,
  type GraphQLInputType,
  GraphQLInputObjectType,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLScalarType,
} from 'graphql';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Types } from 'mongoose';
import { SyncService } from '#src/modules/connectors/sync/sync.service';
import { connectOkta } from '../support/okta-connect';
import { OktaSimulator } from '../support/okta-simulator';
import { sample } from '../support/resolver-walk';
import { exportAssessment } from '../support/bundles';
import { errorCode, TestApp, type TestOrg } from '../support/test-app';

jest.setTimeout(180_000);

const PUBLIC_URL = 'http://app.test';
const CLIENT = { clientId: 'tenant-client', clientSecret: 'tenant-client-secret' };

/** What an ID names: each ID argument of the schema must be listed in ID_KINDS, so none goes untested. */
type Kind = 'connection' | 'assessment' | 'evidence' | 'auditEntry' | 'export' | 'alert';
type Ids = Record<Kind, string[]>;

/** `Type.field.path.to.argument` → what the id names. A new ID-taking operation must be added here. */
const ID_KINDS: Record<string, Kind> = {
  'Query.assessment.id': 'assessment',
  'Query.assessmentExport.id': 'export',
  'Query.auditLogEntry.id': 'auditEntry',
  'Query.changes.connectionId': 'connection',
  'Query.connection.id': 'connection',
  'Query.connectorRuns.connectionId': 'connection',
  'Query.continuity.connectionId': 'connection',
  'Query.evidence.filter.connectionId': 'connection',
  'Mutation.acknowledgeAlert.id': 'alert',
  'Mutation.activateServiceApp.input.connectionId': 'connection',
  'Mutation.approveAssessment.input.assessmentId': 'assessment',
  'Mutation.attachEvidence.input.assessmentId': 'assessment',
  'Mutation.attachEvidence.input.evidenceIds': 'evidence',
  'Mutation.exportAssessment.input.assessmentId': 'assessment',
  'Mutation.reauthorizeConnection.input.connectionId': 'connection',
  'Mutation.revokeConnection.input.connectionId': 'connection',
  'Mutation.rotateServiceAppKey.input.connectionId': 'connection',
  'Mutation.syncConnection.input.connectionId': 'connection',
};

interface IdPath {
  readonly key: string;
  /** The argument, then input fields down to the ID. */
  readonly path: readonly string[];
  readonly list: boolean;
}

function isId(type: GraphQLInputType): boolean {
  const named = getNamedType(type);
  return named instanceof GraphQLScalarType && named.name === 'ID';
}

/** Every ID argument of a root field, also inside its input objects. */
function idPaths(root: string, field: GraphQLField<unknown, unknown>): IdPath[] {
  const found: IdPath[] = [];
  const walk = (type: GraphQLInputType, path: string[]): void => {
    const inner = type instanceof GraphQLNonNull ? type.ofType : type;
    if (isId(inner)) {
      found.push({
        key: `${root}.${field.name}.${path.join('.')}`,
        path,
        list: inner instanceof GraphQLList,
      });
      return;
    }
    const named = getNamedType(inner);
    if (named instanceof GraphQLInputObjectType && path.length < 4)
      for (const f of Object.values(named.getFields())) walk(f.type, [...path, f.name]);
  };
  for (const arg of field.args) walk(arg.type, [arg.name]);
  return found;
}

interface Request {
  readonly document: string;
  readonly variables: Record<string, unknown>;
  readonly listField: boolean;
}

/** A generated call; its ids are filled in when it runs, once the fixtures exist. */
interface Call {
  readonly name: string;
  readonly build: () => Request;
}

/** The root field called with `ids(path)` at each of its ID paths (other required inputs sampled). */
function request(
  kind: 'query' | 'mutation',
  field: GraphQLField<unknown, unknown>,
  paths: IdPath[],
  idFor: (path: IdPath) => string,
): Request {
  const variables: Record<string, unknown> = {};
  for (const arg of field.args) {
    if (arg.type instanceof GraphQLNonNull || paths.some((p) => p.path[0] === arg.name))
      variables[arg.name] = sample(arg.type);
  }
  for (const p of paths) {
    let target = variables;
    p.path.slice(0, -1).forEach((step) => {
      target[step] = target[step] ?? {};
      target = target[step] as Record<string, unknown>;
    });
    const id = idFor(p);
    target[p.path.at(-1) ?? ''] = p.list ? [id] : id;
  }
  const args = field.args.filter((a) => a.name in variables);
  const decl = args.map((a) => `$${a.name}: ${String(a.type)}`).join(', ');
  const pass = args.map((a) => `${a.name}: $${a.name}`).join(', ');
  const named = getNamedType(field.type);
  const listField = named instanceof GraphQLObjectType && 'edges' in named.getFields();
  const selection = listField ? '{ edges { cursor } }' : '{ __typename }';
  return { document: `${kind}(${decl}) { ${field.name}(${pass}) ${selection} }`, variables, listField };
}

/**
 * Every query and mutation that takes an ID, generated from the schema, called as organization B with
 * organization A's ids (and, where an operation takes several ids, with A's id in one place and B's own in
 * the others): each answers NOT_FOUND (a list filtered by A's id: an empty page) and nothing of A changes.
 */
describe('cross-tenant ids, generated from the schema (e2e)', () => {
  let sim: OktaSimulator;
  let t: TestApp;
  let a: TestOrg;
  let b: TestOrg;
  const ids: Record<'a' | 'b', Ids> = {
    a: { connection: [], assessment: [], evidence: [], auditEntry: [], export: [], alert: [] },
    b: { connection: [], assessment: [], evidence: [], auditEntry: [], export: [], alert: [] },
  };

  async function fixtures(org: TestOrg, into: Ids): Promise<void> {
    const connectionId = await connectOkta({
      baseUrl: t.url,
      publicUrl: PUBLIC_URL,
      token: org.adminToken,
      oktaDomain: sim.host,
      client: CLIENT,
    });
    await t.get<SyncService>(SyncService).idle();
    const assessment = await t.gql<{ createAssessment: { id: string } }>(
      org.adminToken,
      'mutation { createAssessment(input: { name: "Q1", periodStart: "2026-01-01T00:00:00Z", periodEnd: "2026-03-31T00:00:00Z" }) { id } }',
    );
    const evidence = await t.gql<{ evidence: { edges: { node: { id: string } }[] } }>(
      org.adminToken,
      '{ evidence(first: 2) { edges { node { id } } } }',
    );
    const audit = await t.gql<{ auditLog: { edges: { node: { id: string } }[] } }>(
      org.adminToken,
      '{ auditLog(first: 1) { edges { node { id } } } }',
    );
    into.connection.push(connectionId);
    into.assessment.push(assessment.data?.createAssessment.id ?? '');
    into.evidence.push(...(evidence.data?.evidence.edges.map((e) => e.node.id) ?? []));
    into.auditEntry.push(audit.data?.auditLog.edges[0]?.node.id ?? '');
    into.export.push((await exportAssessment(t, org.adminToken, into.assessment[0] ?? '')).id);
  }

  /** A risky change at Okta (one user's MFA reset), synced by both organizations: each gets its alert. */
  async function riskyAlerts(): Promise<void> {
    const enrolled = sim.state
      .activeUsers()
      .find((u) => (sim.state.factors.get(u.id) ?? []).some((f) => f.status === 'ACTIVE'));
    sim.state.resetFactors(enrolled?.id ?? '');
    for (const [org, into] of [
      [a, ids.a],
      [b, ids.b],
    ] as const) {
      await t.syncNow(org.adminToken, into.connection[0] ?? '');
      const alerts = await t.gql<{ alerts: { edges: { node: { id: string; kind: string } }[] } }>(
        org.adminToken,
        '{ alerts(first: 10) { edges { node { id kind } } } }',
      );
      into.alert.push(
        ...(alerts.data?.alerts.edges.filter((e) => e.node.kind === 'RISKY_CHANGE').map((e) => e.node.id) ??
          []),
      );
    }
  }

  function checkFixtures(into: Ids): void {
    for (const [kind, list] of Object.entries(into))
      if (list.length === 0 || list.includes('')) throw new Error(`no ${kind}`);
  }

  /** Everything stored for the organization, in a stable order. */
  async function snapshot(organizationId: string): Promise<string> {
    const db = t.connection.db;
    if (db === undefined) throw new Error('no database');
    const owner = new Types.ObjectId(organizationId);
    const parts: string[] = [];
    for (const { name } of (await db.listCollections().toArray()).sort((x, y) =>
      x.name.localeCompare(y.name),
    )) {
      const filter = name === 'organizations' ? { _id: owner } : { organizationId: owner };
      const docs = await db.collection(name).find(filter).sort({ _id: 1 }).toArray();
      parts.push(`${name}:${JSON.stringify(docs)}`);
    }
    return parts.join('\n');
  }

  beforeAll(async () => {
    sim = await OktaSimulator.start({
      ...CLIENT,
      redirectUri: `${PUBLIC_URL}/api/integrations/okta/callback`,
      users: 20,
      seed: 11,
    });
    t = await TestApp.start({
      PUBLIC_URL,
      OKTA_ALLOWED_INSECURE_HOSTS: sim.host,
      SCHEDULER_TICK_MS: '3600000',
      STALENESS_CHECK_MS: '3600000',
    });
    a = await t.createOrg('Tenant A');
    b = await t.createOrg('Tenant B');
    await fixtures(a, ids.a);
    await fixtures(b, ids.b);
    await riskyAlerts();
    checkFixtures(ids.a);
    checkFixtures(ids.b);
  });
  afterAll(async () => {
    await t?.get<SyncService>(SyncService).idle();
    await t?.close();
    await sim?.close();
  });

  const schema = lexicographicSortSchema(
    buildSchema(readFileSync(join(__dirname, '..', '..', 'schema.gql'), 'utf8')),
  );
  const calls: Call[] = [];
  const unmapped: string[] = [];
  for (const [kind, type] of [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
  ] as const) {
    for (const field of Object.values(type?.getFields() ?? {})) {
      const paths = idPaths(kind === 'query' ? 'Query' : 'Mutation', field);
      unmapped.push(...paths.filter((p) => ID_KINDS[p.key] === undefined).map((p) => p.key));
      if (paths.length === 0 || paths.some((p) => ID_KINDS[p.key] === undefined)) continue;
      const own = (p: IdPath): string => ids.b[ID_KINDS[p.key] as Kind][0] ?? '';
      const foreign = (p: IdPath): string => ids.a[ID_KINDS[p.key] as Kind][0] ?? '';
      calls.push({
        name: `${field.name} with A's ids`,
        build: () => request(kind, field, paths, foreign),
      });
      if (paths.length > 1)
        for (const only of paths)
          calls.push({
            name: `${field.name} with A's ${only.path.join('.')} and B's own other ids`,
            build: () => request(kind, field, paths, (p) => (p === only ? foreign(p) : own(p))),
          });
    }
  }

  it('knows what every ID argument of the schema names', () => {
    expect(unmapped).toEqual([]);
    expect(calls.length).toBeGreaterThanOrEqual(Object.keys(ID_KINDS).length);
  });

  it("would see a change: A's own sync changes A's stored data", async () => {
    const before = await snapshot(a.organizationId);
    const own = await t.gql(
      a.adminToken,
      'mutation($id: ID!) { syncConnection(input: { connectionId: $id }) { id } }',
      { id: ids.a.connection[0] },
    );
    expect(own.errors).toBeUndefined();
    await t.get<SyncService>(SyncService).idle();
    expect(await snapshot(a.organizationId)).not.toEqual(before);
  });

  it.each(calls.map((c) => [c.name, c] as const))(
    '%s: NOT_FOUND (or an empty page) as organization B, and nothing of A changes',
    async (_name, c) => {
      const { document, variables, listField } = c.build();
      const before = await snapshot(a.organizationId);
      const result = await t.gql<Record<string, { edges?: unknown[] }>>(b.adminToken, document, variables);
      await t.get<SyncService>(SyncService).idle();
      if (listField && result.errors === undefined) {
        expect(Object.values(result.data ?? {})[0]?.edges).toEqual([]);
      } else {
        expect({ code: errorCode(result), errors: result.errors?.length }).toEqual({
          code: 'NOT_FOUND',
          errors: 1,
        });
      }
      expect(await snapshot(a.organizationId)).toEqual(before);
    },
  );
});
