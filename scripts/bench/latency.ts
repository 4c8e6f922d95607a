import { performance } from 'node:perf_hooks';
import { Types } from 'mongoose';
import { type OktaUser, userMfaItem } from '#src/modules/connectors/okta/okta.mapper';
import { dbFiguresBetween } from './metrics';
import { type RowOwner, storedRow } from './seed-rows';
import { type BenchOrg } from './world';

export interface QueryLatency {
  readonly p50Ms: number;
  readonly p95Ms: number;
  /** DB commands one request sends, by `command:collection` (where its time goes). */
  readonly commandsPerRequest: Record<string, number>;
  /** The database server's CPU seconds per request. */
  readonly dbCpuMsPerRequest: number | undefined;
  /** Requests timed: fewer than asked when they exceeded the time budget. */
  readonly samples: number;
  /** Requests that answered with errors (a query timeout, say), with the first message. */
  readonly failed: number;
  readonly firstError: string | undefined;
}

export interface LatencyFigures {
  readonly evidenceRows: number;
  readonly organizations: number;
  readonly seededRows: number;
  readonly seedSeconds: number;
  readonly samples: number;
  readonly queries: Record<'coverage' | 'checks' | 'evidence', QueryLatency>;
}

const SEED_BATCH = 5000;
const WARM_UP = 3;
/** A query slower than this in total stops early: its percentiles come from the requests made. */
const QUERY_BUDGET_MS = 180_000;
const QUERIES = {
  coverage: '{ coverage { percent controls { status reason evidenceCount lastSuccessfulSyncAt } } }',
  checks:
    '{ checks { key status reason evaluated failingCount failingItems(first: 20) { edges { node { sourceId label } } } excepted { sourceId } } }',
  evidence:
    '{ evidence(first: 20) { edges { cursor node { id type sourceId collectedAt fingerprint data } } pageInfo { hasNextPage endCursor } } }',
} as const;

/**
 * Fills the org's database up to `rows` evidence rows over `organizations` organizations (the measured org
 * with what its syncs wrote, the others seeded straight through the driver), then times the measured
 * org's `coverage`, `checks` and first evidence page, `samples` requests each, one at a time.
 */
export async function measureLatency(
  org: BenchOrg,
  options: { rows: number; organizations: number; samples: number },
): Promise<LatencyFigures> {
  const evidence = org.mongo.getClient().db(org.dbName).collection('evidence');
  const existing = await evidence.countDocuments({});
  const seededRows = Math.max(0, options.rows - existing);
  const started = performance.now();
  await seed(org, seededRows, options.organizations - 1);
  const seedSeconds = (performance.now() - started) / 1000;
  process.stderr.write(`bench: seeded ${seededRows} evidence rows in ${seedSeconds.toFixed(0)} s\n`);
  const queries = {
    coverage: await timeQuery(org, QUERIES.coverage, options.samples),
    checks: await timeQuery(org, QUERIES.checks, options.samples),
    evidence: await timeQuery(org, QUERIES.evidence, options.samples),
  };
  return {
    evidenceRows: existing + seededRows,
    organizations: options.organizations,
    seededRows,
    seedSeconds,
    samples: options.samples,
    queries,
  };
}

/** Current `okta.user_mfa` rows of other organizations, in unordered batches. */
async function seed(org: BenchOrg, rows: number, organizations: number): Promise<void> {
  const evidence = org.mongo.getClient().db(org.dbName).collection('evidence');
  const perOrg = Math.ceil(rows / Math.max(1, organizations));
  let batch: Record<string, unknown>[] = [];
  for (let o = 0; o < organizations && o * perOrg < rows; o += 1) {
    const owner = {
      organizationId: new Types.ObjectId(),
      connectionId: new Types.ObjectId(),
      runId: new Types.ObjectId(),
    };
    for (let i = 0; i < perOrg && o * perOrg + i < rows; i += 1) {
      batch.push(seedRow(owner, `00u${o}x${i}`));
      if (batch.length === SEED_BATCH) {
        await evidence.insertMany(batch, { ordered: false });
        batch = [];
      }
    }
  }
  if (batch.length > 0) await evidence.insertMany(batch, { ordered: false });
}

/** A row as a sync writes it, made by the app's own mapper and fingerprint. */
function seedRow(owner: RowOwner, userId: string): Record<string, unknown> {
  const user: OktaUser = {
    id: userId,
    status: 'ACTIVE',
    created: '2024-01-02T03:04:05.000Z',
    lastLogin: '2026-11-30T08:00:00.000Z',
    profile: {
      login: `${userId}@seed.example`,
      email: `${userId}@seed.example`,
      firstName: 'Seed',
      lastName: userId,
    },
  };
  const item = userMfaItem(user, [
    {
      id: `${userId}f`,
      type: 'push',
      provider: 'OKTA',
      status: 'ACTIVE',
      enrolledAt: '2024-01-02T03:04:05.000Z',
    },
  ]);
  return storedRow(owner, item, new Date());
}

async function timeQuery(org: BenchOrg, query: string, samples: number): Promise<QueryLatency> {
  const budgetEnd = performance.now() + QUERY_BUDGET_MS;
  for (let i = 0; i < WARM_UP && performance.now() < budgetEnd; i += 1) await attempt(org, query);
  const before = await org.snapshot();
  const took: number[] = [];
  const errors: string[] = [];
  while (took.length < samples && (took.length === 0 || performance.now() < budgetEnd)) {
    const started = performance.now();
    const error = await attempt(org, query);
    took.push(performance.now() - started);
    if (error !== undefined) errors.push(error);
  }
  const after = await org.snapshot();
  took.sort((a, b) => a - b);
  const { commands } = dbFiguresBetween(before.db, after.db);
  const dbCpu =
    after.dbCpu === undefined || before.dbCpu === undefined ? undefined : after.dbCpu - before.dbCpu;
  return {
    p50Ms: percentile(took, 0.5),
    p95Ms: percentile(took, 0.95),
    commandsPerRequest: Object.fromEntries(
      Object.entries(commands).map(([kind, n]) => [kind, n / took.length]),
    ),
    dbCpuMsPerRequest: dbCpu === undefined ? undefined : (dbCpu * 1000) / took.length,
    samples: took.length,
    failed: errors.length,
    firstError: errors[0],
  };
}

/** One request; its error message when it failed. */
async function attempt(org: BenchOrg, query: string): Promise<string | undefined> {
  try {
    await org.app.q(org.token, query);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN;
}
