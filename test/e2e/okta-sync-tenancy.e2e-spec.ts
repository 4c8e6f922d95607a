import { Types } from 'mongoose';

import { RetentionJob } from '#src/modules/retention/retention.job';

import { errorCode } from '../support/test-app';
import { OktaSyncSuite, RUNS, SYNC } from '../support/okta-sync-suite';

/** Syncs of 1,000-user orgs and several simulators: minutes on a busy 2-core CI machine, not seconds. */
jest.setTimeout(300_000);

describe('Okta sync: syncConnection, tenancy and retention (e2e, simulator over real HTTP)', () => {
  const ctx = OktaSyncSuite.register({ big: false });

  describe('syncConnection and tenancy', () => {
    it('returns the run in progress instead of starting a second one', async () => {
      const org = await ctx.t.createOrg('Twice');
      const id = await ctx.connect(ctx.t, org);
      ctx.sim.api.faults.push({ kind: 'latency', latencyMs: 300, count: 5 });
      const [a, b] = await Promise.all([
        ctx.t.gql<{ syncConnection: { id: string } }>(org.adminToken, SYNC, { id }),
        ctx.t.gql<{ syncConnection: { id: string } }>(org.adminToken, SYNC, { id }),
      ]);
      expect(a.data?.syncConnection.id).toBe(b.data?.syncConnection.id);
      await ctx.sync().idle();
    });

    it("shows org B none of org A's evidence, runs or assessments", async () => {
      const a = await ctx.t.createOrg('A');
      const b = await ctx.t.createOrg('B');
      const id = await ctx.connect(ctx.t, a);
      expect(errorCode(await ctx.t.gql(b.adminToken, RUNS, { id }))).toBe('NOT_FOUND');
      expect(errorCode(await ctx.t.gql(b.adminToken, SYNC, { id }))).toBe('NOT_FOUND');
      const ev = await ctx.t.gql<{ evidence: { edges: unknown[] } }>(
        b.adminToken,
        'query($id: ID!) { evidence(filter: { connectionId: $id }) { edges { node { id } } } }',
        { id },
      );
      expect(ev.data?.evidence.edges).toEqual([]);
      const all = await ctx.t.gql<{ evidence: { edges: unknown[] } }>(
        b.adminToken,
        '{ evidence { edges { node { id } } } }',
      );
      expect(all.data?.evidence.edges).toEqual([]);
      const created = await ctx.t.gql<{ createAssessment: { id: string } }>(
        a.adminToken,
        'mutation { createAssessment(input: { name: "A", periodStart: "2026-01-01T00:00:00Z", periodEnd: "2026-06-30T00:00:00Z" }) { id } }',
      );
      expect(
        errorCode(
          await ctx.t.gql(b.adminToken, 'query($id: ID!) { assessment(id: $id) { id } }', {
            id: created.data?.createAssessment.id,
          }),
        ),
      ).toBe('NOT_FOUND');
      const list = await ctx.t.gql<{ assessments: { edges: unknown[] } }>(
        b.adminToken,
        '{ assessments { edges { node { id } } } }',
      );
      expect(list.data?.assessments.edges).toEqual([]);
      expect(errorCode(await ctx.t.gql(await ctx.t.token(a.organizationId, 'AUDITOR'), SYNC, { id }))).toBe(
        'FORBIDDEN',
      );
    });
  });

  describe('retention', () => {
    it("purges a revoked connection's unattached history after RETENTION_DAYS, keeping what an assessment holds and the runs it was collected by", async () => {
      const org = await ctx.t.createOrg('Retained');
      const id = await ctx.connect(ctx.t, org);
      await ctx.syncNow(org, id); // a second run, which no kept row points to
      const scope = {
        organizationId: new Types.ObjectId(org.organizationId),
        connectionId: new Types.ObjectId(id),
      };
      const kept = (await ctx.evidence.find({ ...scope, type: 'okta.password_policy' }).lean()).map((r) =>
        r._id.toHexString(),
      );
      const created = await ctx.t.gql<{ createAssessment: { id: string } }>(
        org.adminToken,
        'mutation { createAssessment(input: { name: "Kept", periodStart: "2026-01-01T00:00:00Z", periodEnd: "2026-06-30T00:00:00Z" }) { id } }',
      );
      await ctx.t.gql(
        org.adminToken,
        'mutation($a: ID!, $e: [ID!]!) { attachEvidence(input: { assessmentId: $a, evidenceIds: $e }) { id } }',
        {
          a: created.data?.createAssessment.id,
          e: kept,
        },
      );
      await ctx.t.gql(
        org.adminToken,
        'mutation($id: ID!) { revokeConnection(input: { connectionId: $id }) { status } }',
        { id },
      );
      const job = ctx.t.get<RetentionJob>(RetentionJob);
      expect(await job.run()).toBe(0); // still inside the window
      expect(await ctx.evidence.countDocuments(scope)).toBeGreaterThan(kept.length);

      await ctx.t.connection.db
        ?.collection('connections')
        .updateOne(
          { _id: new Types.ObjectId(id) },
          { $set: { deletedAt: new Date(Date.now() - 401 * 86_400_000) } },
        );
      const runsBefore = (await ctx.runs(org, id)).map((r) => r.id);
      expect(await job.run()).toBe(1);
      const left = await ctx.evidence.find(scope).lean();
      expect(left.map((r) => r._id.toHexString()).sort()).toEqual([...kept].sort());
      // The kept rows still name the run that collected them: that run record stays, the others go.
      const referenced = [...new Set(left.map((r) => r.runId.toHexString()))];
      expect(referenced).toHaveLength(1);
      const remaining = await ctx.t.connection.db?.collection('connector_runs').find(scope).toArray();
      expect(remaining?.map((r) => String(r._id))).toEqual(referenced);
      expect((await ctx.runs(org, id)).map((r) => r.id)).toEqual(referenced);
      const audit = await ctx.t.gql<{
        auditLog: {
          edges: { node: { details: { evidenceRows: number; runs: number; runsKept: number } } }[];
        };
      }>(org.adminToken, '{ auditLog(filter: { action: RETENTION_PURGE }) { edges { node { details } } } }');
      expect(audit.data?.auditLog.edges[0]?.node.details.runs).toBe(runsBefore.length - 1);
      expect(audit.data?.auditLog.edges[0]?.node.details.runsKept).toBe(1);
      expect(audit.data?.auditLog.edges[0]?.node.details.evidenceRows).toBeGreaterThan(10);
      expect(await job.run()).toBe(0);
      const history = await ctx.t.gql<{ connection: { status: string } }>(
        org.adminToken,
        'query($id: ID!) { connection(id: $id) { status } }',
        { id },
      );
      expect(history.data?.connection.status).toBe('REVOKED');
    });
  });
});
