import { type BundleFigures } from './bundle';
import { type LatencyFigures } from './latency';
import { type RunFigures, type RunKind } from './measure';
import { type RateLimitedFigures } from './rate-limited';

export interface BenchResult {
  readonly machine: { cpus: number; memoryGb: number; loadAverageStart: number[]; loadAverageEnd: number[] };
  readonly runs: RunFigures[];
  readonly rateLimited: RateLimitedFigures | undefined;
  readonly latency: LatencyFigures | undefined;
  readonly bundle: BundleFigures[] | undefined;
}

export interface Verdict {
  readonly target: string;
  readonly measured: string;
  /** Undefined when the bench did not measure it (size not run, section skipped). */
  readonly met: boolean | undefined;
}

const COLUMNS: [string, number][] = [
  ['users', 7],
  ['run', 16],
  ['status', 10],
  ['sync s', 8],
  ['+refresh s', 11],
  ['users/s', 8],
  ['API calls', 10],
  ['DB cmds', 8],
  ['docs read', 10],
  ['docs written', 13],
  ['app CPU s', 10],
  ['DB CPU s', 9],
  ['sim CPU s', 10],
  ['app RSS MB', 11],
];

export function renderReport(result: BenchResult): string {
  const lines = [header(result)];
  // `--users none` measures no sync.
  if (result.runs.length > 0) {
    lines.push('', row(COLUMNS.map(([name]) => name)), ...result.runs.map(runRow));
    lines.push('', 'DB commands by kind (command:collection), per run:');
    for (const run of result.runs) lines.push(`  ${run.users} ${run.kind}: ${topCommands(run)}`);
  }
  const problems = result.runs.filter((r) => r.error !== undefined || r.refreshError !== undefined);
  if (problems.length > 0) lines.push('', 'Errors:');
  for (const run of problems)
    lines.push(`  ${run.users} ${run.kind}: run ${run.error ?? 'ok'}; refresh ${run.refreshError ?? 'ok'}`);
  if (result.rateLimited !== undefined) lines.push('', ...rateLimitedLines(result.rateLimited));
  if (result.latency !== undefined) lines.push('', ...latencyLines(result.latency));
  if (result.bundle !== undefined) lines.push('', ...bundleLines(result.bundle));
  lines.push('', 'Targets (issue 10):', ...verdicts(result).map(verdictLine));
  return `${lines.join('\n')}\n`;
}

function header(result: BenchResult): string {
  const { cpus, memoryGb, loadAverageStart, loadAverageEnd } = result.machine;
  const load = (l: number[]): string => l.map((n) => n.toFixed(2)).join(' ');
  return (
    `Okta sync benchmark: ${cpus} CPUs, ${memoryGb.toFixed(0)} GB; load average at start ${load(loadAverageStart)}, ` +
    `at end ${load(loadAverageEnd)}. "+refresh s" is the run's start to the stored coverage and checks refresh.`
  );
}

function row(cells: string[]): string {
  return cells.map((cell, i) => cell.padStart(COLUMNS[i]?.[1] ?? 8)).join(' ');
}

function runRow(run: RunFigures): string {
  return row([
    String(run.users),
    run.kind,
    run.status,
    run.syncSeconds.toFixed(1),
    fixed(run.syncAndRefreshSeconds, 1),
    run.usersPerSecond.toFixed(0),
    String(run.apiCalls),
    String(run.db.totalCommands),
    String(run.db.documentsRead),
    String(run.db.documentsWritten),
    fixed(run.appCpuSeconds, 1),
    fixed(run.dbCpuSeconds, 1),
    fixed(run.simCpuSeconds, 1),
    fixed(run.appPeakRssMb, 0),
  ]);
}

function topCommands(run: RunFigures): string {
  return topOf(run.db.commands, 8);
}

