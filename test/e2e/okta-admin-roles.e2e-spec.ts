import { type ConnectedOkta, startConnectedOkta } from '../support/connected-okta';
import { shiftHistory } from '../support/history';
import { grantAll } from '../support/okta-oauth-server';

const HOUR = 3_600_000;

interface RoleRow {
  sourceId: string;
  controls: string[];
  data: {
    login: string;
    status: string;
    superAdmin: boolean;
    roles: { type: string; assignmentType: string; group: { id: string; name: string } | null }[];
  };
}
interface Run {
  status: string;
  stats: { collector: string; complete: boolean; error: string | null }[];
}
interface Check {
  key: string;
  title: string;
  control: string;
  status: string;
  reason: string;
  failing: { sourceId: string; label: string; reason: string }[];
}

async function roleRows(world: ConnectedOkta): Promise<RoleRow[]> {
  const result = await world.t.gql<{ evidence: { edges: { node: RoleRow }[] } }>(
    world.org.adminToken,
    `{ evidence(first: 100, filter: { type: "okta.admin_role_assignment", currentOnly: true }) {
         edges { node { sourceId controls data } } } }`,
  );
  if (result.data === undefined || result.data === null) throw new Error(JSON.stringify(result.errors));
  return result.data.evidence.edges.map((e) => e.node);
}

async function superAdminCheck(world: ConnectedOkta): Promise<Check | undefined> {
  const result = await world.t.gql<{ checks: Check[] }>(
    world.org.adminToken,
    '{ checks { key title control status reason failing { sourceId label reason } } }',
  );
  return result.data?.checks.find((c) => c.key === 'super_admins_limited');
}

async function cc63(world: ConnectedOkta): Promise<{ status: string; reason: string } | undefined> {
  const result = await world.t.gql<{
    coverage: { controls: { control: { id: string }; status: string; reason: string }[] };
  }>(world.org.adminToken, '{ coverage { controls { control { id } status reason } } }');
  return result.data?.coverage.controls.find((c) => c.control.id === 'CC6.3');
}

describe('Okta admin roles with okta.roles.read granted (e2e)', () => {
  let world: ConnectedOkta;

  beforeAll(async () => {
    world = await startConnectedOkta({
      users: 20,
      seed: 21,
      orgName: 'Roles',
      client: { clientId: 'roles-client', clientSecret: 'roles-client-secret' },
      grant: grantAll,
    });
  });
  afterAll(() => world.close());

  const settings = async (maxSuperAdmins: number): Promise<void> => {
    const result = await world.t.gql<{ updateCheckSettings: { maxSuperAdmins: number } }>(
      world.org.adminToken,
      'mutation($n: Int!) { updateCheckSettings(input: { maxSuperAdmins: $n }) { maxSuperAdmins } }',
      { n: maxSuperAdmins },
    );
    expect(result.data?.updateCheckSettings.maxSuperAdmins).toBe(maxSuperAdmins);
  };

  it('records the optional scope as granted and collects one row per admin, direct or through a group, as the simulator holds them', async () => {
    const connection = await world.t.gql<{ connection: { status: string; grantedScopes: string[] } }>(
      world.org.adminToken,
      'query($id: ID!) { connection(id: $id) { status grantedScopes } }',
      { id: world.connectionId },
    );
    expect(connection.data?.connection.status).toBe('ACTIVE');
    expect(connection.data?.connection.grantedScopes).toContain('okta.roles.read');

    const rows = await roleRows(world);
    const state = world.sim.state;
    expect(rows.map((r) => r.sourceId).sort()).toEqual(state.usersWithRoles());
    expect(rows).toHaveLength(4);
    for (const row of rows) {
      const truth = state.rolesOf(row.sourceId);
      expect(row.controls).toEqual(['CC6.3']);
      expect(row.data.login).toBe(state.users.get(row.sourceId)?.profile.login);
      expect(row.data.roles.map((r) => [r.type, r.assignmentType, r.group?.name ?? null]).sort()).toEqual(
        truth
          .map(({ role, via }) => [role.type, via === undefined ? 'USER' : 'GROUP', via?.name ?? null])
          .sort(),
      );
    }
    const types = rows
      .flatMap((r) => r.data.roles.map((role) => `${role.type}:${role.assignmentType}`))
      .sort();
    expect(types).toEqual([
      'ORG_ADMIN:GROUP',
      'READ_ONLY_ADMIN:USER',
      'SUPER_ADMIN:USER',
      'SUPER_ADMIN:USER',
    ]);
    expect(rows.find((r) => r.data.roles[0]?.assignmentType === 'GROUP')?.data.roles[0]?.group?.name).toBe(
      'Okta Admins',
    );
    expect(rows.filter((r) => r.data.superAdmin)).toHaveLength(2);
  });

  it('passes with two Super Admins under the default of four, each with an ACTIVE factor', async () => {
    expect(await superAdminCheck(world)).toMatchObject({
      title: 'Super Admins ≤ 4, each with phishing-resistant or at least active MFA',
      control: 'CC6.3',
      status: 'PASS',
      failing: [],
    });
    expect((await superAdminCheck(world))?.reason).toMatch(
      /^2 Super Admin\(s\), at most 4, each with an ACTIVE MFA factor; \d with a phishing-resistant factor$/,
    );
    expect((await cc63(world))?.reason).not.toMatch(/Super Admins/);
  });

  it('fails against a lower N (a setting, versioned), and passes again when it is raised', async () => {
    await settings(1);
    const check = await superAdminCheck(world);
    expect(check?.status).toBe('FAIL');
    expect(check?.title).toBe('Super Admins ≤ 1, each with phishing-resistant or at least active MFA');
    const admins = world.sim.state.roles
      .filter((r) => r.type === 'SUPER_ADMIN')
      .map((r) => world.sim.state.users.get(r.assignee.id)?.profile.login)
      .sort();
    expect(check?.failing).toEqual([
      {
        sourceId: 'super-admins',
        label: 'Super Admins',
        reason: `2 Super Admins, more than 1: ${admins.join(', ')}`,
      },
    ]);
    expect((await cc63(world))?.status).toBe('DEGRADED');
    await settings(4);
    expect((await superAdminCheck(world))?.status).toBe('PASS');
  });

  it('fails naming a new Super Admin without MFA after a sync', async () => {
    const state = world.sim.state;
    const admins = new Set(state.usersWithRoles());
    const victim = state.activeUsers().find((u) => !admins.has(u.id));
    if (victim === undefined) throw new Error('the seeded org has no active user without a role');
    state.resetFactors(victim.id);
    state.grantRole({ type: 'USER', id: victim.id }, 'SUPER_ADMIN');
    await world.t.syncNow(world.org.adminToken, world.connectionId);
    const check = await superAdminCheck(world);
    expect(check?.status).toBe('FAIL');
    expect(check?.failing).toEqual([
      {
        sourceId: victim.id,
        label: victim.profile.login,
        reason: 'Super Admin (directly) without an ACTIVE MFA factor',
      },
    ]);
    expect((await roleRows(world)).find((r) => r.sourceId === victim.id)?.data.superAdmin).toBe(true);
  });

  it('when Okta withdraws the optional scope later, only that collection fails: no NEEDS_REAUTH, the rows stay', async () => {
    const before = (await roleRows(world)).length;
    world.sim.api.revokedScopes.add('okta.roles.read');
    try {
      await world.t.syncNow(world.org.adminToken, world.connectionId);
    } finally {
      world.sim.api.revokedScopes.delete('okta.roles.read');
    }
    const result = await world.t.gql<{
      connection: { status: string; statusReason: string | null };
      connectorRuns: { edges: { node: Run }[] };
    }>(
      world.org.adminToken,
      `query($id: ID!) { connection(id: $id) { status statusReason }
         connectorRuns(connectionId: $id, first: 1) { edges { node { status
           stats { collector complete error } } } } }`,
      { id: world.connectionId },
    );
    expect(result.data?.connection).toEqual({ status: 'ACTIVE', statusReason: null });
    const run = result.data?.connectorRuns.edges[0]?.node;
    expect(run?.status).toBe('PARTIAL');
    expect(run?.stats.filter((s) => !s.complete)).toEqual([
      {
        collector: 'okta.admin_role_assignment',
        complete: false,
        error: 'insufficient_scope: the optional okta.roles.read scope is no longer granted',
      },
    ]);
    expect(await roleRows(world)).toHaveLength(before);
  });
});

