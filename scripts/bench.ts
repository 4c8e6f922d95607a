/**
 * `npm run bench`: the sync at scale, as production runs it — the app (`node dist/main.js`) and the Okta
 * simulator each in a process of their own, against the MongoDB-compatible server at MONGO_URL (CI's
 * FerretDB) and a KMS (local-kms). Figures and ratios against issue 10's targets; nothing is asserted.
 *
 *   npm run bench -- [--users 1000,10000] [--naive-users 10000] [--rate-limited] [--rate-limited-users 10000]
 *                    [--rate-window-ms 6000] [--latency] [--latency-rows 1000000] [--run-wait-minutes 30]
 *                    [--app-node-options "--max-old-space-size=160"] [--bundle] [--bundle-users 10000,100000]
 *                    [--bundle-node-options "--max-old-space-size=100"]
 *                    [--full]
 *
 * `--full` is `--users 1000,10000,100000 --rate-limited --latency --bundle`; `--users none` runs no sync
 * size (the other sections only). See docs/BENCHMARKS.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { type BundleFigures, measureBundle } from './bench/bundle';
import { type LatencyFigures, measureLatency } from './bench/latency';
import { measureRun, type RunFigures, type RunKind } from './bench/measure';
import { measureRateLimited, type RateLimitedFigures } from './bench/rate-limited';
import { type BenchResult, renderReport, verdicts } from './bench/report';
import { BenchOrg, type BenchSetup, benchSetup } from './bench/world';

interface Options {
  readonly sizes: number[];
  /** The size at which a naive N+1 hourly sync (every user's factors, every hour) is measured too. */
  readonly naiveUsers: number;
  readonly rateLimitedUsers: number | undefined;
  readonly rateWindowMs: number;
  /** Evidence rows in the database for the latency section (the figure is 1,000,000). */
  readonly latencyRows: number | undefined;
  /** The bench's wait for one run; the app's own run deadline is 30 minutes. */
  readonly runWaitMinutes: number;
  /** `NODE_OPTIONS` for the app process (a heap limit, for RSS with a bounded heap). */
  readonly appNodeOptions: string | undefined;
  /** User counts of the auditor bundle section (`--bundle`); undefined skips it. */
  readonly bundleUsers: number[] | undefined;
  /** `NODE_OPTIONS` for the app process that exports the bundle only (its heap limit, say). */
  readonly bundleNodeOptions: string | undefined;
}

const LATENCY = { organizations: 100, samples: 50 };

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function has(name: string): boolean {
  return process.argv.includes(`--${name}`);
}

function parseOptions(): Options {
  const full = has('full');
  const sizes = counts('users', full ? '1000,10000,100000' : '1000,10000');
  const bundle = full || has('bundle');
  return {
    sizes,
    naiveUsers: Number(option('naive-users') ?? 10_000),
    rateLimitedUsers:
      full || has('rate-limited') ? Number(option('rate-limited-users') ?? 10_000) : undefined,
    rateWindowMs: Number(option('rate-window-ms') ?? 6000),
    runWaitMinutes: Number(option('run-wait-minutes') ?? 30),
    appNodeOptions: option('app-node-options'),
    latencyRows: full || has('latency') ? Number(option('latency-rows') ?? 1_000_000) : undefined,
    bundleUsers: bundle ? counts('bundle-users', '10000,100000') : undefined,
    bundleNodeOptions: option('bundle-node-options') ?? option('app-node-options'),
  };
}

/** A comma-separated list of user counts, or `none`. */
function counts(name: string, fallback: string): number[] {
  const given = option(name) ?? fallback;
  if (given === 'none') return [];
  const values = given.split(',').map(Number);
  if (values.some((n) => !Number.isInteger(n) || n < 1))
    throw new Error(`--${name}: comma-separated user counts, or none`);
  return values;
}