function rateLimitedLines(rl: RateLimitedFigures): string[] {
  const { run } = rl;
  return [
    `Rate-limited first sync, ${run.users} users, Okta's per-minute limits per ${rl.windowMs / 1000} s window: ` +
      `${run.status} in ${run.syncSeconds.toFixed(1)} s, ${run.apiCalls} API calls, ${run.http429} × 429`,
    ...Object.entries(rl.buckets).map(
      ([bucket, use]) =>
        `  ${bucket.padEnd(8)} ${String(use.calls).padStart(7)} calls of ${use.allowed.toFixed(0).padStart(7)} allowed: ` +
        `${percent(use.utilisation)} (by rate ${percent(use.rateUtilisation)})${bucket === rl.binding ? '  (binding)' : ''}`,
    ),
  ];
}

function latencyLines(latency: LatencyFigures): string[] {
  return [
    `Query latency, ${latency.evidenceRows} evidence rows over ${latency.organizations} organizations ` +
      `(${latency.seededRows} seeded in ${latency.seedSeconds.toFixed(0)} s), up to ${latency.samples} requests each:`,
    ...Object.entries(latency.queries).map(
      ([query, q]) =>
        `  ${query.padEnd(9)} p50 ${q.p50Ms.toFixed(1)} ms, p95 ${q.p95Ms.toFixed(1)} ms over ${q.samples} requests` +
        `${q.failed > 0 ? ` (${q.failed} failed: ${q.firstError ?? ''})` : ''}; DB CPU ${fixed(q.dbCpuMsPerRequest, 1)} ms ` +
        `a request; DB commands a request: ${Object.entries(q.commandsPerRequest)
          .map(([kind, n]) => `${kind} ${n.toFixed(1)}`)
          .join(', ')}`,
    ),
  ];
}

const BUNDLE_COLUMNS: [string, number][] = [
  ['users', 7],
  ['user_mfa rows', 14],
  ['status', 7],
  ['export s', 9],
  ['rows', 8],
  ['MB', 7],
  ['app CPU s', 10],
  ['DB CPU s', 9],
  ['RSS before', 11],
  ['RSS peak', 9],
  ['growth', 7],
  ['download', 9],
  ['lines', 8],
  ['check', 6],
];

/** The auditor bundle section: one line per size, then how the RSS growth scales with the users. */
function bundleLines(sizes: BundleFigures[]): string[] {
  const cells = (values: string[]): string =>
    values.map((cell, i) => cell.padStart(BUNDLE_COLUMNS[i]?.[1] ?? 8)).join(' ');
  const lines = [
    "Auditor bundle export (the app's RSS in MB, sampled every 100 ms: before the export, its peak during it, " +
      'and the growth; "download" in s; "lines" of evidence/okta.user_mfa.jsonl in the downloaded ZIP):',
    cells(BUNDLE_COLUMNS.map(([name]) => name)),
    ...sizes.map((b) =>
      cells([
        String(b.users),
        String(b.userMfaRows),
        b.status,
        b.exportSeconds.toFixed(1),
        String(b.rows),
        (b.bytes / 2 ** 20).toFixed(1),
        fixed(b.appCpuSeconds, 1),
        fixed(b.dbCpuSeconds, 1),
        fixed(b.baselineRssMb, 0),
        fixed(b.peakRssMb, 0),
        fixed(b.rssGrowthMb, 0),
        fixed(b.download?.seconds, 1),
        b.download?.userMfaLines === undefined ? '-' : String(b.download.userMfaLines),
        bundleCheck(b),
      ]),
    ),
  ];
  const nodeOptions = sizes.find((s) => s.nodeOptions !== undefined)?.nodeOptions;
  if (nodeOptions !== undefined)
    lines.push(`  The exporting app process ran with NODE_OPTIONS="${nodeOptions}".`);
  for (const b of sizes.filter((s) => s.error !== undefined)) lines.push(`  ${b.users}: ${b.error ?? ''}`);
  for (const b of sizes)
    lines.push(
      `  ${b.users}: heap used ${fixed(b.baselineHeap?.heapUsedMb, 0)} → ${fixed(b.peakHeap?.heapUsedMb, 0)} MB, ` +
        `heap total ${fixed(b.baselineHeap?.heapTotalMb, 0)} → ${fixed(b.peakHeap?.heapTotalMb, 0)} MB, ` +
        `external ${fixed(b.baselineHeap?.externalMb, 0)} → ${fixed(b.peakHeap?.externalMb, 0)} MB (polled every 0.5 s); ` +
        `VmHWM ${fixed(b.highWaterRssMb, 0)} MB over the process's life, download peak ` +
        `${fixed(b.downloadPeakRssMb, 0)} MB; DB commands: ${topOf(b.db.commands)}`,
    );
  const [small, large] = [sizes.at(0), sizes.at(-1)];
  if (small !== undefined && large !== undefined && small !== large)
    lines.push(
      `  From ${small.users} to ${large.users} users (${(large.userMfaRows / small.userMfaRows).toFixed(1)} × the rows): ` +
        `RSS growth ${fixed(ratio(large.rssGrowthMb, small.rssGrowthMb), 2)} ×, peak RSS ` +
        `${fixed(ratio(large.peakRssMb, small.peakRssMb), 2)} ×, export time ` +
        `${fixed(ratio(large.exportSeconds, small.exportSeconds), 1)} ×`,
    );
  return lines;
}

