import { Types } from 'mongoose';
import { type ConnectedOkta, startConnectedOkta } from '../support/connected-okta';
import { errorCode, type TestApp, type TestOrg } from '../support/test-app';

const CLIENT = { clientId: 'continuity-client', clientSecret: 'continuity-client-secret' };
const HOUR = 3_600_000;
const QUERY = `query($id: ID!, $from: DateTime!, $to: DateTime!) {
  continuity(connectionId: $id, from: $from, to: $to) {
    gaps { from to } stale { from to } needsReauth { from to } revoked { from to } hoursCoveredPercent successfulSyncs } }`;

interface Period {
  from: string;
  to: string;
}
interface Result {
  continuity: {
    gaps: Period[];
    stale: Period[];
    needsReauth: Period[];
    revoked: Period[];
    hoursCoveredPercent: number;
    successfulSyncs: number;
  };
}

/** Continuity over a window, from a real sync history against the simulator with a gap made by backdating. */
describe('continuity of a connection (e2e)', () => {
  let world: ConnectedOkta;
  let t: TestApp;
  let org: TestOrg;
  let other: TestOrg;
  let connectionId = '';

  beforeAll(async () => {
    world = await startConnectedOkta({ users: 10, seed: 5, orgName: 'Continuous', client: CLIENT });
    ({ t, org, connectionId } = world);
    other = await t.createOrg('Elsewhere');
  });
  afterAll(() => world.close());

  const ask = (from: Date, to: Date, token = org.adminToken, id = connectionId) =>
    t.gql<Result>(token, QUERY, { id, from: from.toISOString(), to: to.toISOString() });

  it('finds the gap and the stale period a 10-hour outage leaves, then the revoked period', async () => {
    // The first sync "happened" 10 hours ago; a sync now ends the outage.
    const db = t.connection.db;
    if (db === undefined) throw new Error('no database');
    const tenHoursAgo = new Date(Date.now() - 10 * HOUR);
    await db
      .collection('connector_runs')
      .updateMany(
        { connectionId: new Types.ObjectId(connectionId) },
        { $set: { startedAt: tenHoursAgo, finishedAt: tenHoursAgo } },
      );
    await t.syncNow(org.adminToken, connectionId);

    const now = new Date();
    const from = new Date(now.getTime() - 12 * HOUR);
    const result = (await ask(from, now)).data?.continuity;
    expect(result?.successfulSyncs).toBe(2);
    // From the window's start to the first sync (2 h), and the 10-hour outage.
    expect(result?.gaps.map((g) => [g.from, g.to])).toEqual([
      [from.toISOString(), tenHoursAgo.toISOString()],
      [tenHoursAgo.toISOString(), expect.any(String)],
    ]);
    expect(result?.stale).toHaveLength(1);
    expect(Date.parse(result?.stale[0]?.from ?? '')).toBe(tenHoursAgo.getTime() + 6 * HOUR);
    expect(result?.hoursCoveredPercent).toBe(16.7); // 2 of 12 hours
    expect(result?.needsReauth).toEqual([]);
    expect(result?.revoked).toEqual([]);

    // An assessment over the same period shows the same continuity for the connection.
    const created = await t.gql<{ createAssessment: { id: string } }>(
      org.adminToken,
      'mutation($input: CreateAssessmentInput!) { createAssessment(input: $input) { id } }',
      { input: { name: 'FY26', periodStart: from.toISOString(), periodEnd: now.toISOString() } },
    );
    const assessment = await t.gql<{
      assessment: {
        continuity: { connectionId: string; continuity: { successfulSyncs: number; gaps: Period[] } }[];
      };
    }>(
      org.adminToken,
      'query($id: ID!) { assessment(id: $id) { continuity { connectionId continuity { successfulSyncs gaps { from to } } } } }',
      { id: created.data?.createAssessment.id },
    );
    expect(assessment.data?.assessment.continuity).toEqual([
      { connectionId, continuity: { successfulSyncs: 2, gaps: result?.gaps } },
    ]);

    const revoked = await t.gql(
      org.adminToken,
      'mutation($id: ID!) { revokeConnection(input: { connectionId: $id }) { id } }',
      {
        id: connectionId,
      },
    );
    expect(revoked.errors).toBeUndefined();
    const after = (await ask(from, new Date())).data?.continuity;
    expect(after?.revoked).toHaveLength(1);
  });

  it.each([
    ['from after to', 1, 0],
    ['a window over 18 months', -19 * 30 * 24, 0],
    ['a window ending in the future', -1, 2],
  ])('refuses %s with BAD_USER_INPUT', async (_name, fromH, toH) => {
    const result = await ask(new Date(Date.now() + fromH * HOUR), new Date(Date.now() + toH * HOUR));
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
  });

  it("answers NOT_FOUND for another organization's connection", async () => {
    const result = await ask(new Date(Date.now() - HOUR), new Date(), other.adminToken);
    expect(errorCode(result)).toBe('NOT_FOUND');
  });
});
