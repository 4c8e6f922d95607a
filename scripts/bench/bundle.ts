import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_DORMANT_DAYS } from '#src/modules/coverage/checks/check.types';
import { USER_MFA } from '#src/modules/connectors/okta/okta.definition';
import { downloadBundle } from './bundle-download';
import { seedUserMfa } from './bundle-seed';
import { measureRun } from './measure';
import { dbFiguresBetween, type DbFigures, type HeapSample, scrapeHeap } from './metrics';
import { peakRssMb, rssMb } from './proc';
import { BenchOrg, type BenchSetup, type Snapshot } from './world';

export interface BundleFigures {
  readonly users: number;
  /** `NODE_OPTIONS` of the exporting app process (undefined: none). */
  readonly nodeOptions: string | undefined;
  /** `okta.user_mfa` rows in the population: one per user, plus earlier versions closed in the period. */
  readonly userMfaRows: number;
  readonly seedSeconds: number;
  readonly status: string;
  readonly error: string | undefined;
  /** The export's own `createdAt` → `finishedAt`. */
  readonly exportSeconds: number;
  /** The export's `rows` (every type) and `bytes`. */
  readonly rows: number;
  readonly bytes: number;
  /** The app's RSS before the export (a fresh process, after one warm-up request) and its peak during it. */
  readonly baselineRssMb: number | undefined;
  readonly peakRssMb: number | undefined;
  readonly rssGrowthMb: number | undefined;
  /** VmHWM after the download: the process's peak over its life (start, export and download). */
  readonly highWaterRssMb: number | undefined;
  /** The app's peak RSS while it served the download. */
  readonly downloadPeakRssMb: number | undefined;
  /** The app's heap before the export, and the highest of each figure polled with the export's status. */
  readonly baselineHeap: HeapSample | undefined;
  readonly peakHeap: HeapSample | undefined;
  readonly appCpuSeconds: number | undefined;
  readonly dbCpuSeconds: number | undefined;
  readonly db: DbFigures;
  readonly download: BundleCheck | undefined;
}

export interface BundleCheck {
  readonly seconds: number;
  readonly bytes: number;
  readonly bytesMatch: boolean;
  readonly sha256Match: boolean;
  readonly entries: number;
  /** Lines of `evidence/okta.user_mfa.jsonl` in the downloaded archive. */
  readonly userMfaLines: number | undefined;
}

/** The real connection, runs, policies and deprovisioning events come from a small simulated org. */
const SIM_USERS = 100;
const RSS_SAMPLE_MS = 100;
const POLL_MS = 500;
const DAY_MS = 86_400_000;

interface ExportRecord {
  id: string;
  status: string;
  rows: number;
  bytes: number;
  sha256: string | null;
  error: string | null;
  downloadPath: string | null;
  createdAt: string;
  finishedAt: string | null;
}

const EXPORT_FIELDS = 'id status rows bytes sha256 error downloadPath createdAt finishedAt';

/**
 * One size of the auditor bundle: an organization made the normal way, connected to a simulator of
 * `SIM_USERS` users (two real syncs: the connection, runs, policies and deprovisioning events), then filled
 * up to `users` `okta.user_mfa` rows straight through the driver, and its checks recomputed. Then a fresh
 * app process (with `exportNodeOptions` as its `NODE_OPTIONS`, when given) exports an assessment over the past year while the bench samples its RSS, and the bundle is
 * downloaded once and read back.
 */
