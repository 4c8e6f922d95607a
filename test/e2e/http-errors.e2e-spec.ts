import { connect } from 'node:net';
import { TestApp, type TestOrg } from '../support/test-app';
import { connectWs } from '../support/ws-client';

interface RawResponse {
  status: number;
  body: string;
}

/** Writes `request` exactly as given on a fresh TCP connection and reads the whole answer (there must be one). */
function rawExchange(url: string, request: string): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(request));
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const match = /^HTTP\/1\.1 (\d{3})[^\r]*\r\n[\s\S]*?\r\n\r\n([\s\S]*)$/.exec(received);
      if (match === null)
        reject(new Error(`no HTTP response before the socket closed: ${JSON.stringify(received)}`));
      else resolve({ status: Number(match[1]), body: match[2] ?? '' });
    });
  });
}

function rawPost(url: string, body: string, headers: Record<string, string>): Promise<RawResponse> {
  const head = [
    'POST /graphql HTTP/1.1',
    `Host: ${new URL(url).host}`,
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ].join('\r\n');
  return rawExchange(url, `${head}\r\n\r\n${body}`);
}

interface GraphqlErrorBody {
  data?: unknown;
  errors: { message: string; extensions: { code: string } & Record<string, unknown> }[];
}

/** A GraphQL-shaped error body: `{ errors: [{ message, extensions: { code } }] }`, and no internals. */
function expectGraphqlErrorBody(text: string, codes: readonly string[]): GraphqlErrorBody {
  const body = JSON.parse(text) as GraphqlErrorBody;
  expect(Array.isArray(body.errors)).toBe(true);
  expect(body.errors.length).toBeGreaterThan(0);
  for (const error of body.errors) {
    expect(typeof error.message).toBe('string');
    expect(codes).toContain(error.extensions.code);
  }
  expect(text).not.toMatch(/\bat .+\(.+:\d+:\d+\)|node_modules|stacktrace|Internal server error/i);
  return body;
}