describe('Okta admin roles without okta.roles.read (e2e)', () => {
  let world: ConnectedOkta;

  beforeAll(async () => {
    world = await startConnectedOkta({
      users: 12,
      seed: 22,
      orgName: 'No roles',
      client: { clientId: 'no-roles-client', clientSecret: 'no-roles-client-secret' },
    });
  });
  afterAll(() => world.close());

  it('is connected (not NEEDS_REAUTH), collects no role rows and never calls the role APIs', async () => {
    const connection = await world.t.gql<{
      connection: { status: string; statusReason: string | null; grantedScopes: string[] };
    }>(
      world.org.adminToken,
      'query($id: ID!) { connection(id: $id) { status statusReason grantedScopes } }',
      { id: world.connectionId },
    );
    expect(connection.data?.connection).toMatchObject({ status: 'ACTIVE', statusReason: null });
    expect(connection.data?.connection.grantedScopes).not.toContain('okta.roles.read');
    await world.t.syncNow(world.org.adminToken, world.connectionId);
    expect(await roleRows(world)).toEqual([]);
    expect(world.sim.api.requests.filter((r) => /\/roles$|^\/api\/v1\/iam\//.test(r.path))).toEqual([]);
    const runs = await world.t.gql<{ connectorRuns: { edges: { node: { status: string } }[] } }>(
      world.org.adminToken,
      'query($id: ID!) { connectorRuns(connectionId: $id, first: 5) { edges { node { status } } } }',
      { id: world.connectionId },
    );
    expect(runs.data?.connectorRuns.edges.map((e) => e.node.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
  });

  it('leaves the Super Admin check INCONCLUSIVE with "okta.roles.read not granted", and CC6.3 not missing evidence', async () => {
    expect(await superAdminCheck(world)).toMatchObject({
      status: 'INCONCLUSIVE',
      reason: 'okta.roles.read not granted',
      failing: [],
    });
    const control = await cc63(world);
    expect(control?.status).not.toBe('MISSING');
    expect(control?.reason).not.toMatch(/admin role/);
  });

  it('stays INCONCLUSIVE at a past instant too (checks(asOf), from the runs’ recorded scopes)', async () => {
    const db = world.t.connection.db;
    if (db === undefined) throw new Error('no database');
    await shiftHistory(db, world.org.organizationId, HOUR);
    const result = await world.t.gql<{ checks: Check[] }>(
      world.org.adminToken,
      'query($asOf: DateTime) { checks(asOf: $asOf) { key status reason } }',
      { asOf: new Date(Date.now() - HOUR / 2).toISOString() },
    );
    expect(result.data?.checks.find((c) => c.key === 'mfa_enrolled')?.reason).not.toBe(
      'no evidence collected yet',
    );
    expect(result.data?.checks.find((c) => c.key === 'super_admins_limited')).toMatchObject({
      status: 'INCONCLUSIVE',
      reason: 'okta.roles.read not granted',
    });
  });
});