export async function measureBundle(
  setup: BenchSetup,
  users: number,
  exportNodeOptions: string | undefined,
): Promise<BundleFigures> {
  const org = await BenchOrg.start(setup, `bundle-${users}`, Math.min(SIM_USERS, users));
  try {
    await measureRun(org, 'first', () => org.connect());
    await measureRun(org, 'unchanged', () => org.syncNow());
    const runId = await firstRunId(org);
    const synced = await org.mongo
      .getClient()
      .db(org.dbName)
      .collection('evidence')
      .countDocuments({ type: USER_MFA });
    const started = performance.now();
    const seeded = await seedUserMfa(
      org,
      {
        organizationId: org.organizationId,
        connectionId: org.connectionId,
        runId,
        collectedAt: new Date(Date.now() - 60_000),
      },
      Math.max(0, users - synced),
    );
    const seedSeconds = (performance.now() - started) / 1000;
    process.stderr.write(
      `bench: bundle ${users}: seeded ${seeded.current} users (+${seeded.closed} closed versions) in ${seedSeconds.toFixed(0)} s\n`,
    );
    // The checks as a sync's refresh leaves them, over every row (a settings change recomputes them).
    await org.app.q(
      org.token,
      'mutation($input: UpdateCheckSettingsInput!) { updateCheckSettings(input: $input) { dormantDays } }',
      {
        input: { dormantDays: DEFAULT_DORMANT_DAYS },
      },
    );
    const assessmentId = await createAssessment(org);
    await org.restartApp(
      `app-bundle-${users}-export`,
      exportNodeOptions === undefined ? {} : { NODE_OPTIONS: exportNodeOptions },
    );
    return await measureExport(org, assessmentId, {
      users,
      nodeOptions: exportNodeOptions,
      userMfaRows: synced + seeded.current + seeded.closed,
      seedSeconds,
    });
  } finally {
    await org.close();
  }
}

async function measureExport(
  org: BenchOrg,
  assessmentId: string,
  size: Pick<BundleFigures, 'users' | 'nodeOptions' | 'userMfaRows' | 'seedSeconds'>,
): Promise<BundleFigures> {
  const pid = org.app.child.pid;
  // One request first, so that the baseline includes a warmed GraphQL path.
  await org.app.q(org.token, 'query($id: ID!) { assessment(id: $id) { id } }', { id: assessmentId });
  await sleep(2000);
  const baselineRssMb = rssMb(pid);
  const baselineHeap = await scrapeHeap(org.app.url, org.setup.metricsToken);
  const before = await org.snapshot();
  const sampler = new RssSampler(pid);
  try {
    return await exportAndCheck(org, assessmentId, size, {
      pid,
      baselineRssMb,
      baselineHeap,
      before,
      sampler,
    });
  } finally {
    sampler.stop();
  }
}

async function exportAndCheck(
  org: BenchOrg,
  assessmentId: string,
  size: Pick<BundleFigures, 'users' | 'nodeOptions' | 'userMfaRows' | 'seedSeconds'>,
  at: {
    pid: number | undefined;
    baselineRssMb: number | undefined;
    baselineHeap: HeapSample | undefined;
    before: Snapshot;
    sampler: RssSampler;
  },
): Promise<BundleFigures> {
  const { pid, baselineRssMb, baselineHeap, before, sampler } = at;
  const { exportAssessment } = await org.app.q<{ exportAssessment: ExportRecord }>(
    org.token,
    `mutation($input: AssessmentIdInput!) { exportAssessment(input: $input) { ${EXPORT_FIELDS} } }`,
    { input: { assessmentId } },
  );
  const { done, peakHeap } = await waitForExport(org, exportAssessment.id);
  const peak = sampler.restart();
  const after = await org.snapshot();
  const download = done.status === 'READY' && done.downloadPath !== null ? await check(org, done) : undefined;
  const downloadPeakRssMb = sampler.restart();
  const finishedAt = done.finishedAt === null ? Date.now() : Date.parse(done.finishedAt);
  const figures: BundleFigures = {
    ...size,
    status: done.status,
    error: done.error ?? undefined,
    exportSeconds: (finishedAt - Date.parse(done.createdAt)) / 1000,
    rows: done.rows,
    bytes: done.bytes,
    baselineRssMb,
    peakRssMb: peak,
    rssGrowthMb: peak === undefined || baselineRssMb === undefined ? undefined : peak - baselineRssMb,
    highWaterRssMb: peakRssMb(pid),
    downloadPeakRssMb,
    baselineHeap,
    peakHeap,
    appCpuSeconds: delta(before.appCpu, after.appCpu),
    dbCpuSeconds: delta(before.dbCpu, after.dbCpu),
    db: dbFiguresBetween(before.db, after.db),
    download,
  };
  process.stderr.write(
    `bench: bundle ${size.users}: ${done.status} in ${figures.exportSeconds.toFixed(1)} s, ${done.rows} rows, ` +
      `${done.bytes} bytes, RSS ${fixed(baselineRssMb)} → ${fixed(peak)} MB\n`,
  );
  return figures;
}

