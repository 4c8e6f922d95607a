import { Types } from 'mongoose';
import { type AppProcess, type FaultWorld, type Org } from './fault-world';
import { SYNC_MS, waitFor } from './processes';
import {
  connection,
  currentRows,
  evidenceProblems,
  faultedRunProblems,
  lossProblems,
  recoveredProblems,
  runs,
  type RunView,
  settledCoverageProblems,
  syncNow,
  waitForFinish,
  waitForRun,
} from './invariants';

/**
 * One fault case's bookkeeping: a fresh organization with its own Okta connection, and the list of
 * invariant violations found along the way (a case keeps going after a violation, so that its report
 * names every broken promise, not only the first).
 */
export class FaultCase {
  readonly problems: string[] = [];
  /** What happened when (seconds since the case began), printed with the verdict. */
  readonly timeline: string[] = [];
  private readonly began = Date.now();
  org!: Org;
  connectionId = '';

  constructor(
    readonly world: FaultWorld,
    readonly name: string,
  ) {}

  /** A new organization (CLI), lenient check settings, an Okta connection through PKCE. */
  async connect(app: AppProcess): Promise<void> {
    this.org = await this.world.createOrg(this.name);
    await this.world.lenientChecks(app, this.org);
    this.connectionId = await this.world.connect(app, this.org);
  }

  /** Connects and waits for the first sync to succeed with exact evidence (a precondition, not a finding). */
  async connectAndSync(app: AppProcess, timeoutMs = SYNC_MS): Promise<RunView> {
    await this.connect(app);
    this.step('connected');
    const first = await waitForRun(
      app,
      this.org,
      this.connectionId,
      'the first sync to finish',
      (list) => list.find((r) => r.status !== 'RUNNING'),
      timeoutMs,
    );
    const precondition = [
      ...(first.status === 'SUCCEEDED' ? [] : [`first sync ${first.status} ${JSON.stringify(first.error)}`]),
      ...evidenceProblems(
        await currentRows(this.world, this.connectionId),
        await this.world.sim.activeUsers(),
      ),
    ];
    if (precondition.length > 0)
      throw new Error(`precondition failed (clean first sync): ${precondition.join('; ')}`);
    this.step(`first sync ${first.status}`);
    return first;
  }

  step(what: string): void {
    this.timeline.push(`${((Date.now() - this.began) / 1000).toFixed(1)}s ${what}`);
  }

  note(problems: readonly string[], phase: string): void {
    for (const p of problems) this.problems.push(`${phase}: ${p}`);
  }

  /** Runs `step`; a failure (e.g. a timeout) is recorded as a problem of `phase` and yields undefined. */
  async attempt<T>(phase: string, step: () => Promise<T>): Promise<T | undefined> {
    try {
      return await step();
    } catch (error) {
      this.problems.push(
        `${phase}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
      );
      return undefined;
    }
  }

  /** Waits for run `id` to end (recording a timeout as a problem); returns it. */
  async finish(app: AppProcess, id: string, timeoutMs: number, phase: string): Promise<RunView | undefined> {
    const run = await this.attempt(phase, () =>
      waitForFinish(app, this.org, this.connectionId, id, timeoutMs),
    );
    this.step(
      `${phase}: ${run === undefined ? 'still RUNNING' : `${run.status}${run.error ? ` ${run.error.code}` : ''}`}`,
    );
    return run;
  }

  /**
   * The run a fault hit is honest: ended PARTIAL/FAILED with a code, unless it really collected everything
   * (then its evidence must be exact); coverage does not say COVERED for what it did not complete.
   */
  async checkFaultedRun(app: AppProcess, run: RunView, what: string): Promise<void> {
    if (run.status === 'SUCCEEDED') {
      this.note(
        evidenceProblems(
          await currentRows(this.world, this.connectionId),
          await this.world.sim.activeUsers(),
        ),
        `${what} (the run says SUCCEEDED)`,
      );
    } else {
      this.note(faultedRunProblems(run, what), what);
    }
    const latest = (await runs(app, this.org, this.connectionId)).find((r) => r.status !== 'RUNNING');
    this.note(await settledCoverageProblems(app, this.org, latest), `coverage after ${what}`);
  }

  /** The users with current evidence now (to compare with after a fault). */
  async currentUsers(): Promise<Set<string>> {
    return new Set((await currentRows(this.world, this.connectionId)).map((r) => r.sourceId));
  }

  /** No user that had current evidence `before` lacks it now. */
  async checkNoLoss(before: ReadonlySet<string>, when: string): Promise<void> {
    this.note(lossProblems(before, await this.currentUsers(), when), 'evidence');
  }

  /** Waits for the run a fault hit to end (within `withinMs`) and checks that it ended honestly. */
  async settle(app: AppProcess, runId: string, what: string, withinMs: number): Promise<RunView | undefined> {
    const ended = await this.finish(app, runId, withinMs, what);
    if (ended !== undefined) await this.checkFaultedRun(app, ended, what);
    return ended;
  }

  /**
   * Clears the simulator's faults; unless the latest run already succeeded, syncs again (as an admin
   * would); then checks every invariant: exact evidence, honest runs, complete audit, truthful coverage.
   */
  async recover(app: AppProcess, label = 'recovery', withinMs = SYNC_MS): Promise<void> {
    await this.world.sim.reset();
    const latest = (await runs(app, this.org, this.connectionId))[0];
    if (latest?.status !== 'SUCCEEDED') {
      const id = await this.attempt(`${label} sync`, () => syncNow(app, this.org, this.connectionId));
      if (id !== undefined && id === latest?.id && latest.status === 'RUNNING') {
        this.problems.push(`${label}: not possible, run ${id} is still RUNNING and holds the connection`);
        return;
      }
      if (id !== undefined) await this.finish(app, id, withinMs, `${label} sync`);
    }
    this.note(await recoveredProblems(this.world, app, this.org, this.connectionId), `after ${label}`);
  }

  async connection(app: AppProcess): Promise<Awaited<ReturnType<typeof connection>>> {
    return connection(app, this.org, this.connectionId);
  }

  /**
   * Ends the case's footprint: revokes the connection (it never syncs again while later cases run), waits
   * briefly for a run still going to end, then removes the connection's evidence rows, so that the next
   * case's syncs on the shared FerretDB scan no more rows than a single organization would have.
   */
  async retire(app: AppProcess): Promise<void> {
    if (this.connectionId === '') return;
    await app
      .gql(
        this.org.token,
        'mutation($input: ConnectionIdInput!) { revokeConnection(input: $input) { id } }',
        {
          input: { connectionId: this.connectionId },
        },
      )
      .catch(() => undefined);
    await waitFor(
      'the case to leave no sync running',
      async () =>
        (await runs(app, this.org, this.connectionId)).some((r) => r.status === 'RUNNING') ? undefined : true,
      20_000,
      500,
    ).catch(() => undefined);
    const db = await this.world.mongo();
    await db
      .collection('evidence')
      .deleteMany({ connectionId: new Types.ObjectId(this.connectionId) })
      .catch(() => undefined);
  }

  /** Prints the case's timeline and findings (one block per case in the test output); returns the findings. */
  report(): string[] {
    this.step('done');
    const findings = this.problems.length === 0 ? 'all invariants held' : this.problems.join('\n  ! ');
    console.log(`[fault case] ${this.name}: ${this.timeline.join(' | ')}\n  ! ${findings}`);
    return this.problems;
  }
}
