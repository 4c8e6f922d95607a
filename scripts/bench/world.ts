import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import mongoose, { type Connection as MongoConnection } from 'mongoose';
// The rule asks for the #src/ alias, which test/support (the harness the bench shares with the fault
// suite) does not have.
/* eslint-disable no-restricted-imports */
import { GiveUp, waitFor } from '../../test/support/faults/processes';
import { freePort } from '../../test/support/net';
import { connectOkta } from '../../test/support/okta-connect';
/* eslint-enable no-restricted-imports */
import { type Counters, scrapeDbCounters } from './metrics';
import { cpuSeconds, listeningPid, peakRssMb } from './proc';
import { createOrg } from './org-factory';
import { BENCH_OKTA_CLIENT, BenchApp, BenchSim, type Env } from './services';

/** What every organization of one bench run shares: the database server, the KMS, secrets, a work folder. */
export interface BenchSetup {
  readonly workDir: string;
  readonly mongoUrl: string;
  readonly kmsEnv: Env;
  readonly jwtSecret: string;
  readonly metricsToken: string;
  /** The database server's process, for its CPU share (undefined when it is not visible from here). */
  readonly dbPid: number | undefined;
  /** Makes database names unique per bench run. */
  readonly stamp: string;
  /** How long the bench waits for one run (and for the refresh after it) before it gives up on it. */
  readonly runWaitMs: number;
  /** `NODE_OPTIONS` for the app, e.g. `--max-old-space-size=160` to measure RSS with a bounded heap. */
  readonly appNodeOptions: string | undefined;
}

export interface CollectorRunStats {
  collector: string;
  apiCalls: number;
  pages: number;
  items: number;
  inserted: number;
  closed: number;
  unchanged: number;
  retries: number;
  rateLimitWaits: number;
  rateLimitWaitMs: number;
}

export interface RunRecord {
  id: string;
  status: string;
  startedAt: string;
  finishedAt: string | null;
  stats: CollectorRunStats[];
  error: { code: string; message: string } | null;
}

/** Process counters at one instant, to be diffed around a run. */
export interface Snapshot {
  readonly db: Counters;
  readonly appCpu: number | undefined;
  readonly dbCpu: number | undefined;
  readonly simCpu: number | undefined;
  /** The simulator's own count of API requests by HTTP status. */
  readonly simStatuses: Record<string, number>;
}

const RUN_FIELDS =
  'id status startedAt finishedAt error { code message } ' +
  'stats { collector apiCalls pages items inserted closed unchanged retries rateLimitWaits rateLimitWaitMs }';
const POLL_MS = 1000;
const REFRESH_POLL_MS = 200;

/** What .ci/run exports for FerretDB and local-kms; the app processes and the bench itself need them. */
const REQUIRED_ENV = [
  'MONGO_URL',
  'KMS_KEY_ID',
  'AWS_ENDPOINT_URL_KMS',
  'AWS_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
] as const;