/** ok: the download has the reported size and SHA-256, every entry reads, and one line per row. */
function bundleCheck(b: BundleFigures): string {
  const d = b.download;
  if (d === undefined) return '-';
  return d.bytesMatch && d.sha256Match && d.userMfaLines === b.userMfaRows ? 'ok' : 'FAIL';
}

function topOf(commands: Record<string, number>, n = 6): string {
  return Object.entries(commands)
    .sort(([, a], [, b]) => b - a)
    .slice(0, n)
    .map(([kind, n]) => `${kind} ${n}`)
    .join(', ');
}

/** Each target of the issue against what this bench measured. */
export function verdicts(result: BenchResult): Verdict[] {
  const find = (users: number, kind: RunKind): RunFigures | undefined =>
    result.runs.find((r) => r.users === users && r.kind === kind);
  const first10k = find(10_000, 'first');
  const unchanged10k = find(10_000, 'unchanged');
  const unchanged100k = find(100_000, 'unchanged');
  const first100k = find(100_000, 'first');
  const naive10k = find(10_000, 'naive');
  const runs100k = result.runs.filter((r) => r.users === 100_000 && r.kind !== 'naive');
  return [
    limit('unchanged hourly 10k incl. refresh ≤ 15 s', unchanged10k?.syncAndRefreshSeconds, 15, 's'),
    limit(
      'unchanged hourly 10k incl. refresh ≤ 25 % of the first sync',
      ratio(unchanged10k?.syncAndRefreshSeconds, first10k?.syncAndRefreshSeconds),
      0.25,
      '×',
    ),
    atLeast('first sync 10k ≥ 500 users/s', first10k?.usersPerSecond, 500, 'users/s', dbShare(first10k)),
    completes100k(runs100k),
    limit('unchanged hourly 100k incl. refresh ≤ 150 s', unchanged100k?.syncAndRefreshSeconds, 150, 's'),
    limit(
      'unchanged hourly: time at 100k / time at 10k ≤ 12',
      ratio(unchanged100k?.syncAndRefreshSeconds, unchanged10k?.syncAndRefreshSeconds),
      12,
      '×',
    ),
    limit(
      'first sync: time at 100k / time at 10k ≤ 12',
      ratio(first100k?.syncAndRefreshSeconds, first10k?.syncAndRefreshSeconds),
      12,
      '×',
    ),
    limit('app peak RSS at 100k ≤ 300 MB', maxOf(runs100k.map((r) => r.appPeakRssMb)), 300, 'MB'),
    atLeast(
      'naive / ours API calls, unchanged hourly 10k ≥ 50×',
      ratio(naive10k?.apiCalls, unchanged10k?.apiCalls),
      50,
      '×',
    ),
    ...rateLimitedVerdicts(result.rateLimited),
    ...latencyVerdicts(result.latency),
  ];
}

