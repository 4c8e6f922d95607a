import { QueryGate } from '#src/common/database/query-gate';
import { TestApp, type TestOrg } from '../support/test-app';

/**
 * API requests are admitted per organization: a burst from one organization queues behind itself, and
 * another organization's request is served while that queue is still long (pool of 10: 5 slots for
 * requests, 1 per organization, 5 kept for health checks, the scheduler and syncs).
 */
describe('Fair admission of API requests (e2e)', () => {
  let t: TestApp;
  let a: TestOrg;
  let b: TestOrg;

  beforeAll(async () => {
    t = await TestApp.start({ DB_MAX_POOL_SIZE: '10', SCHEDULER_TICK_MS: '3600000' });
    a = await t.createOrg('Busy');
    b = await t.createOrg('Quiet');
  });
  afterAll(() => t.close());

  it("serves another organization's request while one organization's burst is queued", async () => {
    const gate = t.get<QueryGate>(QueryGate);
    expect({ total: gate.total, perOrganization: gate.perOrganization }).toEqual({
      total: 5,
      perOrganization: 1,
    });
    const burst = Array.from({ length: 40 }, () =>
      t.gql(a.adminToken, '{ coverage { percent } }').then((r) => ({ status: r.status, errors: r.errors })),
    );
    const deadline = Date.now() + 30_000;
    while (gate.waiting(a.organizationId) < 20 && Date.now() < deadline)
      await new Promise((resolve) => setImmediate(resolve));
    expect(gate.waiting(a.organizationId)).toBeGreaterThanOrEqual(20);

    const quiet = await t.gql<{ connections: { edges: unknown[] } }>(
      b.adminToken,
      '{ connections(first: 5) { edges { cursor } } }',
    );
    expect(quiet.errors).toBeUndefined();
    expect(quiet.data?.connections.edges).toEqual([]);
    // Served ahead of the burst that arrived before it.
    expect(gate.waiting(a.organizationId)).toBeGreaterThan(0);
    expect(await Promise.all(burst)).toEqual(
      Array.from({ length: 40 }, () => ({ status: 200, errors: undefined })),
    );
  });
});