/**
 * One size: a first sync (the connect callback starts it), an unchanged hourly sync, one after 1 % of the
 * users enrolled a factor, and an unchanged one again; then, at the naive size, the same hourly sync on an
 * app that sweeps every user's factors every run; then, for the last size, the query latency section on an
 * API-role app. A run the bench stopped waiting for ends the size's runs (stopping the app stops it).
 */
async function measureSize(
  setup: BenchSetup,
  users: number,
  options: Options,
  withLatency: boolean,
): Promise<{ runs: RunFigures[]; latency: LatencyFigures | undefined }> {
  const org = await BenchOrg.start(setup, `users-${users}`, users);
  try {
    const steps: { kind: RunKind; start: () => Promise<string> }[] = [
      { kind: 'first', start: () => org.connect() },
      { kind: 'unchanged', start: () => org.syncNow() },
      { kind: 'changed', start: () => changeFactors(org).then(() => org.syncNow()) },
      { kind: 'unchanged-again', start: () => org.syncNow() },
    ];
    const runs: RunFigures[] = [];
    for (const step of steps) {
      runs.push(await measureRun(org, step.kind, step.start));
      if (runs.at(-1)?.status === 'RUNNING') break;
    }
    if (runs.at(-1)?.status !== 'RUNNING' && users === options.naiveUsers) {
      await org.restartApp(`app-${users}-naive`, { FACTOR_SWEEP_INTERVAL_MS: '0' });
      runs.push(await measureRun(org, 'naive', () => org.syncNow()));
    }
    if (!withLatency || options.latencyRows === undefined) return { runs, latency: undefined };
    // Queries alone: an API-role instance starts no sync (not even one a stopped run left due at once).
    await org.restartApp(`app-${users}-api`, { ROLE: 'api' });
    return { runs, latency: await measureLatency(org, { ...LATENCY, rows: options.latencyRows }) };
  } finally {
    await org.close();
  }
}

/** 1 % of the active users enroll one more factor (and Okta logs it). */
async function changeFactors(org: BenchOrg): Promise<void> {
  await org.sim.control('POST /change-factors', { ratio: 0.01 });
}

async function main(): Promise<void> {
  const options = parseOptions();
  const workDir = mkdtempSync(join(tmpdir(), 'okta-evidence-bench-'));
  const setup = benchSetup(workDir, options.runWaitMinutes * 60_000, options.appNodeOptions);
  process.stderr.write(`bench: process logs in ${workDir} (removed after a successful run)\n`);
  if (setup.dbPid === undefined)
    process.stderr.write('bench: the database server process is not visible; no DB CPU\n');
  const loadAverageStart = loadavg();
  let rateLimited: RateLimitedFigures | undefined;
  // First, because it is short and independent of the sizes: a slow large size must not cost it.
  if (options.rateLimitedUsers !== undefined)
    rateLimited = await measureRateLimited(setup, options.rateLimitedUsers, options.rateWindowMs);
  // Independent of the sizes too, and a large size's slow syncs must not cost it either.
  let bundle: BundleFigures[] | undefined;
  if (options.bundleUsers !== undefined) {
    bundle = [];
    for (const users of options.bundleUsers)
      bundle.push(await measureBundle(setup, users, options.bundleNodeOptions));
  }
  const runs: RunFigures[] = [];
  let latency: LatencyFigures | undefined;
  for (const [i, users] of options.sizes.entries()) {
    const size = await measureSize(setup, users, options, i === options.sizes.length - 1);
    runs.push(...size.runs);
    latency = size.latency ?? latency;
  }
  const result: BenchResult = {
    machine: {
      cpus: cpus().length,
      memoryGb: totalmem() / 2 ** 30,
      loadAverageStart,
      loadAverageEnd: loadavg(),
    },
    runs,
    rateLimited,
    latency,
    bundle,
  };
  process.stdout.write(renderReport(result));
  process.stdout.write(`BENCH_JSON ${JSON.stringify({ ...result, verdicts: verdicts(result) })}\n`);
  rmSync(workDir, { recursive: true, force: true });
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