function completes100k(runs: RunFigures[]): Verdict {
  const target = '100k: the first sync and three hourly syncs complete';
  if (runs.length === 0) return { target, measured: 'not measured', met: undefined };
  const done = runs.filter((r) => r.status === 'SUCCEEDED').length;
  const statuses = runs.map((r) => `${r.kind} ${r.status}`).join(', ');
  return { target, measured: `${done} of ${runs.length} succeeded (${statuses})`, met: done === 4 };
}

function rateLimitedVerdicts(rl: RateLimitedFigures | undefined): Verdict[] {
  return [
    atLeast(
      `rate-limited full sync ≥ 90 % of the bound${rl === undefined ? '' : ` (${rl.run.users} users, ${rl.binding} bucket)`}`,
      rl === undefined ? undefined : rl.utilisation * 100,
      90,
      '%',
    ),
    limit('rate-limited full sync: zero 429s', rl?.run.http429, 0, '× 429'),
  ];
}

function latencyVerdicts(latency: LatencyFigures | undefined): Verdict[] {
  return (['coverage', 'checks', 'evidence'] as const).map((query) => {
    const q = latency?.queries[query];
    const verdict = limit(`${query} p95 ≤ 50 ms with 1M rows`, q?.p95Ms, 50, 'ms');
    return q === undefined || q.failed === 0
      ? verdict
      : { ...verdict, measured: `${verdict.measured}; ${q.failed} of ${q.samples} failed`, met: false };
  });
}

function limit(target: string, value: number | undefined, max: number, unit: string): Verdict {
  if (value === undefined || Number.isNaN(value)) return { target, measured: 'not measured', met: undefined };
  return {
    target,
    measured: `${value.toFixed(2)} ${unit}${max === 0 ? '' : ` (${(value / max).toFixed(2)} of the bound)`}`,
    met: value <= max,
  };
}

function atLeast(target: string, value: number | undefined, min: number, unit: string, note = ''): Verdict {
  if (value === undefined || Number.isNaN(value)) return { target, measured: 'not measured', met: undefined };
  return {
    target,
    measured: `${value.toFixed(1)} ${unit} (${(value / min).toFixed(2)} of the target)${note}`,
    met: value >= min,
  };
}

function verdictLine(v: Verdict): string {
  const mark = v.met === undefined ? 'n/a ' : v.met ? 'OK  ' : 'MISS';
  return `  ${mark} ${v.target}: ${v.measured}`;
}

/** The database server's share of the CPU the run cost (app + database + simulator). */
function dbShare(run: RunFigures | undefined): string {
  if (run?.dbCpuSeconds === undefined || run.appCpuSeconds === undefined)
    return '; DB CPU share not measured';
  const total = run.dbCpuSeconds + run.appCpuSeconds + (run.simCpuSeconds ?? 0);
  return `; DB CPU share ${percent(run.dbCpuSeconds / total)} (DB ${run.dbCpuSeconds.toFixed(1)} s, app ${run.appCpuSeconds.toFixed(1)} s)`;
}

function ratio(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined || b === 0 ? undefined : a / b;
}

function maxOf(values: (number | undefined)[]): number | undefined {
  const known = values.filter((v): v is number => v !== undefined);
  return known.length === 0 ? undefined : Math.max(...known);
}

function fixed(value: number | undefined, digits: number): string {
  return value === undefined ? '-' : value.toFixed(digits);
}

function percent(share: number): string {
  return `${(share * 100).toFixed(1)} %`;
}