describe('HTTP client errors on /graphql are 4xx with a GraphQL-shaped body', () => {
  let t: TestApp;
  let org: TestOrg;
  let auth: Record<string, string>;

  beforeAll(async () => {
    t = await TestApp.start();
    org = await t.createOrg('Http Errors Org');
    auth = { Authorization: `Bearer ${org.adminToken}` };
  });
  afterAll(() => t.close());

  it('answers a malformed JSON body with 400 BAD_REQUEST (not a closed socket)', async () => {
    const response = await rawPost(t.url, '{"query": "{ me { role } }', auth);
    expect(response.status).toBe(400);
    expectGraphqlErrorBody(response.body, ['BAD_REQUEST']);
  });

  it('answers a body over 100 kB with 413 BAD_REQUEST', async () => {
    const body = JSON.stringify({ query: '{ me { role } }', variables: { pad: 'x'.repeat(110_000) } });
    const response = await rawPost(t.url, body, auth);
    expect(response.status).toBe(413);
    expectGraphqlErrorBody(response.body, ['BAD_REQUEST']);
  });

  it('answers a variable of the wrong type with 400 BAD_USER_INPUT', async () => {
    const response = await t
      .http()
      .post('/graphql')
      .set(auth)
      .send({
        query: 'query($n: Int) { connections(first: $n) { edges { cursor } } }',
        variables: { n: 'abc' },
      });
    expect(response.status).toBe(400);
    const body = expectGraphqlErrorBody(response.text, ['BAD_USER_INPUT']);
    expect(body.errors[0]?.message).toMatch(/\$n/);
  });

  it('answers an over-budget query with 400 BAD_USER_INPUT', async () => {
    const page = 'connections(first: 100) { edges { node { id oktaDomain status } } }';
    const query = `{ ${Array.from({ length: 6 }, (_, i) => `p${i}: ${page}`).join(' ')} }`;
    const response = await t.http().post('/graphql').set(auth).send({ query });
    expect(response.status).toBe(400);
    const body = expectGraphqlErrorBody(response.text, ['BAD_USER_INPUT']);
    expect(body.errors[0]?.message).toMatch(/too complex/);
  });

  it('answers a query deeper than the limit with 400 GRAPHQL_VALIDATION_FAILED', async () => {
    let query = 'id';
    for (let i = 13; i >= 1; i--) query = `f${i} { ${query} }`;
    const response = await t
      .http()
      .post('/graphql')
      .set(auth)
      .send({ query: `{ ${query} }` });
    expect(response.status).toBe(400);
    const body = expectGraphqlErrorBody(response.text, ['GRAPHQL_VALIDATION_FAILED']);
    expect(body.errors.map((e) => e.message)).toContain("'' exceeds maximum operation depth of 10");
  });

  it('answers a subscription sent over HTTP with 400 BAD_REQUEST (subscriptions are graphql-ws only)', async () => {
    const response = await t
      .http()
      .post('/graphql')
      .set(auth)
      .send({ query: 'subscription { auditLogAppended { seq } }' });
    expect(response.status).toBe(400);
    expectGraphqlErrorBody(response.text, ['BAD_REQUEST']);
  });

  it('answers an unknown operationName with 400 OPERATION_RESOLUTION_FAILURE, over HTTP and graphql-ws', async () => {
    const response = await t
      .http()
      .post('/graphql')
      .set(auth)
      .send({ query: '{ me { role } }', operationName: 'Nope' });
    expect(response.status).toBe(400);
    expectGraphqlErrorBody(response.text, ['OPERATION_RESOLUTION_FAILURE']);

    const ws = connectWs(t.url, auth.Authorization);
    await ws.connected;
    const outcome = await ws.execute('query A { me { role } } query B { me { userId } }', {}, 'Nope');
    expect(outcome.kind === 'errors' ? outcome.errors.map((e) => e.extensions?.code) : outcome).toEqual([
      'OPERATION_RESOLUTION_FAILURE',
    ]);
    await ws.dispose();
  });

  it('answers request headers over 16 kB (a long GET query) with 431 and a GraphQL-shaped body', async () => {
    const query = encodeURIComponent(`{ me { role } }${' '.repeat(20_000)}`);
    const response = await rawExchange(
      t.url,
      `GET /graphql?query=${query} HTTP/1.1\r\nHost: ${new URL(t.url).host}\r\nConnection: close\r\n\r\n`,
    );
    expect(response.status).toBe(431);
    expectGraphqlErrorBody(response.body, ['BAD_REQUEST']);
  });

  it('keeps other routes on their own error shape (health is not GraphQL)', async () => {
    const response = await t
      .http()
      .post('/health/live')
      .set('content-type', 'application/json')
      .send('{"a":');
    expect(response.status).toBe(400);
    expect(response.text).not.toMatch(/node_modules|\bat .+:\d+:\d+/);
  });
});

describe('Relay connections: `after: null` is the first page', () => {
  let t: TestApp;
  let org: TestOrg;

  beforeAll(async () => {
    t = await TestApp.start();
    org = await t.createOrg('Pagination Org');
  });
  afterAll(() => t.close());

  it.each([
    ['connections', 'connections(first: 5, after: null) { edges { cursor } pageInfo { hasNextPage } }'],
    ['alerts', 'alerts(first: 5, after: null, status: ALL) { edges { cursor } pageInfo { hasNextPage } }'],
    ['auditLog', 'auditLog(first: 5, after: null) { edges { cursor node { action } } }'],
  ])('%s(after: null) answers as the first page', async (_name, field) => {
    const withNull = await t.gql(org.adminToken, `{ ${field} }`);
    expect(withNull.errors).toBeUndefined();
    const without = await t.gql(org.adminToken, `{ ${field.replace(', after: null', '')} }`);
    expect(withNull.data).toEqual(without.data);
  });

  it('treats a null `$after` variable as absent, and still refuses a malformed cursor', async () => {
    const query = 'query($after: String) { auditLog(first: 1, after: $after) { edges { node { action } } } }';
    const first = await t.gql<{ auditLog: { edges: { node: { action: string } }[] } }>(
      org.adminToken,
      query,
      {
        after: null,
      },
    );
    expect(first.data?.auditLog.edges.map((e) => e.node.action)).toEqual(['ORGANIZATION_CREATE']);
    const bad = await t.gql(org.adminToken, query, { after: 'not-a-cursor' });
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
