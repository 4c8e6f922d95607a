import { measureRun, type RunFigures } from './measure';
import { BenchOrg, type BenchSetup, type CollectorRunStats } from './world';

type Bucket = 'users' | 'logs' | 'default';

/**
 * Okta's published per-minute limits for a Workforce org (the shared Okta API fact sheet, section 5): the users list,
 * the System Log, and "most other API actions" (a user's factors, policies).
 */
export const OKTA_LIMITS_PER_WINDOW: Record<Bucket, number> = { users: 600, logs: 120, default: 1200 };

const USERS_PAGE_SIZE = 200;

export interface BucketUse {
  readonly calls: number;
  /**
   * Calls the elapsed windows allowed: the limit × the windows the run opened (the simulator starts a
   * bucket's window at its first call; a run of 8.3 windows opened 9). Strict: the last window is partial.
   */
  readonly allowed: number;
  readonly utilisation: number;
  /** Calls per second against the limit's rate (not penalised by the partial last window). */
  readonly rateUtilisation: number;
}

export interface RateLimitedFigures {
  readonly windowMs: number;
  readonly run: RunFigures;
  readonly buckets: Record<Bucket, BucketUse>;
  /** The bucket closest to its bound: the one that limits the run. */
  readonly binding: Bucket;
  readonly utilisation: number;
}

/**
 * A first sync (full factor sweep) of a fresh org while the simulator enforces Okta's limits, with every
 * 60 s window shortened to `windowMs` so that the run takes minutes rather than an hour.
 */
export async function measureRateLimited(
  setup: BenchSetup,
  users: number,
  windowMs: number,
): Promise<RateLimitedFigures> {
  const org = await BenchOrg.start(setup, `rate-limited-${users}`, users);
  try {
    await org.sim.control('POST /rate-limits', { limits: { windowMs, limits: OKTA_LIMITS_PER_WINDOW } });
    const run = await measureRun(org, 'rate-limited', () => org.connect());
    return utilisationOf(run, windowMs);
  } finally {
    await org.close();
  }
}

function utilisationOf(run: RunFigures, windowMs: number): RateLimitedFigures {
  const calls = callsByBucket(run.stats);
  const windows = (run.syncSeconds * 1000) / windowMs;
  const use = (bucket: Bucket): BucketUse => {
    const limit = OKTA_LIMITS_PER_WINDOW[bucket];
    const allowed = limit * Math.max(1, Math.ceil(windows));
    return {
      calls: calls[bucket],
      allowed,
      utilisation: calls[bucket] / allowed,
      rateUtilisation: calls[bucket] / (limit * windows),
    };
  };
  const buckets = { users: use('users'), logs: use('logs'), default: use('default') };
  const binding = (Object.keys(buckets) as Bucket[]).reduce((a, b) =>
    buckets[b].utilisation > buckets[a].utilisation ? b : a,
  );
  return { windowMs, run, buckets, binding, utilisation: buckets[binding].utilisation };
}

/**
 * Calls per bucket, from the run's per-collector stats (the simulator counts requests but not per bucket).
 * On a full sweep the MFA collector reads the users list, 200 a page, and every user's factors; policies
 * and their rules fall in the catch-all bucket; deprovisioning reads only the System Log.
 */
function callsByBucket(stats: CollectorRunStats[]): Record<Bucket, number> {
  const calls: Record<Bucket, number> = { users: 0, logs: 0, default: 0 };
  for (const s of stats) {
    if (s.collector === 'okta.user_mfa') {
      const listPages = Math.max(1, Math.ceil(s.items / USERS_PAGE_SIZE));
      calls.users += listPages;
      calls.default += s.apiCalls - listPages;
    } else if (s.collector === 'okta.deprovisioning_event') calls.logs += s.apiCalls;
    else calls.default += s.apiCalls;
  }
  return calls;
}
