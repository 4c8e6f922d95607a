import { SyncService } from '#src/modules/connectors/sync/sync.service';
import { type ConnectedOkta, startConnectedOkta } from '../support/connected-okta';
import { grantAll } from '../support/okta-oauth-server';
import { errorCode, type TestOrg } from '../support/test-app';
import { type Subscription, subscribe } from '../support/ws-client';

jest.setTimeout(240_000);

const CLIENT = { clientId: 'change-feed-client', clientSecret: 'change-feed-client-secret' };

interface FeedChange {
  id: string;
  kind: string;
  risky: boolean;
  connectionId: string;
  sourceId: string;
  label: string;
  summary: string;
  fields: { field: string; before: unknown; after: unknown }[];
  before: { id: string; data: Record<string, unknown>; validUntil: string | null } | null;
  after: { id: string; data: Record<string, unknown>; validUntil: string | null } | null;
}

const CHANGE_FIELDS = `id kind risky connectionId sourceId label summary fields { field before after }
  before { id data validUntil } after { id data validUntil }`;
const SUBSCRIPTION = `subscription { oktaChanges { ${CHANGE_FIELDS} } }`;
const CHANGES = `query($id: ID!, $since: DateTime) { changes(connectionId: $id, since: $since, first: 50) {
  edges { node { ${CHANGE_FIELDS} } } } }`;
const ALERTS = `{ alerts(status: ALL, first: 50) { edges { node { id kind connectionId changeId message resolvedAt acknowledgedBy } } } }`;
const ACKNOWLEDGE = `mutation($id: ID!) { acknowledgeAlert(id: $id) { id kind resolvedAt acknowledgedBy } }`;

interface AlertNode {
  id: string;
  kind: string;
  connectionId: string;
  changeId: string | null;
  message: string;
  resolvedAt: string | null;
  acknowledgedBy: string | null;
}

const byKind = (changes: readonly FeedChange[]) => [...changes].map((c) => `${c.kind}:${c.sourceId}`).sort();

/**
 * The change feed against the simulator: after the first sync (the baseline, nothing reported), one user's
 * MFA is reset, another is deactivated, a user is added and a password policy weakened; the next sync
 * reports exactly those four changes to organization A's subscribers, with the evidence rows before and
 * after, and nothing to organization B's. A member added to an app group is found from the System Log
 * between full sweeps. Risky changes open RISKY_CHANGE alerts that count in coverage until an ADMIN
 * acknowledges them (audited).
 */
