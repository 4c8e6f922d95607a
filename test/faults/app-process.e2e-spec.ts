import { Types } from 'mongoose';
import { FaultCase } from '../support/faults/fault-case';
import { type AppProcess, FaultWorld } from '../support/faults/fault-world';
import { auditOf, runs, type RunView, syncNow, waitForRun } from '../support/faults/invariants';
import { CASE_MS, faultBinaries, skipNotice, SYNC_MS, waitFor, within } from '../support/faults/processes';

const binaries = faultBinaries();
if ('missing' in binaries) console.warn(skipNotice(binaries.missing));

const USERS = 300;
const LEASE_MS = 10_000;
/** "Within one lease period": the lease, two scheduler ticks and room for a busy machine. */
const TAKEOVER_MS = LEASE_MS + 2_000 + 12_000;
jest.setTimeout(CASE_MS);

('missing' in binaries ? describe.skip : describe)('fault: an application process dies mid-sync', () => {
  let world: FaultWorld;
  let app: AppProcess;

  beforeAll(async () => {
    if ('missing' in binaries) return;
    world = await FaultWorld.start(binaries, USERS);
    app = await world.startApp('app');
  }, 120_000);

  afterAll(async () => {
    await world?.close();
  });

  afterEach(async () => {
    await world?.sim.reset();
  });

  async function oktaCalls(): Promise<number> {
    return (await world.sim.control<{ requests: number }>('GET /stats')).requests;
  }

  async function afterOktaCalls(count: number): Promise<void> {
    const base = await oktaCalls();
    await waitFor(
      `the sync to make ${count} Okta calls`,
      async () => ((await oktaCalls()) >= base + count ? true : undefined),
      60_000,
      50,
    );
  }

  /** Slow Okta factors calls and a changed org, so that a sync lasts long enough to be interrupted. */
  async function slowChangedOrg(latencyMs: number): Promise<void> {
    await world.sim.control('POST /change-factors', { ratio: 0.1 });
    await world.sim.faults([{ kind: 'latency', path: '/factors$', count: 100_000, latencyMs }]);
  }

  /**
   * After the process that ran `orphanId` died: within one lease period the run is taken over (and then
   * completes) or ends ABANDONED/FAILED, audited as SYNC_FAILURE; in the second case the connection is due
   * again at once, so a new run starts by itself and completes.
   */
  async function expectTakeover(c: FaultCase, survivor: AppProcess, orphanId: string): Promise<void> {
    const orphan = await c.attempt('takeover', () =>
      waitForRun(
        survivor,
        c.org,
        c.connectionId,
        `run ${orphanId} to be taken over or ABANDONED within one lease period`,
        (list) => list.find((r) => r.id === orphanId && r.status !== 'RUNNING'),
        TAKEOVER_MS,
      ),
    );
    c.step(
      `orphaned run: ${orphan === undefined ? 'still RUNNING' : `${orphan.status} ${orphan.error?.code ?? ''}`}`,
    );
    if (orphan === undefined) return;
    if (orphan.status === 'SUCCEEDED') return; // taken over and completed: recover() checks the rest
    await c.checkFaultedRun(survivor, orphan, 'the process death');
    const audited = await c.attempt('audit of the orphaned run', () =>
      waitFor(
        'one SYNC_FAILURE audit entry for the orphaned run',
        async () => {
          const entries = (await auditOf(survivor, c.org, c.connectionId)).filter(
            (e) => e.action === 'SYNC_FAILURE' && e.details.runId === orphanId,
          );
          return entries.length === 1 ? entries : undefined;
        },
        10_000,
        1_000,
      ),
    );
    c.step(`orphaned run audited: ${audited === undefined ? 'no' : 'yes'}`);
    const next = await c.attempt('due again at once', () =>
      waitForRun(
        survivor,
        c.org,
        c.connectionId,
        'a new run to start by itself after the orphaned one',
        (list) => list.find((r: RunView) => r.id !== orphanId && r.startedAt > orphan.startedAt),
        TAKEOVER_MS,
      ),
    );
    c.step(`next run: ${next === undefined ? 'none started by itself' : `${next.trigger} ${next.id}`}`);
    if (next !== undefined) await c.finish(survivor, next.id, SYNC_MS, 'the next run');
  }

  it('SIGKILL mid-sync, then a restart: the run is taken over or ABANDONED and audited within a lease, and syncs again by itself', async () => {
    const c = new FaultCase(world, 'app-sigkill');
    try {
      await c.connectAndSync(app);
      const before = await c.currentUsers();
      await slowChangedOrg(500);
      const runId = await syncNow(app, c.org, c.connectionId);
      await afterOktaCalls(20);
      await app.process.kill();
      c.step('app killed (SIGKILL)');
      await c.checkNoLoss(before, 'right after the kill');
      await world.sim.reset();
      await app.start();
      c.step('app restarted');
      await expectTakeover(c, app, runId);
      await c.recover(app);
    } finally {
      if (!app.process.running) await app.start();
      await c.retire(app);
    }
    expect(c.report()).toEqual([]);
  });

  it('SIGTERM mid-sync: the process exits within its grace period and the run does not stay RUNNING; it syncs again', async () => {
    const c = new FaultCase(world, 'app-sigterm');
    try {
      await c.connectAndSync(app);
      const before = await c.currentUsers();
      // Slow enough that the run outlasts the 15 s shutdown grace period.
      await slowChangedOrg(3_000);
      const runId = await syncNow(app, c.org, c.connectionId);
      await afterOktaCalls(10);
      const began = Date.now();
      app.process.signal('SIGTERM');
      const exit = await within(app.process.exited, 30_000, 'still running after 30 s');
      c.step(`app ended ${String(exit)} ${((Date.now() - began) / 1000).toFixed(1)} s after SIGTERM`);
      if (exit !== 0)
        c.problems.push(`after SIGTERM the process ended with ${String(exit)}, not exit code 0`);
      await app.process.kill();
      await world.sim.reset();
      await c.checkNoLoss(before, 'after the shutdown');
      const left = await (
        await world.mongo()
      )
        .collection('connector_runs')
        .findOne({ _id: new Types.ObjectId(runId) }, { projection: { status: 1 } });
      c.step(`the run as the process left it: ${String(left?.status)}`);
      await app.start();
      c.step('app restarted');
      await expectTakeover(c, app, runId);
      await c.recover(app);
    } finally {
      if (!app.process.running) await app.start();
      await c.retire(app);
    }
    expect(c.report()).toEqual([]);
  });

  it(
    'two instances share the syncs and one is killed: the other takes its run over within a lease and completes both connections',
    async () => {
      const doomed = new FaultCase(world, 'app-two-instances-doomed');
      const own = new FaultCase(world, 'app-two-instances-own');
      const second = await world.app('app-b');
      try {
        await doomed.connectAndSync(app);
        await own.connectAndSync(app);
        const before = [await doomed.currentUsers(), await own.currentUsers()] as const;
        await second.start();
        await slowChangedOrg(500);
        // One run on the instance that dies, one on the instance that survives.
        const doomedRun = await syncNow(app, doomed.org, doomed.connectionId);
        const ownRun = await syncNow(second, own.org, own.connectionId);
        await afterOktaCalls(20);
        await app.process.kill();
        doomed.step('the first instance was killed (SIGKILL)');
        await doomed.checkNoLoss(before[0], 'right after the kill');
        await world.sim.reset();

        await Promise.all([
          expectTakeover(doomed, second, doomedRun),
          own.finish(second, ownRun, SYNC_MS, 'the run on the surviving instance').then(async (ended) => {
            if (ended !== undefined && ended.status !== 'SUCCEEDED')
              await own.checkFaultedRun(second, ended, 'the other instance dying');
          }),
        ]);
        await own.checkNoLoss(before[1], 'after the other instance died');
        await Promise.all([doomed.recover(second), own.recover(second)]);
        const list = await runs(second, doomed.org, doomed.connectionId);
        doomed.step(`its runs: ${list.map((r) => `${r.trigger}/${r.status}`).join(', ')}`);
      } finally {
        if (!app.process.running) await app.start();
        await doomed.retire(app);
        await own.retire(app);
        await second.process.stop(20_000);
      }
      expect([doomed, own].flatMap((c) => c.report().map((p) => `${c.name}: ${p}`))).toEqual([]);
    },
    1.5 * CASE_MS,
  );
});
