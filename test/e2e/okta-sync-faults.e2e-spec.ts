import { Types } from 'mongoose';

import { errorCode } from '../support/test-app';
import { byType, OktaSyncSuite, SYNC } from '../support/okta-sync-suite';

/** Syncs of 1,000-user orgs and several simulators: minutes on a busy 2-core CI machine, not seconds. */
jest.setTimeout(300_000);

describe('Okta sync: rate limits and faults (e2e, simulator over real HTTP)', () => {
  const ctx = OktaSyncSuite.register({ big: false });

  describe('rate limits and faults', () => {
    it('throttles before the bucket runs dry, waits out 429s and retries 5xx, resets and malformed bodies', async () => {
      const org = await ctx.t.createOrg('Storm');
      const id = await ctx.connect(ctx.t, org);
      ctx.sim.api.rateLimits = { windowMs: 1000, limits: { users: 1, logs: 1, default: 25 } };
      ctx.sim.api.faults.push(
        { kind: 'http429', count: 3, path: /factors$/ },
        { kind: 'http500', count: 2 },
        { kind: 'http503', count: 1 },
        { kind: 'reset', count: 1 },
        { kind: 'malformed', count: 1, path: /factors$/ },
      );
      const start = ctx.sim.api.requests.length;
      const run = await ctx.runsAfterForcedSweep(org, id);
      expect(run.status).toBe('SUCCEEDED');
      const waits = run.stats.reduce((n, s) => n + s.rateLimitWaits, 0);
      const retries = run.stats.reduce((n, s) => n + s.retries, 0);
      expect(waits).toBeGreaterThanOrEqual(4);
      expect(retries).toBeGreaterThanOrEqual(5);
      const sent = ctx.sim.api.requests.slice(start);
      expect(sent.filter((r) => r.status === 429).length).toBe(3); // only the injected ones
      expect(sent.some((r) => r.overLimit)).toBe(false);
      expect((await ctx.current(org, 'okta.user_mfa')).length).toBe(ctx.sim.state.activeUsers().length);
    });

    it('fails only the collector whose endpoint keeps failing, closes nothing, and the next run completes', async () => {
      const org = await ctx.t.createOrg('Faulty');
      const id = await ctx.connect(ctx.t, org);
      const rowsBefore = await ctx.evidence.countDocuments({
        organizationId: new Types.ObjectId(org.organizationId),
        validUntil: { $ne: null },
      });
      ctx.sim.api.faults.push({ kind: 'http500', count: 1000, path: /^\/api\/v1\/policies/ });
      const broken = await ctx.syncNow(org, id);
      expect(broken.status).toBe('PARTIAL');
      expect(byType(broken, 'okta.password_policy').complete).toBe(false);
      expect(byType(broken, 'okta.password_policy').error).toMatch(/^unavailable: /);
      expect(broken.error?.code).toBe('COLLECTOR_FAILED');
      expect(
        await ctx.evidence.countDocuments({
          organizationId: new Types.ObjectId(org.organizationId),
          validUntil: { $ne: null },
        }),
      ).toBe(rowsBefore);
      ctx.sim.api.faults.length = 0;
      const healed = await ctx.syncNow(org, id);
      expect(healed.status).toBe('SUCCEEDED');
      const connection = await ctx.t.gql<{ connection: { lastSuccessfulSyncAt: string } }>(
        org.adminToken,
        'query($id: ID!) { connection(id: $id) { lastSuccessfulSyncAt } }',
        { id },
      );
      expect(Date.parse(connection.data?.connection.lastSuccessfulSyncAt ?? '')).toBeGreaterThanOrEqual(
        Date.parse(healed.startedAt),
      );
    });

    it('refreshes the token once when it expires mid-sync and carries on', async () => {
      const org = await ctx.t.createOrg('Expiry');
      const id = await ctx.connect(ctx.t, org);
      const refreshesBefore = ctx.sim.oauth.calls.filter((c) => c.grantType === 'refresh_token').length;
      ctx.sim.api.expireTokenAtRequest = ctx.sim.api.requests.length + 3;
      const run = await ctx.syncNow(org, id);
      expect(run.status).toBe('SUCCEEDED');
      expect(ctx.sim.oauth.calls.filter((c) => c.grantType === 'refresh_token').length).toBe(
        refreshesBefore + 1,
      );
      expect(ctx.sim.api.requests.filter((r) => r.status === 401).length).toBeGreaterThanOrEqual(1);
    });

    it('marks the connection NEEDS_REAUTH naming a scope Okta no longer grants', async () => {
      const org = await ctx.t.createOrg('Scopeless');
      const id = await ctx.connect(ctx.t, org);
      ctx.sim.api.revokedScopes.add('okta.policies.read');
      const run = await ctx.syncNow(org, id);
      expect(run.status).toBe('PARTIAL');
      expect(run.error?.code).toBe('INSUFFICIENT_SCOPE');
      const c = await ctx.t.gql<{ connection: { status: string; statusReason: string } }>(
        org.adminToken,
        'query($id: ID!) { connection(id: $id) { status statusReason } }',
        { id },
      );
      expect(c.data?.connection).toEqual({
        status: 'NEEDS_REAUTH',
        statusReason: 'insufficient_scope: okta.policies.read',
      });
      expect(errorCode(await ctx.t.gql(org.adminToken, SYNC, { id }))).toBe('CONFLICT');
    });

    it('reports an admin without permission (E0000006) on the collector', async () => {
      const org = await ctx.t.createOrg('Denied');
      const id = await ctx.connect(ctx.t, org);
      ctx.sim.api.deniedPaths.push(/^\/api\/v1\/logs$/);
      const run = await ctx.syncNow(org, id);
      expect(run.status).toBe('PARTIAL');
      expect(byType(run, 'okta.deprovisioning_event').error).toMatch(
        /^permission_denied: The authorizing admin lacks permission/,
      );
    });
  });
});