/** Downloads the bundle once into the work folder and compares it with what the export reported. */
async function check(org: BenchOrg, done: ExportRecord): Promise<BundleCheck> {
  const file = join(org.setup.workDir, org.name, 'bundle.zip');
  const got = await downloadBundle(
    `${org.app.url}${done.downloadPath ?? ''}`,
    org.token,
    file,
    `evidence/${USER_MFA}.jsonl`,
  );
  return {
    seconds: got.seconds,
    bytes: got.bytes,
    bytesMatch: got.bytes === done.bytes,
    sha256Match: got.sha256 === done.sha256,
    entries: got.entries,
    userMfaLines: got.lines,
  };
}

/**
 * Polls the export until it is no longer RUNNING, or the bench's wait for one run is over, and the app's
 * heap with it (the highest of each figure).
 */
async function waitForExport(
  org: BenchOrg,
  id: string,
): Promise<{ done: ExportRecord; peakHeap: HeapSample | undefined }> {
  const deadline = Date.now() + org.setup.runWaitMs;
  let peakHeap: HeapSample | undefined;
  for (;;) {
    const heap = await scrapeHeap(org.app.url, org.setup.metricsToken).catch(() => undefined);
    if (heap !== undefined)
      peakHeap = {
        heapUsedMb: Math.max(heap.heapUsedMb, peakHeap?.heapUsedMb ?? 0),
        heapTotalMb: Math.max(heap.heapTotalMb, peakHeap?.heapTotalMb ?? 0),
        externalMb: Math.max(heap.externalMb, peakHeap?.externalMb ?? 0),
      };
    const { assessmentExport } = await org.app.q<{ assessmentExport: ExportRecord }>(
      org.token,
      `query($id: ID!) { assessmentExport(id: $id) { ${EXPORT_FIELDS} } }`,
      { id },
    );
    if (assessmentExport.status !== 'RUNNING' || Date.now() > deadline)
      return { done: assessmentExport, peakHeap };
    await sleep(POLL_MS);
  }
}

/** The org's oldest run (the first sync): the run the seeded rows name. */
async function firstRunId(org: BenchOrg): Promise<string> {
  const runs = org.mongo.getClient().db(org.dbName).collection('connector_runs');
  const run = await runs.find({}).sort({ _id: 1 }).limit(1).next();
  if (run === null) throw new Error('no connector run to attach the seeded rows to');
  return String(run._id);
}

/** An assessment over the past year, ending tomorrow: every current row and the closed versions. */
async function createAssessment(org: BenchOrg): Promise<string> {
  const now = Date.now();
  const { createAssessment } = await org.app.q<{ createAssessment: { id: string } }>(
    org.token,
    'mutation($input: CreateAssessmentInput!) { createAssessment(input: $input) { id } }',
    {
      input: {
        name: `Bench ${org.name}`,
        periodStart: new Date(now - 365 * DAY_MS).toISOString(),
        periodEnd: new Date(now + DAY_MS).toISOString(),
      },
    },
  );
  return createAssessment.id;
}

/** The highest VmRSS of a process, sampled every `RSS_SAMPLE_MS`, over phases (`restart`). */
class RssSampler {
  private peak: number | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pid: number | undefined) {
    this.sample();
    this.timer = setInterval(() => this.sample(), RSS_SAMPLE_MS);
  }

  /** The peak of the phase that ends now; a new phase starts. */
  restart(): number | undefined {
    this.sample();
    const peak = this.peak;
    this.peak = undefined;
    this.sample();
    return peak;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private sample(): void {
    const now = rssMb(this.pid);
    if (now !== undefined) this.peak = Math.max(this.peak ?? 0, now);
  }
}

function delta(from: number | undefined, to: number | undefined): number | undefined {
  return from === undefined || to === undefined ? undefined : to - from;
}

function fixed(value: number | undefined): string {
  return value === undefined ? '-' : value.toFixed(0);
}
