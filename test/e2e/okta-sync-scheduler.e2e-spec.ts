import { setTimeout as sleep } from 'node:timers/promises';

import { Types } from 'mongoose';
import { LeaseLock } from '#src/common/scheduling/lease-lock';
import { SyncScheduler } from '#src/modules/connectors/sync/sync.scheduler';

import { SyncService } from '#src/modules/connectors/sync/sync.service';

import { TestApp } from '../support/test-app';
import { OktaSyncSuite, PUBLIC_URL } from '../support/okta-sync-suite';

/** Syncs of 1,000-user orgs and several simulators: minutes on a busy 2-core CI machine, not seconds. */
jest.setTimeout(300_000);

describe('Okta sync: the scheduler across instances (e2e, simulator over real HTTP)', () => {
  const ctx = OktaSyncSuite.register({ big: false });

  describe('the scheduler across instances', () => {
    it('syncs each connection exactly once per cadence and never concurrently, with two instances', async () => {
      const second = await TestApp.start({
        PUBLIC_URL,
        OKTA_ALLOWED_INSECURE_HOSTS: ctx.sim.host,
        MONGO_DB_NAME: ctx.t.config.mongoDbName,
        LOCAL_MASTER_KEY_FILE: ctx.t.config.kms.localMasterKeyFile,
        SCHEDULER_TICK_MS: '3600000',
      });
      try {
        const orgs = [await ctx.t.createOrg('S1'), await ctx.t.createOrg('S2'), await ctx.t.createOrg('S3')];
        const ids = [];
        for (const org of orgs) ids.push(await ctx.connect(ctx.t, org));
        const schedulers = [
          ctx.t.get<SyncScheduler>(SyncScheduler),
          second.get<SyncScheduler>(SyncScheduler),
        ];
        const services = [ctx.sync(), second.get<SyncService>(SyncService)];
        const rounds = 4;
        for (let round = 0; round < rounds; round++) {
          await ctx.t.connection.db
            ?.collection('connections')
            .updateMany(
              { _id: { $in: ids.map((i) => new Types.ObjectId(i)) } },
              { $set: { nextSyncAt: new Date(Date.now() - 1000) } },
            );
          // Instances take turns being first; the others tick while its syncs run, and again after.
          const leader = schedulers[round % 2] as SyncScheduler;
          expect(await leader.tick()).toBe(ids.length);
          expect(await Promise.all([...schedulers, ...schedulers].map((s) => s.tick()))).toEqual([
            0, 0, 0, 0,
          ]);
          await Promise.all(services.map((s) => s.idle()));
          expect(await Promise.all(schedulers.map((s) => s.tick()))).toEqual([0, 0]);
        }
        const owners = await ctx.t.connection.db
          ?.collection('connector_runs')
          .find({ connectionId: { $in: ids.map((i) => new Types.ObjectId(i)) }, trigger: 'schedule' })
          .toArray();
        const instances = new Set(owners?.map((r) => String(r.owner).split(':')[0]));
        expect(instances.size).toBe(2);
        for (const [i, org] of orgs.entries()) {
          const all = await ctx.runs(org, ids[i] ?? '');
          const scheduled = all.filter((r) => r.trigger === 'schedule');
          expect(scheduled).toHaveLength(rounds);
          expect(
            scheduled.map((r) => `${r.status}${r.error ? ` ${r.error.code}: ${r.error.message}` : ''}`),
          ).toEqual(Array.from({ length: rounds }, () => 'SUCCEEDED'));
          const intervals = all
            .map((r) => [Date.parse(r.startedAt), Date.parse(r.finishedAt ?? '')] as const)
            .sort((x, y) => x[0] - y[0]);
          for (let k = 1; k < intervals.length; k++)
            expect(intervals[k]?.[0]).toBeGreaterThanOrEqual(intervals[k - 1]?.[1] ?? 0);
        }
      } finally {
        await second.app.close();
      }
    });

    it("takes over a crashed instance's sync once its lease expires, losing nothing", async () => {
      const short = await TestApp.start({
        PUBLIC_URL,
        OKTA_ALLOWED_INSECURE_HOSTS: ctx.sim.host,
        MONGO_DB_NAME: ctx.t.config.mongoDbName,
        LOCAL_MASTER_KEY_FILE: ctx.t.config.kms.localMasterKeyFile,
        SCHEDULER_TICK_MS: '3600000',
        SYNC_LEASE_TTL_MS: '1500',
      });
      try {
        const org = await ctx.t.createOrg('Crash');
        const id = await ctx.connect(ctx.t, org);
        // A dead instance: it holds the lease and left a RUNNING run behind, mid-sync.
        await short.asOrg(org.organizationId, () =>
          short.get<LeaseLock>(LeaseLock).tryAcquire(`sync:${id}`, 'dead-instance', 1500),
        );
        await short.connection.db?.collection('connector_runs').insertOne({
          organizationId: new Types.ObjectId(org.organizationId),
          connectionId: new Types.ObjectId(id),
          trigger: 'schedule',
          status: 'RUNNING',
          owner: 'dead-instance',
          startedAt: new Date(),
          heartbeatAt: new Date(),
          finishedAt: null,
          stats: [],
          grantedScopes: [],
          error: null,
        });
        await short.connection.db
          ?.collection('connections')
          .updateOne({ _id: new Types.ObjectId(id) }, { $set: { nextSyncAt: new Date(Date.now() - 1000) } });
        const scheduler = short.get<SyncScheduler>(SyncScheduler);
        expect(await scheduler.tick()).toBe(0); // lease still held
        await sleep(1600);
        expect(await scheduler.tick()).toBe(1);
        await short.get<SyncService>(SyncService).idle();
        const all = await ctx.runs(org, id, short);
        expect({ ...all[0], stats: [] }).toMatchObject({
          trigger: 'schedule',
          status: 'SUCCEEDED',
          error: null,
        });
        const abandoned = all.find((r) => r.status === 'ABANDONED');
        expect(abandoned?.error?.code).toBe('ABANDONED');
        const audit = await short.gql<{
          auditLog: { edges: { node: { details: { runId: string; code: string } } }[] };
        }>(org.adminToken, '{ auditLog(filter: { action: SYNC_FAILURE }) { edges { node { details } } } }');
        expect(audit.data?.auditLog.edges.map((e) => e.node.details)).toEqual([
          expect.objectContaining({ runId: abandoned?.id, code: 'ABANDONED' }),
        ]);
        expect((await ctx.current(org, 'okta.user_mfa')).length).toBe(ctx.sim.state.activeUsers().length);
      } finally {
        await short.app.close();
      }
    });
  });
});
