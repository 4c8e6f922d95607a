import { errorCode, TestApp, type TestOrg } from '../support/test-app';

const DASHBOARD = `{
  coverage { percent controls { status reason control { id } } }
  checks { key status evaluated }
  alerts(first: 20) { edges { cursor node { id kind message } } pageInfo { hasNextPage } }
}`;

function aliases(count: number, field: string): string {
  return `{ ${Array.from({ length: count }, (_, i) => `a${i}: ${field}`).join(' ')} }`;
}

describe('query cost by work', () => {
  let t: TestApp;
  let org: TestOrg;

  beforeAll(async () => {
    t = await TestApp.start();
    org = await t.createOrg('Cost Org');
  });
  afterAll(() => t.close());

  it('refuses 300 aliases of `checks` with a 400 BAD_USER_INPUT before any resolver runs', async () => {
    const member = await t.token(org.organizationId, 'MEMBER');
    const result = await t.gql(member, aliases(300, 'checks { key }'));
    expect(result.status).toBe(400);
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.message).toMatch(/`checks` .* once per operation \(asked 300 times\)/);
    expect(result.data).toBeUndefined();
  });

  it.each(['coverage { percent }', 'verifyAuditChain { ok }', 'checkExceptions { id }'])(
    'allows %s once per operation, not twice under two aliases',
    async (field) => {
      const twice = await t.gql(org.adminToken, aliases(2, field));
      expect(twice.status).toBe(400);
      expect(errorCode(twice)).toBe('BAD_USER_INPUT');
      const once = await t.gql(org.adminToken, `{ ${field} }`);
      expect(once.errors).toBeUndefined();
    },
  );

  it('counts the same field asked twice under one response key once (GraphQL runs it once)', async () => {
    const result = await t.gql(org.adminToken, '{ checks { key } checks { status } }');
    expect(result.errors).toBeUndefined();
  });

  it('serves a dashboard query (coverage, checks and alerts once each)', async () => {
    const member = await t.token(org.organizationId, 'MEMBER');
    const result = await t.gql<{ checks: unknown[]; coverage: { percent: number } }>(member, DASHBOARD);
    expect(result.status).toBe(200);
    expect(result.errors).toBeUndefined();
    expect(result.data?.checks.length).toBeGreaterThan(0);
    expect(typeof result.data?.coverage.percent).toBe('number');
  });
});
