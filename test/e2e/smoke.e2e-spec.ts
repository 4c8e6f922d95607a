import { type ConnectedOkta, startConnectedOkta } from '../support/connected-okta';

/*
 * The smoke test: the whole app starts, connects the Okta simulator over OAuth and syncs once. `npm test` runs
 * it with the rest; `.ci/run` runs it again, with the unit suite, under the next Node LTS (NODE_NEXT there).
 */

const CLIENT = { clientId: 'smoke-client', clientSecret: 'smoke-client-secret' };

interface Run {
  status: string;
  trigger: string;
  error: { code: string } | null;
  stats: { collector: string; items: number; inserted: number; complete: boolean; error: string | null }[];
}

describe(`smoke: start, connect the Okta simulator, one sync (e2e, Node ${process.versions.node})`, () => {
  let world: ConnectedOkta;

  beforeAll(async () => {
    world = await startConnectedOkta({ users: 20, seed: 24, orgName: 'Smoke', client: CLIENT });
  });
  afterAll(() => world.close());

  it('the first sync SUCCEEDED and its evidence is readable', async () => {
    const { t, org, connectionId, sim } = world;
    const result = await t.gql<{
      connection: { status: string; lastSuccessfulSyncAt: string | null };
      connectorRuns: { edges: { node: Run }[] };
    }>(
      org.adminToken,
      `query ($id: ID!) {
         connection(id: $id) { status lastSuccessfulSyncAt }
         connectorRuns(connectionId: $id, first: 10) {
           edges { node { status trigger error { code } stats { collector items inserted complete error } } }
         }
       }`,
      { id: connectionId },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.connection.status).toBe('ACTIVE');
    expect(result.data?.connection.lastSuccessfulSyncAt).toEqual(expect.any(String));

    const runs = result.data?.connectorRuns.edges.map((e) => e.node) ?? [];
    expect(runs).toHaveLength(1);
    const run = runs[0];
    expect(run?.status).toBe('SUCCEEDED');
    expect(run?.error).toBeNull();
    for (const s of run?.stats ?? [])
      expect({ collector: s.collector, complete: s.complete, error: s.error }).toEqual({
        collector: s.collector,
        complete: true,
        error: null,
      });

    // One row per active user, as many as the simulator holds.
    const activeUsers = [...sim.state.users.values()].filter((u) => u.status === 'ACTIVE').length;
    expect(activeUsers).toBeGreaterThanOrEqual(20);
    const mfa = run?.stats.find((s) => s.collector === 'okta.user_mfa');
    expect(mfa?.items).toBe(activeUsers);
    const rows = await t.gql<{ evidence: { edges: { node: { type: string } }[] } }>(
      org.adminToken,
      '{ evidence(first: 100, filter: { type: "okta.user_mfa", currentOnly: true }) { edges { node { type } } } }',
    );
    expect(rows.data?.evidence.edges).toHaveLength(activeUsers);

    // Every row the run wrote is there.
    const inserted = (run?.stats ?? []).reduce((sum, s) => sum + s.inserted, 0);
    const all = await t.gql<{ evidence: { edges: unknown[] } }>(
      org.adminToken,
      '{ evidence(first: 100, filter: { currentOnly: true }) { edges { cursor } } }',
    );
    expect(inserted).toBeGreaterThan(activeUsers);
    expect(inserted).toBeLessThanOrEqual(100);
    expect(all.data?.evidence.edges).toHaveLength(inserted);
  });
});
