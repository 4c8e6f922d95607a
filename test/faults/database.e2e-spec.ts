import { setTimeout as sleep } from 'node:timers/promises';
import { FaultCase } from '../support/faults/fault-case';
import { type AppProcess, FaultWorld } from '../support/faults/fault-world';
import { lossProblems, syncNow, validAt, waitForRun } from '../support/faults/invariants';
import { isWrite } from '../support/faults/mongo-wire-proxy';
import { CASE_MS, faultBinaries, skipNotice, SYNC_MS, waitFor } from '../support/faults/processes';

const binaries = faultBinaries();
if ('missing' in binaries) console.warn(skipNotice(binaries.missing));

const USERS = 300;
const LEASE_MS = 10_000;
jest.setTimeout(CASE_MS);

('missing' in binaries ? describe.skip : describe)(
  'fault: the database is killed or stalled mid-sync',
  () => {
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

    /** Arms the proxy: at the n-th write to `evidence` from now, `act` runs; resolves once it has. */
    function atEvidenceWrite(n: number, act: () => Promise<'forward' | 'drop'>): Promise<void> {
      let seen = 0;
      return new Promise((resolve) => {
        world.proxy.interceptor = async (command) => {
          if (!isWrite(command, 'evidence')) return 'forward';
          seen += 1;
          if (seen !== n) return 'forward';
          world.proxy.interceptor = undefined;
          const verdict = await act();
          resolve();
          return verdict;
        };
      });
    }

    it('kill -9 while a page of the first sync is being written: the run ends honestly, the next sync completes the evidence', async () => {
      const c = new FaultCase(world, 'db-kill-first-sync');
      try {
        // The first sync's second evidence write reaches FerretDB, which is killed while it applies it.
        const killed = atEvidenceWrite(2, () => {
          setTimeout(() => void world.ferret.process.kill(), 20);
          return Promise.resolve('forward');
        });
        await c.connect(app);
        await killed;
        await waitFor('FerretDB to die', () => (world.ferret.process.running ? undefined : true), 10_000);
        c.step('FerretDB killed mid-write');
        await world.ferret.start();
        c.step('FerretDB restarted');

        const first = await waitForRun(app, c.org, c.connectionId, 'the first run', (l) => l.at(-1), 30_000);
        await c.settle(app, first.id, 'the run the kill hit', SYNC_MS);
        await c.recover(app);
      } finally {
        world.proxy.interceptor = undefined;
        await c.retire(app);
      }
      expect(c.report()).toEqual([]);
    });

    it('kill -9 between the two writes of a changed-users page: no user loses current evidence, then or as of then', async () => {
      const c = new FaultCase(world, 'db-kill-mid-close');
      try {
        await c.connectAndSync(app);
        const before = await c.currentUsers();
        await world.sim.control('POST /change-factors', { ratio: 0.3 });

        // The page's first write reaches FerretDB; the second never does: FerretDB dies in between.
        const killed = atEvidenceWrite(2, async () => {
          await world.ferret.process.kill();
          return 'drop';
        });
        const runId = await syncNow(app, c.org, c.connectionId);
        await killed;
        c.step('FerretDB killed between two writes');
        await world.ferret.start();
        c.step('FerretDB restarted');
        const gap = new Date();
        await c.checkNoLoss(before, 'right after the kill');

        await c.settle(app, runId, 'the run the kill hit', SYNC_MS);
        await c.recover(app);
        // What an `asOf` query of the moment after the crash shows, once everything has healed.
        c.note(lossProblems(before, await validAt(world, c.connectionId, gap), 'as of the crash'), 'asOf');
      } finally {
        world.proxy.interceptor = undefined;
        await c.retire(app);
      }
      expect(c.report()).toEqual([]);
    });

    it('SIGSTOP for longer than a lease mid-sync, then SIGCONT: readiness says so, the run ends, evidence exact', async () => {
      const c = new FaultCase(world, 'db-stall');
      try {
        await c.connectAndSync(app);
        await world.sim.control('POST /change-factors', { ratio: 0.1 });
        const stalled = atEvidenceWrite(1, () => {
          world.ferret.pause();
          return Promise.resolve('forward');
        });
        const runId = await syncNow(app, c.org, c.connectionId);
        await stalled;
        const stalledAt = Date.now();
        c.step('FerretDB stopped (SIGSTOP)');
        const ready = await fetch(`${app.url}/health/ready`, { signal: AbortSignal.timeout(10_000) }).then(
          (r) => r.status,
          (error: unknown) => `no answer within 10 s (${String(error)})`,
        );
        if (ready === 200)
          c.problems.push('stall: /health/ready answered 200 while the database was stopped');
        if (typeof ready === 'string') c.problems.push(`stall: /health/ready gave ${ready}`);
        // The fault itself: the database stays stopped for longer than a lease.
        await sleep(Math.max(0, LEASE_MS + 2_000 - (Date.now() - stalledAt)));
        world.ferret.resume();
        c.step('FerretDB continued (SIGCONT)');

        const ended = await c.finish(app, runId, SYNC_MS, 'the stalled run');
        if (ended !== undefined && ended.status !== 'SUCCEEDED')
          await c.checkFaultedRun(app, ended, 'the stall');
        await c.recover(app);
      } finally {
        world.proxy.interceptor = undefined;
        world.ferret.resume();
        await c.retire(app);
      }
      expect(c.report()).toEqual([]);
    });
  },
);