export function benchSetup(
  workDir: string,
  runWaitMs: number,
  appNodeOptions: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): BenchSetup {
  const missing = REQUIRED_ENV.filter((name) => !env[name]);
  if (missing.length > 0)
    throw new Error(
      `Set ${missing.join(', ')} as .ci/run does (FerretDB, local-kms); see docs/BENCHMARKS.md`,
    );
  const mongoUrl = env.MONGO_URL ?? '';
  const kmsEnv: Env = {
    KMS_PROVIDER: 'aws',
    ...Object.fromEntries(REQUIRED_ENV.slice(1).map((name) => [name, env[name]])),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  return {
    workDir,
    mongoUrl,
    kmsEnv,
    jwtSecret: randomBytes(32).toString('hex'),
    metricsToken: randomBytes(16).toString('hex'),
    dbPid: listeningPid(Number(new URL(mongoUrl).port || 27017)),
    stamp: Date.now().toString(36),
    runWaitMs,
    appNodeOptions,
  };
}

/**
 * One benchmarked Okta org: the simulator process with `users` active users, a database of its own, an
 * organization made with `dist/cli.js org create`, and the app (`node dist/main.js`) as a fresh
 * process, so that its peak RSS belongs to this size alone.
 */
export class BenchOrg {
  connectionId = '';

  private constructor(
    readonly setup: BenchSetup,
    readonly name: string,
    readonly users: number,
    readonly sim: BenchSim,
    readonly token: string,
    readonly organizationId: string,
    readonly mongo: MongoConnection,
    private current: BenchApp,
  ) {}

  static async start(setup: BenchSetup, name: string, users: number): Promise<BenchOrg> {
    const publicPort = await freePort();
    const logDir = join(setup.workDir, name);
    const sim = await BenchSim.start(
      users,
      `http://127.0.0.1:${publicPort}/api/integrations/okta/callback`,
      logDir,
    );
    const env = appEnvOf(setup, name, publicPort, sim.host);
    const org = await createOrg(env);
    const app = await BenchApp.start(`app-${name}`, publicPort, env, logDir);
    const mongo = await mongoose
      .createConnection(setup.mongoUrl, { dbName: dbNameOf(setup, name), serverSelectionTimeoutMS: 20_000 })
      .asPromise();
    return new BenchOrg(setup, name, users, sim, org.token, org.organizationId, mongo, app);
  }

  get dbName(): string {
    return dbNameOf(this.setup, this.name);
  }

  get app(): BenchApp {
    return this.current;
  }

  /** Stops the app and starts a fresh process on the same port and database with `env` on top. */
  async restartApp(name: string, env: Env): Promise<void> {
    await this.current.child.stop();
    const base = appEnvOf(this.setup, this.name, this.current.port, this.sim.host);
    this.current = await BenchApp.start(name, this.current.port, { ...base, ...env }, this.logDir);
  }

  /** The admin's OAuth consent, browser-less; the callback starts the first sync. Returns its run id. */
  async connect(): Promise<string> {
    this.connectionId = await connectOkta({
      baseUrl: this.app.url,
      publicUrl: this.app.url,
      token: this.token,
      oktaDomain: this.sim.host,
      client: BENCH_OKTA_CLIENT,
    });
    const first = await waitFor(
      'the first sync to start',
      async () => (await this.runs(1))[0],
      60_000,
      POLL_MS,
    );
    return first.id;
  }

  /** An hourly sync, started now (`syncConnection`). Returns its run id. */
  async syncNow(): Promise<string> {
    const data = await this.app.q<{ syncConnection: { id: string } }>(
      this.token,
      'mutation($input: SyncConnectionInput!) { syncConnection(input: $input) { id } }',
      { input: { connectionId: this.connectionId } },
    );
    return data.syncConnection.id;
  }

  /**
   * Polls `connectorRuns` once a second until the run is no longer RUNNING, or until the bench's wait for
   * one run is over: then the run as last seen (still RUNNING).
   */
  async waitForRun(runId: string): Promise<RunRecord> {
    const deadline = Date.now() + this.setup.runWaitMs;
    let seen: RunRecord | undefined;
    for (;;) {
      this.assertAppRunning();
      seen = (await this.runs(5).catch(() => [])).find((r) => r.id === runId) ?? seen;
      if (seen !== undefined && (seen.status !== 'RUNNING' || Date.now() > deadline)) return seen;
      await sleep(POLL_MS);
    }
  }

  /**
   * When the coverage and checks refresh that follows a run has been stored: the org's `coverage_state`
   * carries a `computedAt` taken after the run finished (the refresh's start; it is stored at its end).
   * Read straight from the database because the GraphQL schema does not expose it. A refresh that fails
   * is seen in the app's log (`domain event handler failed: sync.finished`, written since `logOffset`).
   */
  async waitForRefresh(finishedAt: Date, logOffset: number): Promise<{ at: number } | { error: string }> {
    const states = this.mongo.getClient().db(this.dbName).collection('coverage_state');
    const organizationId = new mongoose.Types.ObjectId(this.organizationId);
    const deadline = Date.now() + this.setup.runWaitMs;
    for (;;) {
      this.assertAppRunning();
      const state = await states.findOne({ organizationId }, { projection: { computedAt: 1 } });
      const computedAt = state?.computedAt as Date | null | undefined;
      if (computedAt instanceof Date && computedAt.getTime() >= finishedAt.getTime())
        return { at: Date.now() };
      const failure = /domain event handler failed: sync\.finished → [\w.]+: ([^"]*)/.exec(
        this.app.child.logSince(logOffset),
      )?.[1];
      if (failure !== undefined) return { error: failure };
      if (Date.now() > deadline) return { error: `not stored within ${this.setup.runWaitMs / 60_000} min` };
      await sleep(REFRESH_POLL_MS);
    }
  }

  async snapshot(): Promise<Snapshot> {
    const [db, sim] = await Promise.all([
      scrapeDbCounters(this.app.url, this.setup.metricsToken),
      this.sim.control<{ statuses: Record<string, number> }>('GET /stats'),
    ]);
    return {
      db,
      appCpu: cpuSeconds(this.app.child.pid),
      dbCpu: cpuSeconds(this.setup.dbPid),
      simCpu: cpuSeconds(this.sim.child.pid),
      simStatuses: sim.statuses,
    };
  }

  appPeakRssMb(): number | undefined {
    return peakRssMb(this.app.child.pid);
  }

  /** Stops both processes and drops the org's database (sizes must not slow each other down). */
  async close(): Promise<void> {
    await this.current.child.stop();
    await this.sim.child.stop();
    await this.mongo.dropDatabase().catch(() => undefined);
    await this.mongo.close(true);
  }

  private get logDir(): string {
    return join(this.setup.workDir, this.name);
  }

  private assertAppRunning(): void {
    if (!this.app.child.running) throw new GiveUp(`the app exited:\n${this.app.child.tail()}`);
  }

  private async runs(first: number): Promise<RunRecord[]> {
    const data = await this.app.q<{ connectorRuns: { edges: { node: RunRecord }[] } }>(
      this.token,
      `query($id: ID!, $first: Int) { connectorRuns(connectionId: $id, first: $first) { edges { node { ${RUN_FIELDS} } } } }`,
      { id: this.connectionId, first },
    );
    return data.connectorRuns.edges.map((e) => e.node);
  }
}

function dbNameOf(setup: BenchSetup, name: string): string {
  return `bench_${setup.stamp}_${name}`;
}

/**
 * The app in production mode. The scheduler ticks hourly so that only the bench starts syncs; logs at
 * warn so that logging does not weigh on the figures.
 */
function appEnvOf(setup: BenchSetup, name: string, port: number, oktaHost: string): Env {
  return {
    NODE_ENV: 'production',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DASHBOARD_URL: `http://127.0.0.1:${port}`,
    MONGO_URL: setup.mongoUrl,
    MONGO_DB_NAME: dbNameOf(setup, name),
    DATA_DIR: join(setup.workDir, name, 'data'),
    OKTA_ALLOWED_INSECURE_HOSTS: oktaHost,
    AUTH_JWT_SECRET: setup.jwtSecret,
    METRICS_TOKEN: setup.metricsToken,
    SCHEDULER_TICK_MS: '3600000',
    LOG_LEVEL: 'warn',
    ...(setup.appNodeOptions === undefined ? {} : { NODE_OPTIONS: setup.appNodeOptions }),
    ...setup.kmsEnv,
  };
}