describe('Okta change feed (oktaChanges, changes, RISKY_CHANGE alerts)', () => {
  let okta: ConnectedOkta;
  let other: TestOrg;
  let feedA: Subscription<{ oktaChanges: FeedChange }>;
  let feedB: Subscription<{ oktaChanges: FeedChange }>;
  let secondSyncAt: Date;
  const expected: string[] = [];
  let mfaUser = '';
  let deactivated = '';
  let policyId = '';
  let policyMinLength = 0;
  let appMember = '';

  beforeAll(async () => {
    okta = await startConnectedOkta({
      users: 12,
      seed: 41,
      orgName: 'Feed A',
      client: CLIENT,
      grant: grantAll,
    });
    other = await okta.t.createOrg('Feed B');
    feedA = subscribe(okta.t.url, SUBSCRIPTION, `Bearer ${okta.org.adminToken}`);
    feedB = subscribe(okta.t.url, SUBSCRIPTION, `Bearer ${other.adminToken}`);
    await Promise.all([feedA.connected, feedB.connected]);
  });

  afterAll(async () => {
    await feedA?.dispose();
    await feedB?.dispose();
    await okta?.close();
  });

  const gql = <T>(query: string, variables?: Record<string, unknown>, token = okta.org.adminToken) =>
    okta.t.gql<T>(token, query, variables);

  it('reports nothing for the first sync: it is the baseline', async () => {
    const result = await gql<{ changes: { edges: unknown[] } }>(CHANGES, { id: okta.connectionId });
    expect(result.errors).toBeUndefined();
    expect(result.data?.changes.edges).toEqual([]);
    expect(feedA.events).toEqual([]);
  });

  it('reports exactly the changes made at Okta to organization A, with the rows before and after', async () => {
    const state = okta.sim.state;
    const active = state.activeUsers();
    const enrolled = active.filter((u) => (state.factors.get(u.id) ?? []).some((f) => f.status === 'ACTIVE'));
    mfaUser = enrolled[0]?.id ?? '';
    deactivated = enrolled[1]?.id ?? '';
    expect(mfaUser).not.toBe('');
    expect(deactivated).not.toBe('');
    const policy = state.policies.find((p) => p.type === 'PASSWORD' && p.status === 'ACTIVE');
    const complexity = (policy?.settings?.password as { complexity: { minLength: number } }).complexity;
    policyId = policy?.id ?? '';
    policyMinLength = complexity.minLength;
    const withoutRoles = active.filter(
      (u) => u.id !== mfaUser && u.id !== deactivated && !state.roles.some((r) => r.assignee.id === u.id),
    );
    const [promoted, joiner] = withoutRoles;
    const adminGroup = state.groups.findIndex((g) => g.name === 'Okta Admins');
    const access = state.policies.find((p) => p.type === 'ACCESS_POLICY');
    state.resetFactors(mfaUser);
    state.deactivateUser(deactivated);
    const added = state.addUser();
    state.weakenPasswordPolicy(policyId, { minLength: policyMinLength - 2 });
    const exemption = state.exemptGroupFromSecondFactor(2, 'ACCESS_POLICY');
    state.grantRole({ type: 'USER', id: promoted?.id ?? '' }, 'SUPER_ADMIN');
    state.addToGroup(joiner?.id ?? '', adminGroup);
    expected.push(
      `MFA_REMOVED:${mfaUser}`,
      `USER_DEACTIVATED:${deactivated}`,
      `USER_ACTIVATED:${added.id}`,
      `POLICY_WEAKENED:${policyId}`,
      `POLICY_WEAKENED:${access?.id ?? ''}`,
      `ADMIN_ROLE_GRANTED:${promoted?.id ?? ''}`,
      `GROUP_MEMBERSHIP_ADDED:${joiner?.id ?? ''}`,
    );

    secondSyncAt = new Date();
    await okta.t.syncNow(okta.org.adminToken, okta.connectionId);
    const received = await Promise.all(expected.map(() => feedA.next(60_000)));
    const changes = received.map((e) => e.oktaChanges);
    expect(byKind(changes)).toEqual([...expected].sort());
    expect(feedA.events).toEqual([]);
    expect(changes.every((c) => c.connectionId === okta.connectionId)).toBe(true);

    const mfa = changes.find((c) => c.kind === 'MFA_REMOVED');
    expect(mfa).toMatchObject({
      risky: true,
      fields: [{ field: 'mfaEnrolled', before: true, after: false }],
    });
    expect(mfa?.before?.data.mfaEnrolled).toBe(true);
    expect(mfa?.before?.validUntil).not.toBeNull();
    expect(mfa?.after?.data.mfaEnrolled).toBe(false);
    expect(mfa?.after?.validUntil).toBeNull();

    const gone = changes.find((c) => c.kind === 'USER_DEACTIVATED');
    expect(gone).toMatchObject({ risky: false, after: null });
    expect(gone?.before?.data.userId).toBe(deactivated);

    const activated = changes.find((c) => c.kind === 'USER_ACTIVATED');
    expect(activated).toMatchObject({ risky: false, before: null, label: added.profile.login });

    const weakened = changes.find((c) => c.kind === 'POLICY_WEAKENED');
    expect(weakened).toMatchObject({
      risky: true,
      fields: [{ field: 'complexity.minLength', before: policyMinLength, after: policyMinLength - 2 }],
    });
    expect(weakened?.summary).toContain(`complexity.minLength ${policyMinLength} → ${policyMinLength - 2}`);

    const exempting = changes.find((c) => c.kind === 'POLICY_WEAKENED' && c.sourceId === access?.id);
    expect(exempting).toMatchObject({
      risky: true,
      fields: [{ field: `rules.${exemption.name}.factors`, before: 'absent', after: '1FA' }],
    });
    expect(changes.find((c) => c.kind === 'ADMIN_ROLE_GRANTED')).toMatchObject({
      risky: true,
      label: promoted?.profile.login,
      fields: [{ field: 'roles', after: { type: 'SUPER_ADMIN', group: null } }],
    });
    const joined = changes.find((c) => c.kind === 'GROUP_MEMBERSHIP_ADDED');
    expect(joined).toMatchObject({ risky: true, label: joiner?.profile.login });
    expect(joined?.summary).toContain('through the admin group Okta Admins');

    // The run counts what it reported.
    const runs = await gql<{ connectorRuns: { edges: { node: { stats: { changes: number | null }[] } }[] } }>(
      `query($id: ID!) { connectorRuns(connectionId: $id, first: 1) { edges { node { stats { changes } } } } }`,
      { id: okta.connectionId },
    );
    const reported = runs.data?.connectorRuns.edges[0]?.node.stats.reduce((n, s) => n + (s.changes ?? 0), 0);
    expect(reported).toBe(expected.length);
  });

  it('finds a member added to an app group from the System Log, without a full sweep', async () => {
    const state = okta.sim.state;
    const group = state.addGroup('Salesforce users', 'APP_GROUP');
    const [first, second] = state.activeUsers().filter((u) => u.id !== mfaUser);
    state.addToGroup(first?.id ?? '', group); // the group's first collection: new, nothing to compare
    await okta.t.syncNow(okta.org.adminToken, okta.connectionId);
    appMember = second?.id ?? '';
    state.addToGroup(appMember, group);
    const sweepsBefore = okta.sim.api.requests.filter((r) => r.path === '/api/v1/groups').length;
    await okta.t.syncNow(okta.org.adminToken, okta.connectionId);
    expect(okta.sim.api.requests.filter((r) => r.path === '/api/v1/groups').length).toBe(sweepsBefore);

    const event = (await feedA.next(60_000)).oktaChanges;
    expect(event).toMatchObject({
      kind: 'GROUP_MEMBERSHIP_ADDED',
      risky: false,
      label: second?.profile.login,
    });
    expect(event.summary).toContain('Salesforce users');
    expect(event.fields).toEqual([
      { field: 'members', before: null, after: { id: appMember, login: second?.profile.login } },
    ]);
    // Nothing else was reported (received events are taken off `events`).
    expect(feedA.events).toEqual([]);
  });

  it('delivers nothing to another organization, and hides the feed from it', async () => {
    // A's events were all delivered; B's subscription, on the same server, got none of them.
    await okta.t.gql(other.adminToken, '{ coverage { percent } }');
    expect(feedB.events).toEqual([]);
    const foreign = await gql(CHANGES, { id: okta.connectionId }, other.adminToken);
    expect(errorCode(foreign)).toBe('NOT_FOUND');
  });

  it('answers changes(connectionId, since) from the stored feed', async () => {
    const all = await gql<{ changes: { edges: { node: FeedChange }[] } }>(CHANGES, { id: okta.connectionId });
    expect(all.data?.changes.edges).toHaveLength(expected.length + 1);
    expect(all.data?.changes.edges[0]?.node.kind).toBe('GROUP_MEMBERSHIP_ADDED');
    const since = new Date(Date.now() - 1);
    const none = await gql<{ changes: { edges: unknown[] } }>(CHANGES, {
      id: okta.connectionId,
      since: since.toISOString(),
    });
    expect(none.data?.changes.edges).toEqual([]);
    const fromSecond = await gql<{ changes: { edges: unknown[] } }>(CHANGES, {
      id: okta.connectionId,
      since: secondSyncAt.toISOString(),
    });
    expect(fromSecond.data?.changes.edges).toHaveLength(expected.length + 1);
    const bad = await gql(CHANGES, { id: 'not-an-id' });
    expect(errorCode(bad)).toBe('BAD_USER_INPUT');
  });

  it('opens a RISKY_CHANGE alert per risky change, counted in coverage until an ADMIN acknowledges it', async () => {
    await okta.t.app.get(SyncService).idle();
    const alerts = await gql<{ alerts: { edges: { node: AlertNode }[] } }>(ALERTS);
    const risky = (alerts.data?.alerts.edges ?? [])
      .map((e) => e.node)
      .filter((a) => a.kind === 'RISKY_CHANGE');
    expect(risky).toHaveLength(5);
    expect(risky.every((a) => a.resolvedAt === null && a.changeId !== null)).toBe(true);
    expect(risky.map((a) => a.message).join('\n')).toContain('no longer has an ACTIVE MFA factor');

    const coverage = async (asOf?: Date) =>
      (
        await gql<{ coverage: { riskyChanges: number } }>(
          'query($asOf: DateTime) { coverage(asOf: $asOf) { riskyChanges } }',
          { asOf: asOf?.toISOString() },
        )
      ).data?.coverage.riskyChanges;
    expect(await coverage()).toBe(5);
    expect(await coverage(new Date(secondSyncAt.getTime() - 1))).toBe(0);

    const auditor = await okta.t.token(okta.org.organizationId, 'AUDITOR');
    const target = risky[0] as AlertNode;
    expect(errorCode(await gql(ACKNOWLEDGE, { id: target.id }, auditor))).toBe('FORBIDDEN');
    expect(errorCode(await gql(ACKNOWLEDGE, { id: target.id }, other.adminToken))).toBe('NOT_FOUND');

    const acknowledged = await gql<{ acknowledgeAlert: AlertNode }>(ACKNOWLEDGE, { id: target.id });
    expect(acknowledged.errors).toBeUndefined();
    expect(acknowledged.data?.acknowledgeAlert.resolvedAt).not.toBeNull();
    expect(acknowledged.data?.acknowledgeAlert.acknowledgedBy).toEqual(expect.any(String));
    expect(await coverage()).toBe(4);
    expect(errorCode(await gql(ACKNOWLEDGE, { id: target.id }))).toBe('CONFLICT');

    const audit = await gql<{
      auditLog: { edges: { node: { target: { id: string }; details: Record<string, unknown> } }[] };
    }>(
      '{ auditLog(first: 5, filter: { action: ALERT_ACKNOWLEDGE }) { edges { node { target { id } details } } } }',
    );
    expect(audit.data?.auditLog.edges).toHaveLength(1);
    expect(audit.data?.auditLog.edges[0]?.node).toMatchObject({
      target: { id: target.id },
      details: { kind: 'RISKY_CHANGE', changeId: target.changeId },
    });

    // A later sync does not reopen an acknowledged change's alert.
    await okta.t.syncNow(okta.org.adminToken, okta.connectionId);
    expect(await coverage()).toBe(4);
  });
});
