import { Types } from 'mongoose';

import { EvidenceImmutableError } from '#src/modules/evidence/evidence.schema';

import { errorCode, type TestOrg } from '../support/test-app';
import { byType, calls, OktaSyncSuite, type Run } from '../support/okta-sync-suite';

/** Syncs of 1,000-user orgs and several simulators: minutes on a busy 2-core CI machine, not seconds. */
jest.setTimeout(300_000);

describe('Okta sync: a 1,000-user org (e2e, simulator over real HTTP)', () => {
  const ctx = OktaSyncSuite.register({ big: true });

  describe('a 1,000-user org', () => {
    let org: TestOrg;
    let id: string;
    let firstCalls: number;

    beforeAll(async () => {
      org = await ctx.t.createOrg('Thousand');
      id = await ctx.connect(ctx.t, org, ctx.big);
    });

    it('stores evidence that matches the org exactly', async () => {
      const [first] = await ctx.runs(org, id);
      expect(first?.status).toBe('SUCCEEDED');
      firstCalls = calls(first as Run);
      const active = ctx.big.state.activeUsers();
      expect(byType(first as Run, 'okta.user_mfa')).toMatchObject({
        items: active.length,
        inserted: active.length,
        complete: true,
      });

      const rows = await ctx.current(org, 'okta.user_mfa');
      expect(rows).toHaveLength(active.length);
      const bySource = new Map(rows.map((r) => [r.sourceId, r]));
      for (const user of active) {
        const row = bySource.get(user.id);
        const factors = ctx.big.state.factors.get(user.id) ?? [];
        expect(row?.data).toMatchObject({
          userId: user.id,
          login: user.profile.login,
          status: 'ACTIVE',
          mfaEnrolled: factors.some((f) => f.status === 'ACTIVE'),
        });
        expect(
          (row?.data.factors as { id: string; status: string }[]).map((f) => `${f.id}:${f.status}`).sort(),
        ).toEqual(factors.map((f) => `${f.id}:${f.status}`).sort());
        expect(row?.controls).toEqual(['CC6.1', 'CC6.2']);
      }
      expect(rows.filter((r) => r.data.mfaEnrolled === false).length).toBeGreaterThan(10);

      const policies = await ctx.current(org, 'okta.password_policy');
      const simPolicies = ctx.big.state.policies.filter((p) => p.type === 'PASSWORD');
      expect(policies.map((p) => p.sourceId).sort()).toEqual(simPolicies.map((p) => p.id).sort());
      const defaultPolicy = policies.find((p) => p.data.system === true);
      expect(defaultPolicy?.data).toMatchObject({
        name: 'Default Policy',
        complexity: { minLength: 8, minNumber: null, minSymbol: 0 },
        lockout: { maxAttempts: 10 },
        age: { historyCount: 0 },
      });

      const events = await ctx.current(org, 'okta.deprovisioning_event');
      const since = Date.now() - 30 * 86_400_000;
      const expected = ctx.big.state.logs.filter(
        (e) =>
          [
            'user.lifecycle.deactivate',
            'user.lifecycle.suspend',
            'user.lifecycle.delete.initiated',
            'application.user_membership.remove',
            'group.user_membership.remove',
          ].includes(e.eventType) && Date.parse(e.published) >= since,
      );
      expect(expected.length).toBeGreaterThan(3);
      expect(events.map((e) => e.sourceId).sort()).toEqual(expected.map((e) => e.uuid).sort());
      expect(events[0]?.controls).toEqual(['CC6.2', 'CC6.3']);

      // Every group with exactly its members (ids and logins, sorted by id), for CC6.3.
      const groups = await ctx.current(org, 'okta.group_membership');
      expect(groups.map((g) => g.sourceId).sort()).toEqual(ctx.big.state.groups.map((g) => g.id).sort());
      for (const group of ctx.big.state.groups) {
        const row = groups.find((g) => g.sourceId === group.id);
        const members = [...group.members]
          .map((memberId) => ctx.big.state.users.get(memberId))
          .filter((u) => u !== undefined)
          .map((u) => ({ id: u.id, login: u.profile.login }))
          .sort((a, b) => (a.id < b.id ? -1 : 1));
        expect(row?.data).toMatchObject({ groupId: group.id, name: group.name, memberCount: members.length });
        expect(row?.data.members).toEqual(members);
        expect(row?.controls).toEqual(['CC6.3']);
      }
      expect(groups.some((g) => (g.data.memberCount as number) > 500)).toBe(true);
    });

    it('writes no row on an unchanged second sync and makes at most 10 % of the API calls', async () => {
      const before = await ctx.evidence.countDocuments({
        organizationId: new Types.ObjectId(org.organizationId),
      });
      const second = await ctx.syncNow(org, id);
      expect(second.status).toBe('SUCCEEDED');
      expect(second.stats.map((s) => s.inserted + s.closed)).toEqual([0, 0, 0, 0, 0]);
      expect(
        await ctx.evidence.countDocuments({ organizationId: new Types.ObjectId(org.organizationId) }),
      ).toBe(before);
      expect(calls(second)).toBeLessThanOrEqual(firstCalls * 0.1);
    });

    it('adds and closes exactly the right rows after factor changes, deactivations, a new user and a weaker policy', async () => {
      const active = ctx.big.state.activeUsers();
      const changed = active.slice(0, 5);
      const deactivated = active.slice(5, 7);
      for (const user of changed) ctx.big.state.enrollFactor(user.id);
      for (const user of deactivated) ctx.big.state.deactivateUser(user.id);
      const added = ctx.big.state.addUser();
      const policy = ctx.big.state.policies.find((p) => p.type === 'PASSWORD' && !p.system);
      ctx.big.state.weakenPasswordPolicy(policy?.id ?? '', { minLength: 6, minNumber: 0 });

      // And a member leaves the second group: Okta logs it, naming the user and the group.
      const leaver = active[10];
      if (leaver === undefined) throw new Error('too few users');
      ctx.big.state.removeFromGroup(leaver.id, 1);
      const sentBefore = ctx.big.api.requests.length;

      const run = await ctx.syncNow(org, id);
      expect(run.status).toBe('SUCCEEDED');
      expect(byType(run, 'okta.user_mfa')).toMatchObject({ inserted: 6, closed: 7 });
      expect(byType(run, 'okta.password_policy')).toMatchObject({ inserted: 1, closed: 1 });
      expect(byType(run, 'okta.deprovisioning_event')).toMatchObject({ inserted: 3, closed: 0 });
      // The new user joined the first group and the leaver left the second: from the System Log's membership
      // events, without a full sweep (no group list was read), exactly those two groups changed.
      expect(byType(run, 'okta.group_membership')).toMatchObject({ inserted: 2, closed: 2 });
      const sent = ctx.big.api.requests.slice(sentBefore).map((r) => r.path);
      expect(sent).not.toContain('/api/v1/groups');
      const groups = new Map((await ctx.current(org, 'okta.group_membership')).map((r) => [r.sourceId, r]));
      for (const group of ctx.big.state.groups)
        expect((groups.get(group.id)?.data.members as { id: string }[]).map((m) => m.id)).toEqual(
          [...group.members].filter((m) => ctx.big.state.users.has(m)).sort(),
        );

      const users = new Map((await ctx.current(org, 'okta.user_mfa')).map((r) => [r.sourceId, r]));
      for (const user of deactivated) expect(users.has(user.id)).toBe(false);
      expect(users.get(added.id)?.data.mfaEnrolled).toBe(true);
      for (const user of changed) {
        expect((users.get(user.id)?.data.factors as unknown[]).length).toBe(
          ctx.big.state.factors.get(user.id)?.length,
        );
      }
      const closedPolicy = await ctx.evidence
        .findOne({
          organizationId: new Types.ObjectId(org.organizationId),
          sourceId: policy?.id,
          validUntil: { $ne: null },
        })
        .lean();
      expect((closedPolicy?.data.complexity as { minLength: number }).minLength).toBe(14);
      const weak = (await ctx.current(org, 'okta.password_policy')).find((p) => p.sourceId === policy?.id);
      expect(weak?.data.complexity).toMatchObject({ minLength: 6, minNumber: 0 });
    });

    it('answers evidence queries by type, control, connection, current state and point in time, with keyset pages', async () => {
      const query = `query($filter: EvidenceFilter, $first: Int, $after: String) { evidence(filter: $filter, first: $first, after: $after) {
        edges { cursor node { id type sourceId controls validUntil locked } } pageInfo { hasNextPage endCursor } } }`;
      type Page = {
        evidence: {
          edges: {
            node: {
              id: string;
              type: string;
              sourceId: string;
              controls: string[];
              validUntil: string | null;
            };
          }[];
          pageInfo: { hasNextPage: boolean; endCursor: string };
        };
      };
      const policies = await ctx.t.gql<Page>(org.adminToken, query, {
        filter: { type: 'okta.password_policy', currentOnly: true },
      });
      expect(policies.data?.evidence.edges).toHaveLength(2);
      const cc63 = await ctx.t.gql<Page>(org.adminToken, query, {
        filter: { control: 'CC6.3', connectionId: id },
        first: 100,
      });
      expect(new Set(cc63.data?.evidence.edges.map((e) => e.node.type))).toEqual(
        new Set(['okta.deprovisioning_event', 'okta.group_membership']),
      );
      const page1 = await ctx.t.gql<Page>(org.adminToken, query, {
        filter: { type: 'okta.user_mfa' },
        first: 50,
      });
      const page2 = await ctx.t.gql<Page>(org.adminToken, query, {
        filter: { type: 'okta.user_mfa' },
        first: 50,
        after: page1.data?.evidence.pageInfo.endCursor,
      });
      const ids = [...(page1.data?.evidence.edges ?? []), ...(page2.data?.evidence.edges ?? [])].map(
        (e) => e.node.id,
      );
      expect(new Set(ids).size).toBe(100);
      // As of before the last sync, the weakened policy's old version is the one in force.
      const runsNow = await ctx.runs(org, id);
      const beforeLast = new Date(Date.parse(runsNow[0]?.startedAt ?? '') - 1).toISOString();
      const asOf = await ctx.t.gql<Page>(org.adminToken, query, {
        filter: { type: 'okta.password_policy', asOf: beforeLast },
      });
      expect(asOf.data?.evidence.edges).toHaveLength(2);
      expect(asOf.data?.evidence.edges.some((e) => e.node.validUntil !== null)).toBe(true);
    });

    it('refuses content updates at the schema layer, allowing only lifecycle fields', async () => {
      const row = await ctx.evidence
        .findOne({ organizationId: new Types.ObjectId(org.organizationId), type: 'okta.user_mfa' })
        .lean();
      const filter = { organizationId: new Types.ObjectId(org.organizationId), _id: row?._id };
      await expect(
        ctx.evidence.updateOne(filter, { $set: { 'data.mfaEnrolled': true } }).exec(),
      ).rejects.toBeInstanceOf(EvidenceImmutableError);
      await expect(
        ctx.evidence.updateOne(filter, { $set: { fingerprint: 'x' } }).exec(),
      ).rejects.toBeInstanceOf(EvidenceImmutableError);
      await expect(ctx.evidence.replaceOne(filter, {}).exec()).rejects.toBeInstanceOf(EvidenceImmutableError);
      await expect(ctx.evidence.deleteOne(filter).exec()).rejects.toBeInstanceOf(EvidenceImmutableError);
      const doc = await ctx.evidence.findOne(filter).orFail().exec();
      doc.sourceId = 'other';
      await expect(doc.save()).rejects.toBeInstanceOf(EvidenceImmutableError);
      await expect(
        ctx.evidence.updateOne(filter, { $addToSet: { assessmentIds: new Types.ObjectId() } }).exec(),
      ).resolves.toMatchObject({ matchedCount: 1 });
    });

    it('freezes an approved assessment and protects its evidence from deletion and purge', async () => {
      const rows = (await ctx.current(org, 'okta.password_policy')).map((r) => r._id.toHexString());
      const created = await ctx.t.gql<{ createAssessment: { id: string; status: string } }>(
        org.adminToken,
        'mutation { createAssessment(input: { name: "SOC 2 Type II 2026", periodStart: "2026-01-01T00:00:00Z", periodEnd: "2026-12-31T00:00:00Z" }) { id status } }',
      );
      const assessmentId = created.data?.createAssessment.id;
      expect(created.data?.createAssessment.status).toBe('DRAFT');
      const attach =
        'mutation($a: ID!, $e: [ID!]!) { attachEvidence(input: { assessmentId: $a, evidenceIds: $e }) { status evidenceIds } }';
      const attached = await ctx.t.gql<{ attachEvidence: { evidenceIds: string[] } }>(
        org.adminToken,
        attach,
        {
          a: assessmentId,
          e: rows,
        },
      );
      expect(attached.data?.attachEvidence.evidenceIds.sort()).toEqual([...rows].sort());
      const member = await ctx.t.token(org.organizationId, 'MEMBER');
      expect(
        errorCode(
          await ctx.t.gql(
            member,
            'mutation($a: ID!) { approveAssessment(input: { assessmentId: $a }) { status } }',
            { a: assessmentId },
          ),
        ),
      ).toBe('FORBIDDEN');
      const approved = await ctx.t.gql<{ approveAssessment: { status: string; approvedBy: string } }>(
        org.adminToken,
        'mutation($a: ID!) { approveAssessment(input: { assessmentId: $a }) { status approvedBy } }',
        { a: assessmentId },
      );
      expect(approved.data?.approveAssessment).toEqual({ status: 'APPROVED', approvedBy: 'user-admin' });

      const other = (await ctx.current(org, 'okta.user_mfa'))[0]?._id.toHexString();
      expect(errorCode(await ctx.t.gql(org.adminToken, attach, { a: assessmentId, e: [other] }))).toBe(
        'CONFLICT',
      );
      expect(
        errorCode(
          await ctx.t.gql(
            org.adminToken,
            'mutation($a: ID!) { approveAssessment(input: { assessmentId: $a }) { status } }',
            { a: assessmentId },
          ),
        ),
      ).toBe('CONFLICT');

      const locked = await ctx.evidence
        .find({
          organizationId: new Types.ObjectId(org.organizationId),
          _id: { $in: rows.map((r) => new Types.ObjectId(r)) },
        })
        .lean();
      expect(locked.every((r) => r.locked)).toBe(true);
      await expect(
        ctx.evidence
          .deleteMany({
            organizationId: new Types.ObjectId(org.organizationId),
            _id: { $in: locked.map((r) => r._id) },
          })
          .exec(),
      ).rejects.toBeInstanceOf(EvidenceImmutableError);
      const purge = await ctx.evidence
        .deleteMany({
          organizationId: new Types.ObjectId(org.organizationId),
          _id: { $in: locked.map((r) => r._id) },
          locked: false,
        })
        .exec();
      expect(purge.deletedCount).toBe(0);
      const audit = await ctx.t.gql<{ auditLog: { edges: { node: { action: string } }[] } }>(
        org.adminToken,
        '{ auditLog(filter: { action: ASSESSMENT_APPROVE }) { edges { node { action } } } }',
      );
      expect(audit.data?.auditLog.edges).toHaveLength(1);
    });

    it('exposes sync, API-call and evidence metrics at /metrics', async () => {
      const res = await ctx.t.http().get('/metrics').expect(200);
      const value = (line: RegExp): number =>
        Number(new RegExp(`${line.source} (\\d+(?:\\.\\d+)?)`).exec(res.text)?.[1] ?? NaN);
      expect(
        value(/okta_evidence_syncs_total\{connector="okta",status="SUCCEEDED"\}/),
      ).toBeGreaterThanOrEqual(3);
      expect(value(/okta_evidence_okta_api_calls_total\{collector="okta.user_mfa"\}/)).toBeGreaterThan(1000);
      expect(
        value(/okta_evidence_evidence_rows_written_total\{type="okta.user_mfa"\}/),
      ).toBeGreaterThanOrEqual(1006);
      expect(res.text).toContain('okta_evidence_sync_duration_seconds_bucket');
      expect(res.text).toContain('okta_evidence_open_alerts');
    });

    it('audits every sync with its run id and counts', async () => {
      const audit = await ctx.t.gql<{
        auditLog: { edges: { node: { details: { runId: string; inserted: number } } }[] };
      }>(org.adminToken, '{ auditLog(filter: { action: SYNC }, first: 10) { edges { node { details } } } }');
      const audited = audit.data?.auditLog.edges.map((e) => e.node.details.runId).sort();
      expect(audited).toEqual((await ctx.runs(org, id)).map((r) => r.id).sort());
    });
  });
});
