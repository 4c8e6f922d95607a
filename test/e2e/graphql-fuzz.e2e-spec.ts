import { readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { join } from 'node:path';
import fc from 'fast-check';
import { buildSchema, type GraphQLSchema } from 'graphql';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { Types } from 'mongoose';
import { encodeCursor } from '#src/common/graphql/relay';
import { ChangesService } from '#src/modules/changes/changes.service';
import { AlertsService } from '#src/modules/coverage/alerts.service';
import { SyncService } from '#src/modules/connectors/sync/sync.service';
import { followRedirects } from '../support/browser';
import { type FuzzPools, fuzzCaseArb } from '../support/fuzz-arbitraries';
import { postGraphql, type RawRequest, rawRequest } from '../support/fuzz-http';
import { FailureLog, judge, type LeakMarker, OutcomeStats } from '../support/fuzz-oracle';
import {
  buildPayload,
  type FuzzOperation,
  fuzzOperations,
  type GraphqlPayload,
} from '../support/fuzz-schema';
import { FuzzSocket } from '../support/fuzz-ws';
import { OktaSimulator } from '../support/okta-simulator';
import { TestApp, type TestOrg } from '../support/test-app';

/**
 * Property-based fuzz of every GraphQL operation's arguments and variables, over HTTP and graphql-ws,
 * plus malformed HTTP requests. The caller is always organization B (ADMIN, MEMBER, AUDITOR); the
 * arguments mix in organization A's real ids. Every answer must be a GraphQL-shaped client error or
 * result: never a 5xx, a reset socket, an INTERNAL_SERVER_ERROR, a stack trace or internal detail, and
 * never anything of organization A.
 *
 * Failures are collected by class (operation, problem, status, code, message shape) with the smallest
 * request that showed each, rather than stopping at the first: one run lists every distinct failure.
 * Replay with the printed seed: FUZZ_SEED=<seed> (and FUZZ_RUNS=<n> for more iterations).
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_129);
const RUNS = Number(process.env.FUZZ_RUNS ?? 32);
const PUBLIC_URL = 'http://app.test';
const CALLBACK = `${PUBLIC_URL}/api/integrations/okta/callback`;
const A_CLIENT = { clientId: 'fuzz-a-client-7d1e', clientSecret: 'fuzz-a-secret-0b9c' };
const A_NAME = 'Fuzz Tenant A 5c1f';
const DAY = 86_400_000;

/** The committed schema (the tenancy suite proves the app serves exactly this), read when tests are declared. */
const COMMITTED_SCHEMA: GraphQLSchema = buildSchema(
  readFileSync(join(__dirname, '..', '..', 'schema.gql'), 'utf8'),
);
const OPERATIONS: readonly FuzzOperation[] = fuzzOperations(COMMITTED_SCHEMA);

function seedFor(label: string): number {
  let hash = 2_166_136_261;
  for (const ch of label) hash = Math.imul(hash ^ ch.charCodeAt(0), 16_777_619);
  return (SEED ^ hash) | 0;
}

interface Caller {
  readonly name: string;
  readonly token: string;
}

describe('GraphQL fuzz: arguments, variables and transports (e2e)', () => {
  let sim: OktaSimulator;
  let t: TestApp;
  let orgA: TestOrg;
  let orgB: TestOrg;
  let callers: Caller[];
  let pools: FuzzPools;
  let aState: () => Promise<string>;
  let aStateBefore: string;
  const markers: LeakMarker[] = [];
  const log = new FailureLog();
  const stats = new OutcomeStats();

  const gqlAs = async <T>(
    token: string,
    query: string,
    variables: Record<string, unknown> = {},
  ): Promise<T> => {
    const result = await t.gql<T>(token, query, variables);
    if (result.errors !== undefined || result.data === null || result.data === undefined) {
      throw new Error(`setup call failed: ${query}: ${JSON.stringify(result.errors)}`);
    }
    return result.data;
  };

  /** The server's warnings and errors since line `from`, first line of each (for the failure report only). */
  const serverLog = (from: number): string => {
    const messages = t.logger.lines
      .slice(from)
      .filter((line) => Number(/"level":(\d+)/.exec(line)?.[1] ?? 0) >= 40)
      .map((line) => {
        const msg = /"msg":"((?:[^"\\]|\\.)*)"/.exec(line)?.[1] ?? line;
        return msg.split('\\n')[0]?.slice(0, 200) ?? '';
      });
    return messages.length > 0 ? `\n    server log: ${[...new Set(messages)].join(' / ')}` : '';
  };

  /** Opens the alert, or resolves it when already open: either way one event on the org's channel. */
  const toggleAlert = (organizationId: string, connectionId: string, message: string): Promise<unknown> =>
    t.asOrg(organizationId, async () => {
      const alerts = t.get<AlertsService>(AlertsService);
      return (
        (await alerts.open('STALE_CONNECTOR', connectionId, message)) ??
        (await alerts.resolve('STALE_CONNECTOR', connectionId))
      );
    });

  /** A change in the feed of the organization's connection, as a sync's detector records it. */
  let changeSeq = 0;
  const recordChange = (organizationId: string, connectionId: string, label: string): Promise<unknown> =>
    t.asOrg(organizationId, () => {
      changeSeq += 1;
      return t.get<ChangesService>(ChangesService).detect(
        {
          connectionId,
          connectorKey: 'okta',
          runId: new Types.ObjectId().toHexString(),
          detectedAt: new Date(),
        },
        {
          evidenceType: 'okta.user_mfa',
          watches: [],
          detect: () => [{ kind: 'USER_ACTIVATED', risky: false, label, summary: label, fields: [] }],
        },
        [
          {
            sourceId: `fuzz-${changeSeq}`,
            beforeId: undefined,
            afterId: undefined,
            afterFingerprint: String(changeSeq),
            before: undefined,
            after: {},
          },
        ],
      );
    });

  beforeAll(async () => {
    process.stderr.write(
      `graphql-fuzz: seed ${SEED}, ${RUNS} runs per operation (replay with FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS})\n`,
    );
    sim = await OktaSimulator.start({ ...A_CLIENT, redirectUri: CALLBACK, users: 8, seed: 11 });
    t = await TestApp.start({
      PUBLIC_URL,
      OKTA_ALLOWED_INSECURE_HOSTS: sim.host,
      SCHEDULER_TICK_MS: '3600000',
    });
    orgA = await t.createOrg(A_NAME);
    orgB = await t.createOrg('Fuzz Tenant B');

    // Organization A: a synced connection (runs, evidence), assessments, an exception, an alert, audit.
    const connected = await gqlAs<{ connectOkta: { authorizeUrl: string; connection: { id: string } } }>(
      orgA.adminToken,
      'mutation($input: ConnectOktaInput!) { connectOkta(input: $input) { authorizeUrl connection { id } } }',
      { input: { oktaDomain: sim.host, ...A_CLIENT } },
    );
    const aConnectionId = connected.connectOkta.connection.id;
    const back = new URL(await followRedirects(connected.connectOkta.authorizeUrl, CALLBACK));
    await t.http().get(`${back.pathname}${back.search}`).expect(302);
    await t.get<SyncService>(SyncService).idle();

    const evidence = await gqlAs<{
      evidence: { edges: { node: { id: string; sourceId: string } }[]; pageInfo: { endCursor: string } };
    }>(orgA.adminToken, '{ evidence(first: 20) { edges { node { id sourceId } } pageInfo { endCursor } } }');
    const evidenceIds = evidence.evidence.edges.map((e) => e.node.id);
    expect(evidenceIds.length).toBeGreaterThan(3);
    const runs = await gqlAs<{ connectorRuns: { edges: { node: { id: string } }[] } }>(
      orgA.adminToken,
      'query($id: ID!) { connectorRuns(connectionId: $id) { edges { node { id } } } }',
      { id: aConnectionId },
    );
    const period = {
      periodStart: new Date(Date.now() - 90 * DAY).toISOString(),
      periodEnd: new Date(Date.now() + DAY).toISOString(),
    };
    const draft = await gqlAs<{ createAssessment: { id: string } }>(
      orgA.adminToken,
      'mutation($input: CreateAssessmentInput!) { createAssessment(input: $input) { id } }',
      { input: { name: 'Fuzz A draft assessment 31d7', ...period } },
    );
    const approved = await gqlAs<{ createAssessment: { id: string } }>(
      orgA.adminToken,
      'mutation($input: CreateAssessmentInput!) { createAssessment(input: $input) { id } }',
      { input: { name: 'Fuzz A approved assessment 8e02', ...period } },
    );
    for (const [assessmentId, ids] of [
      [draft.createAssessment.id, evidenceIds.slice(0, 2)],
      [approved.createAssessment.id, evidenceIds.slice(2, 4)],
    ] as const) {
      await gqlAs(
        orgA.adminToken,
        'mutation($input: AttachEvidenceInput!) { attachEvidence(input: $input) { id } }',
        { input: { assessmentId, evidenceIds: ids } },
      );
    }
    await gqlAs(
      orgA.adminToken,
      'mutation($id: ID!) { approveAssessment(input: { assessmentId: $id }) { id } }',
      { id: approved.createAssessment.id },
    );
    const exception = await gqlAs<{ createCheckException: { id: string } }>(
      orgA.adminToken,
      'mutation($input: CreateCheckExceptionInput!) { createCheckException(input: $input) { id } }',
      {
        input: {
          check: 'mfa_enrolled',
          sourceId: evidence.evidence.edges[0]?.node.sourceId,
          reason: 'Fuzz A exception reason 4b6a',
          expiresAt: new Date(Date.now() + 30 * DAY).toISOString(),
        },
      },
    );
    const alert = await t.asOrg(orgA.organizationId, () =>
      t.get<AlertsService>(AlertsService).open('NEEDS_REAUTH', aConnectionId, 'Fuzz A alert message 9a3e'),
    );
    // Everything of org A that org B's calls could change (renames by the graphql-ws test left out).
    aState = async () => {
      const state = await gqlAs<{ auditLog: { edges: { node: { action: string } }[] } }>(
        orgA.adminToken,
        `query($c: ID!, $d: ID!, $p: ID!) {
          me { organization { name } }
          connection(id: $c) { status deletedAt clientId statusReason }
          draft: assessment(id: $d) { status name evidenceIds }
          approved: assessment(id: $p) { status approvedAt evidenceIds }
          checkExceptions { id reason expiresAt }
          checkSettings { dormantDays passwordBaseline { minLength minHistoryCount maxLockoutAttempts } }
          auditLog(first: 100) { edges { node { id action actor { id type } } } }
        }`,
        { c: aConnectionId, d: draft.createAssessment.id, p: approved.createAssessment.id },
      );
      const edges = state.auditLog.edges.filter((e) => e.node.action !== 'ORGANIZATION_UPDATE');
      return JSON.stringify({ ...state, auditLog: edges }, null, 1);
    };
    aStateBefore = await aState();
    const audit = await gqlAs<{
      auditLog: { edges: { node: { id: string; hash: string } }[]; pageInfo: { endCursor: string } };
    }>(orgA.adminToken, '{ auditLog(first: 100) { edges { node { id hash } } pageInfo { endCursor } } }');

    const foreignIds = [
      orgA.organizationId,
      aConnectionId,
      ...runs.connectorRuns.edges.map((e) => e.node.id),
      ...evidenceIds.slice(0, 8),
      draft.createAssessment.id,
      approved.createAssessment.id,
      exception.createCheckException.id,
      ...(alert === undefined ? [] : [alert.id]),
      ...audit.auditLog.edges.slice(0, 6).map((e) => e.node.id),
    ];
    markers.push(
      ...foreignIds.map((value) => ({ label: `org A id ${value}`, value })),
      { label: 'org A name', value: A_NAME },
      { label: 'org A client id', value: A_CLIENT.clientId },
      { label: 'org A client secret', value: A_CLIENT.clientSecret },
      { label: 'org A assessment name', value: 'Fuzz A draft assessment 31d7' },
      { label: 'org A assessment name', value: 'Fuzz A approved assessment 8e02' },
      { label: 'org A exception reason', value: 'Fuzz A exception reason 4b6a' },
      { label: 'org A alert message', value: 'Fuzz A alert message 9a3e' },
      { label: 'org A change label', value: 'Fuzz A change label 7d21' },
      ...audit.auditLog.edges.map((e) => ({ label: 'org A audit hash', value: e.node.hash })),
      ...evidence.evidence.edges
        .slice(0, 5)
        .map((e) => ({ label: 'org A Okta user id', value: e.node.sourceId })),
    );

    // Organization B, the caller: a pending connection, an assessment, an exception of its own.
    const bConnection = await gqlAs<{ connectOkta: { connection: { id: string } } }>(
      orgB.adminToken,
      'mutation($input: ConnectOktaInput!) { connectOkta(input: $input) { connection { id } } }',
      { input: { oktaDomain: sim.host, clientId: 'fuzz-b-client', clientSecret: 'fuzz-b-secret' } },
    );
    const bAssessment = await gqlAs<{ createAssessment: { id: string } }>(
      orgB.adminToken,
      'mutation($input: CreateAssessmentInput!) { createAssessment(input: $input) { id } }',
      { input: { name: 'B assessment', ...period } },
    );
    const bException = await gqlAs<{ createCheckException: { id: string } }>(
      orgB.adminToken,
      'mutation($input: CreateCheckExceptionInput!) { createCheckException(input: $input) { id } }',
      {
        input: {
          check: 'no_dormant_users',
          sourceId: '00u-b-user',
          reason: 'B reason',
          expiresAt: new Date(Date.now() + 30 * DAY).toISOString(),
        },
      },
    );
    pools = {
      foreignIds,
      ownIds: [
        orgB.organizationId,
        bConnection.connectOkta.connection.id,
        bAssessment.createAssessment.id,
        bException.createCheckException.id,
      ],
      cursors: [
        evidence.evidence.pageInfo.endCursor,
        audit.auditLog.pageInfo.endCursor,
        encodeCursor([aConnectionId]),
        encodeCursor([new Types.ObjectId().toHexString()]),
        encodeCursor([1]),
        encodeCursor(['x', 1]),
        encodeCursor([]),
        Buffer.from('{"$gt":""}').toString('base64url'),
      ],
      hosts: [
        sim.host,
        sim.host.toUpperCase(),
        `${sim.host}/../admin`,
        'localhost',
        '127.0.0.1',
        '169.254.169.254',
        '[::1]',
        'fuzz.invalid',
        'http://fuzz.invalid',
        'fuzz.okta.com.invalid',
        'a.okta.com@fuzz.invalid',
      ],
    };
    callers = [
      { name: 'org B ADMIN', token: orgB.adminToken },
      { name: 'org B MEMBER', token: await t.token(orgB.organizationId, 'MEMBER', 'b-member') },
      { name: 'org B AUDITOR', token: await t.token(orgB.organizationId, 'AUDITOR', 'b-auditor') },
    ];
  });

  afterAll(async () => {
    process.stderr.write(`graphql-fuzz: answers by operation\n  ${stats.lines().join('\n  ')}\n`);
    if (log.size > 0) {
      process.stderr.write(
        `graphql-fuzz: ${log.size} failure classes (seed ${SEED})\n${log.lines().join('\n')}\n`,
      );
    }
    // Either may be missing when setup failed half-way; whatever started must stop, or Jest never exits.
    const app = t as TestApp | undefined;
    try {
      if (app !== undefined) {
        await app.get<SyncService>(SyncService).idle();
        await app.close();
      }
    } finally {
      await (sim as OktaSimulator | undefined)?.close();
    }
  });

  it('covers every root field the running app serves', () => {
    const served = fuzzOperations(t.get<GraphQLSchemaHost>(GraphQLSchemaHost).schema).map((op) => op.label);
    expect(OPERATIONS.map((op) => op.label).sort()).toEqual(served.sort());
    expect(OPERATIONS.length).toBeGreaterThanOrEqual(30);
  });

  it('has checks that fail on org A data, stack traces, internal errors and broken sockets', async () => {
    const asA = await postGraphql(t.url, orgA.adminToken, {
      query: '{ assessments { edges { node { id name } } } }',
    });
    expect(judge(asA, '', markers).problems).toEqual(
      expect.arrayContaining(['foreign data: org A assessment name']),
    );
    const internal = JSON.stringify({
      errors: [
        {
          message: 'boom',
          extensions: {
            code: 'INTERNAL_SERVER_ERROR',
            stacktrace: ['Error: boom', '    at Foo.bar (/app/src/x.service.ts:10:5)'],
          },
        },
      ],
    });
    expect(
      judge({ kind: 'response', status: 500, contentType: 'application/json', text: internal }, '', [])
        .problems,
    ).toEqual(['HTTP 500', 'INTERNAL_SERVER_ERROR', 'stack frame', 'stack in body', 'source path']);
    expect(
      judge(
        { kind: 'response', status: 400, contentType: 'application/json', text: '{"message":"x"}' },
        '',
        [],
      ).problems,
    ).toEqual(['body not GraphQL-shaped (application/json)']);
    expect(judge({ kind: 'transport', error: 'ECONNRESET: socket hang up' }, '', []).problems).toEqual([
      'transport failure (ECONNRESET: socket hang up)',
    ]);
  });

  describe('over HTTP', () => {
    it.each(OPERATIONS.map((op) => [op.label, op] as const))(
      '%s: fuzzed arguments and variables never give a 5xx, an internal error or org A data',
      async (label, op) => {
        const seed = seedFor(label);
        await fc.assert(
          fc.asyncProperty(
            fuzzCaseArb(op, pools),
            fc.nat({ max: callers.length - 1 }),
            async (fuzzCase, who) => {
              const caller = callers[who] as Caller;
              const payload = buildPayload(op, fuzzCase);
              const body = JSON.stringify(payload);
              const logged = t.logger.lines.length;
              const judgement = judge(await postGraphql(t.url, caller.token, payload), body, markers);
              stats.add(label, judgement);
              if (judgement.problems.length > 0) {
                const context = `as ${caller.name}, ${fuzzCase.mode}, seed ${seed}${serverLog(logged)}`;
                log.record(label, body, judgement, context);
              }
            },
          ),
          { seed, numRuns: RUNS },
        );
        expect(log.lines(label)).toEqual([]);
      },
    );
  });

  describe('over graphql-ws', () => {
    it('answers fuzzed subscriptions with an error or events, never an internal error or org A events', async () => {
      const subscriptionOps = OPERATIONS.filter((op) => op.kind === 'subscription');
      expect(subscriptionOps.map((op) => op.label).sort()).toEqual([
        'Subscription.auditLogAppended',
        'Subscription.oktaChanges',
        'Subscription.staleAlerts',
      ]);
      const sockets = callers.slice(0, 2).map((caller) => ({
        caller,
        socket: new FuzzSocket(t.url, `Bearer ${caller.token}`),
      }));
      try {
        for (const op of subscriptionOps) {
          const cases = fc.sample(fuzzCaseArb(op, pools), { seed: seedFor(`ws ${op.label}`), numRuns: RUNS });
          cases.forEach((fuzzCase, i) => {
            const payload = buildPayload(op, fuzzCase);
            // A non-string operationName breaks the graphql-ws message format: 4400 by the protocol.
            const wsPayload: GraphqlPayload =
              typeof payload.operationName === 'string' || payload.operationName === undefined
                ? payload
                : { query: payload.query, ...(payload.variables ? { variables: payload.variables } : {}) };
            sockets[i % sockets.length]?.socket.subscribe(wsPayload);
          });
        }
        // Org A's events first, then org B's: a leaked A event would arrive before B's. Repeated until
        // every subscription has been refused or has seen an event (the server registers them asynchronously).
        const settled = (): boolean =>
          sockets.every(({ socket }) =>
            socket.outcomes.every((o) => o.ended !== undefined || o.messages.length > 0),
          );
        for (let round = 0; round < 10 && !settled(); round++) {
          await gqlAs(
            orgA.adminToken,
            `mutation { renameOrganization(input: { name: "${A_NAME}" }) { id } }`,
          );
          await toggleAlert(orgA.organizationId, pools.foreignIds[1] as string, 'Fuzz A alert message 9a3e');
          await recordChange(orgA.organizationId, pools.foreignIds[1] as string, 'Fuzz A change label 7d21');
          await gqlAs(
            orgB.adminToken,
            'mutation { renameOrganization(input: { name: "Fuzz Tenant B" }) { id } }',
          );
          await toggleAlert(orgB.organizationId, pools.ownIds[1] as string, 'B alert');
          await recordChange(orgB.organizationId, pools.ownIds[1] as string, 'B change');
          await Promise.all(sockets.map(({ socket }) => socket.until(settled, 3_000).catch(() => undefined)));
        }
        for (const { caller, socket } of sockets) {
          if (socket.closedWith !== undefined && socket.closedWith !== 1000) {
            log.record(
              'ws',
              '(socket)',
              judge({ kind: 'transport', error: `socket closed ${socket.closedWith}` }, '', markers),
              `as ${caller.name}`,
            );
          }
          for (const outcome of socket.outcomes) {
            const request = JSON.stringify(outcome.payload);
            const label = `ws ${/\{ (\w+)/.exec(outcome.payload.query)?.[1] ?? '?'}`;
            const context = `as ${caller.name}, seed ${SEED}`;
            if (outcome.ended?.startsWith('close')) {
              log.record(
                label,
                request,
                judge({ kind: 'transport', error: outcome.ended }, request, markers),
                context,
              );
            } else if (outcome.ended === undefined && outcome.messages.length === 0) {
              log.record(
                label,
                request,
                judge({ kind: 'transport', error: 'neither an error nor an event' }, request, markers),
                context,
              );
            }
            for (const text of outcome.messages) {
              const judgement = judge(
                { kind: 'response', status: 200, contentType: 'application/json', text },
                request,
                markers,
              );
              stats.add(label, judgement);
              if (judgement.problems.length > 0) log.record(label, request, judgement, context);
            }
          }
        }
        expect(log.lines().filter((line) => line.startsWith('ws'))).toEqual([]);
      } finally {
        await Promise.all(sockets.map(({ socket }) => socket.dispose()));
      }
    });
  });

  it("leaves org A's organization, connection, assessments, exceptions, settings and audit log as they were", async () => {
    expect(await aState()).toBe(aStateBefore);
  });

  describe('malformed HTTP requests', () => {
    const ME = '{ me { role organizationId } }';
    const json = { 'content-type': 'application/json' };
    const post = (body: string | Buffer, headers: Record<string, string> = json): RawRequest => ({
      method: 'POST',
      path: '/graphql',
      headers,
      body,
    });
    const get = (params: Record<string, string>, headers: Record<string, string> = {}): RawRequest => ({
      method: 'GET',
      path: `/graphql?${new URLSearchParams(params).toString()}`,
      headers,
    });
    const deepAuditLog = `{ ${Array.from({ length: 30 }, (_, i) => `a${i}: auditLog(first: 100) { edges { node { id } } }`).join(' ')} }`;
    const nested = (depth: number): string => `${'['.repeat(depth)}1${']'.repeat(depth)}`;

    /** [name, request, the request is a client error that must get a 4xx]. */
    const CASES: readonly [string, RawRequest, boolean][] = [
      ['truncated JSON', post('{"query": "{ me { role } }'), true],
      ['lone brace', post('{'), true],
      ['trailing garbage', post(`{"query": "${ME}"}}`), true],
      ['empty body', post(''), true],
      ['invalid UTF-8', post(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])), true],
      ['single quotes', post("{'query': '{ me { role } }'}"), true],
      ['JSON null', post('null'), true],
      ['JSON number', post('123'), true],
      ['JSON string', post('"{ me { role } }"'), true],
      ['empty object', post('{}'), true],
      ['query is a number', post('{"query": 123}'), true],
      ['query is null', post('{"query": null}'), true],
      ['query is a list', post(JSON.stringify({ query: [ME] })), true],
      ['variables is a string', post(JSON.stringify({ query: ME, variables: 'x' })), true],
      ['variables is a list', post(JSON.stringify({ query: ME, variables: [1] })), true],
      ['operationName is a number', post(JSON.stringify({ query: ME, operationName: 5 })), true],
      ['extensions is a string', post(JSON.stringify({ query: ME, extensions: 'x' })), true],
      [
        'unknown persisted query (control: APQ answers 200 PERSISTED_QUERY_NOT_FOUND)',
        post(JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: 'ab'.repeat(32) } } })),
        false,
      ],
      ['batched array', post(JSON.stringify([{ query: ME }, { query: ME }])), true],
      [
        'batched 200 operations',
        post(JSON.stringify(Array.from({ length: 200 }, () => ({ query: ME })))),
        true,
      ],
      ['empty batch', post('[]'), true],
      [
        'unused variable nested 5,000 levels deep (control)',
        post(`{"query": "${ME}", "variables": {"x": ${nested(5000)}}}`),
        false,
      ],
      [
        'used variable nested 5,000 levels deep',
        post(
          `{"query": "query($id: ID!) { assessment(id: $id) { id } }", "variables": {"id": ${nested(5000)}}}`,
        ),
        true,
      ],
      [
        'content-type text/plain',
        post(JSON.stringify({ query: ME }), { 'content-type': 'text/plain' }),
        true,
      ],
      [
        'content-type form',
        post(`query=${encodeURIComponent(ME)}`, { 'content-type': 'application/x-www-form-urlencoded' }),
        true,
      ],
      [
        'content-type multipart',
        post('--x\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{}\r\n--x--\r\n', {
          'content-type': 'multipart/form-data; boundary=x',
        }),
        true,
      ],
      ['content-type application/graphql', post(ME, { 'content-type': 'application/graphql' }), true],
      ['content-type application/xml', post('<query/>', { 'content-type': 'application/xml' }), true],
      ['no content type', post(JSON.stringify({ query: ME }), {}), true],
      [
        'charset latin1',
        post(JSON.stringify({ query: ME }), { 'content-type': 'application/json; charset=latin1' }),
        true,
      ],
      [
        'charset utf-16, body in UTF-16 (control: decoded)',
        post(Buffer.from(JSON.stringify({ query: ME }), 'utf16le'), {
          'content-type': 'application/json; charset=utf-16',
        }),
        false,
      ],
      [
        'gzip declared, not gzipped',
        post(JSON.stringify({ query: ME }), {
          'content-type': 'application/json',
          'content-encoding': 'gzip',
        }),
        true,
      ],
      [
        'unknown content-encoding',
        post(JSON.stringify({ query: ME }), {
          'content-type': 'application/json',
          'content-encoding': 'compress',
        }),
        true,
      ],
      ['body of 150 kB (long query)', post(JSON.stringify({ query: `${ME}${' '.repeat(150_000)}` })), true],
      [
        'body of 150 kB (long variable)',
        post(JSON.stringify({ query: ME, variables: { x: 'a'.repeat(150_000) } })),
        true,
      ],
      ['body of 3 MB', post(JSON.stringify({ query: ME, variables: { x: 'a'.repeat(3_000_000) } })), true],
      ['query over the complexity limit', post(JSON.stringify({ query: deepAuditLog })), true],
      [
        'introspection 22 levels deep (control: the depth limit ignores introspection)',
        post(
          JSON.stringify({
            query: `{ __schema { queryType { ${'ofType { '.repeat(20)}name${' }'.repeat(20)} } } }`,
          }),
        ),
        false,
      ],
      ['parse error', post(JSON.stringify({ query: '{ me { role }' })), true],
      ['unknown field', post(JSON.stringify({ query: '{ nope }' })), true],
      ['two anonymous operations', post(JSON.stringify({ query: `${ME} ${ME}` })), true],
      ['unknown operationName', post(JSON.stringify({ query: ME, operationName: 'Nope' })), true],
      [
        'mutation over GET',
        get(
          { query: 'mutation { renameOrganization(input: { name: "x" }) { id } }' },
          { 'apollo-require-preflight': '1' },
        ),
        true,
      ],
      [
        'GET variables not JSON',
        get({ query: ME, variables: '{' }, { 'apollo-require-preflight': '1' }),
        true,
      ],
      [
        'GET extensions not JSON',
        get({ query: ME, extensions: '{' }, { 'apollo-require-preflight': '1' }),
        true,
      ],
      ['GET without a query', get({}, { 'apollo-require-preflight': '1' }), true],
      ['GET without the preflight header', get({ query: ME }), true],
      [
        'GET with a query twice',
        {
          method: 'GET',
          path: `/graphql?query=${encodeURIComponent(ME)}&query=${encodeURIComponent(ME)}`,
          headers: { 'apollo-require-preflight': '1' },
        },
        true,
      ],
      [
        'GET with a 20 kB query',
        get({ query: `${ME}${' '.repeat(20_000)}` }, { 'apollo-require-preflight': '1' }),
        false,
      ],
      ['PUT', { method: 'PUT', path: '/graphql', headers: json, body: JSON.stringify({ query: ME }) }, true],
      ['GET with a query (control)', get({ query: ME }, { 'apollo-require-preflight': '1' }), false],
      ['duplicate keys (control)', post(`{"query": "{ me { role } }", "query": "${ME}"}`), false],
    ];

    it.each(CASES.map(([name, req, clientError]) => [name, req, clientError] as const))(
      '%s: a GraphQL-shaped answer, never a 5xx or a reset socket',
      async (name, req, clientError) => {
        const withAuth: RawRequest = {
          ...req,
          headers: { ...(req.headers ?? {}), authorization: `Bearer ${orgB.adminToken}` },
        };
        const logged = t.logger.lines.length;
        const response = await rawRequest(t.url, withAuth);
        const requestText = typeof req.body === 'string' ? req.body : `${req.method} ${req.path}`;
        const judgement = judge(response, requestText.slice(0, 2000), markers);
        const problems = [...judgement.problems];
        if (clientError && response.kind === 'response' && response.status < 400) {
          problems.push(`status ${response.status} for a client error`);
        }
        if (problems.length > 0) {
          log.record(
            `raw: ${name}`,
            requestText.slice(0, 300),
            { ...judgement, problems },
            `seed ${SEED}${serverLog(logged)}`,
          );
        }
        expect(problems).toEqual([]);
      },
    );

    it('answers each bad request on a keep-alive connection and keeps serving the good ones after it', async () => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      const auth = { authorization: `Bearer ${orgB.adminToken}` };
      const good = post(JSON.stringify({ query: ME }), { ...json, ...auth });
      const bad = CASES.filter(([, , clientError]) => clientError).map(([name, req]) => [name, req] as const);
      const problems: string[] = [];
      try {
        for (const [name, req] of bad) {
          for (const [label, r] of [
            [name, { ...req, headers: { ...(req.headers ?? {}), ...auth } }],
            [`good request after ${name}`, good],
          ] as const) {
            const response = await rawRequest(t.url, r, 15_000, agent);
            const found = judge(response, typeof r.body === 'string' ? r.body : r.path, markers).problems;
            if (found.length > 0) problems.push(`${label}: ${found.join(', ')}`);
          }
        }
      } finally {
        agent.destroy();
      }
      expect(problems).toEqual([]);
    });

    it.each([
      ['no scheme', 'B_ADMIN_TOKEN'],
      ['Basic', 'Basic dXNlcjpwYXNz'],
      ['huge bearer', `Bearer ${'a'.repeat(6_000)}`],
      ['bearer with NUL', 'Bearer abc\u0000def'.replace('\u0000', '%00')],
      ['bearer of another signature', `Bearer ${'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl'}`],
    ])('authorization %s: UNAUTHENTICATED as a GraphQL error', async (_name, authorization) => {
      const response = await rawRequest(t.url, {
        method: 'POST',
        path: '/graphql',
        headers: {
          'content-type': 'application/json',
          authorization: authorization.replace('B_ADMIN_TOKEN', orgB.adminToken),
        },
        body: JSON.stringify({ query: ME }),
      });
      const judgement = judge(response, authorization, markers);
      expect(judgement.problems).toEqual([]);
      expect(judgement.code).toBe('UNAUTHENTICATED');
    });

    it('mutated request bodies (truncated, spliced, wrong content types) never give a 5xx or a reset socket', async () => {
      const valid = [
        JSON.stringify({ query: ME }),
        JSON.stringify({
          query: 'query($id: ID!) { assessment(id: $id) { id name } }',
          variables: { id: pools.foreignIds[0] },
        }),
        JSON.stringify({
          query: 'mutation($n: String!) { renameOrganization(input: { name: $n }) { id } }',
          variables: { n: 'B' },
        }),
      ];
      const mutation = fc.record({
        base: fc.constantFrom(...valid),
        op: fc.constantFrom('truncate', 'insert', 'delete', 'replace'),
        at: fc.nat(),
        text: fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 4 }),
        contentType: fc.constantFrom(
          'application/json',
          'application/json; charset=utf-8',
          'application/graphql-response+json',
          'text/plain',
          'application/x-www-form-urlencoded',
          'application/json; charset=utf-8; boundary=x',
          '',
        ),
      });
      const seed = seedFor('raw mutations');
      await fc.assert(
        fc.asyncProperty(mutation, async ({ base, op, at, text, contentType }) => {
          const i = at % (base.length + 1);
          const body =
            op === 'truncate'
              ? base.slice(0, i)
              : op === 'insert'
                ? `${base.slice(0, i)}${text}${base.slice(i)}`
                : op === 'delete'
                  ? `${base.slice(0, i)}${base.slice(i + text.length)}`
                  : `${base.slice(0, i)}${text}${base.slice(i + text.length)}`;
          const logged = t.logger.lines.length;
          const response = await rawRequest(t.url, {
            method: 'POST',
            path: '/graphql',
            headers: {
              ...(contentType === '' ? {} : { 'content-type': contentType }),
              authorization: `Bearer ${orgB.adminToken}`,
            },
            body: Buffer.from(body, 'latin1'),
          });
          const judgement = judge(response, body, markers);
          if (judgement.problems.length > 0) {
            log.record(
              'raw: mutated body',
              body,
              judgement,
              `${op} with ${contentType || 'no content type'}, seed ${seed}${serverLog(logged)}`,
            );
          }
        }),
        { seed, numRuns: RUNS * 3 },
      );
      expect(log.lines('raw: mutated body')).toEqual([]);
    });
  });
});
