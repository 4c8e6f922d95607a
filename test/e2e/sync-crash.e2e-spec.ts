import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import mongoose, { type Connection, Types } from 'mongoose';
import { processEnv, ROOT } from '../support/dist-process';
import { freePort } from '../support/net';
import { connectOkta, gqlAt } from '../support/okta-connect';
import { OktaSimulator } from '../support/okta-simulator';
import { testConfig } from '../support/test-config';

const CLIENT = { clientId: 'crash-client', clientSecret: 'crash-client-secret' };
/** Generous: a run whose heartbeat a busy CI machine delays past a lease is (rightly) marked ABANDONED. */
const LEASE_TTL_MS = 6_000;
const TICK_MS = 500;

interface RunDoc {
  _id: Types.ObjectId;
  trigger: string;
  status: string;
  startedAt: Date;
  heartbeatAt: Date | null;
  finishedAt: Date | null;
  stats: { items: number }[];
  error: { code: string; message: string } | null;
}

/** Polls `probe` until it returns something, or fails naming `what` after `timeoutMs`. */
async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** The compiled server (`npm test` builds it first) as a child process on a fixed port. */
class AppProcess {
  private output = '';
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    readonly exited: Promise<number | null>,
  ) {
    child.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
  }

  static async start(env: Record<string, string | undefined>, port: number): Promise<AppProcess> {
    const entry = join(ROOT, 'dist', 'main.js');
    if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\``);
    const child = spawn(process.execPath, [entry], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env, PORT: String(port) },
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const app = new AppProcess(child, `http://127.0.0.1:${port}`, exited);
    await waitFor(
      'the server to answer /health/live',
      async () => {
        if (child.exitCode !== null) throw new Error(`the server exited: ${app.output}`);
        const live = await fetch(`${app.url}/health/live`).then(
          (r) => r.ok,
          () => false,
        );
        return live ? true : undefined;
      },
      60_000,
    );
    return app;
  }

  get log(): string {
    return this.output;
  }

  async kill(signal: 'SIGKILL' | 'SIGTERM', withinMs: number): Promise<number | null> {
    this.child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      this.exited,
      new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), withinMs))),
    ]);
    clearTimeout(timer);
    if (code === 'timeout') {
      this.child.kill('SIGKILL');
      throw new Error(`the server did not exit within ${withinMs} ms of ${signal}`);
    }
    return code;
  }
}

/** Creates an organization with the compiled CLI, as an operator does; returns its id and an admin token. */
async function createOrg(env: Record<string, string | undefined>, name: string) {
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'cli.js'), 'org', 'create', '--name', name], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
  });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`cli exited ${code}`);
  return JSON.parse(stdout.trim()) as { organizationId: string; adminToken: string };
}

describe('honest runs after a crash (the server as a real process)', () => {
  const config = testConfig();
  let db: Connection;
  const started: AppProcess[] = [];
  const sims: OktaSimulator[] = [];

  /** One simulated Okta org and the port its app listens on (the OAuth redirect names it). */
  interface Setup {
    readonly sim: OktaSimulator;
    readonly port: number;
    readonly publicUrl: string;
  }

  const env = ({ sim, publicUrl }: Setup): Record<string, string | undefined> => ({
    ...processEnv({}, config),
    PUBLIC_URL: publicUrl,
    OKTA_ALLOWED_INSECURE_HOSTS: sim.host,
    SYNC_LEASE_TTL_MS: String(LEASE_TTL_MS),
    SCHEDULER_TICK_MS: String(TICK_MS),
  });

  beforeAll(async () => {
    db = await mongoose.createConnection(config.mongoUrl ?? '', { dbName: config.mongoDbName }).asPromise();
  });
  afterEach(async () => {
    // A failed test must not leave its server ticking on the shared database for the next one.
    for (const app of started.splice(0)) await app.kill('SIGKILL', 10_000).catch(() => undefined);
  });
  afterAll(async () => {
    for (const sim of sims) await sim.close();
    await db?.dropDatabase();
    await db?.close();
  });

  async function startApp(setup: Setup): Promise<AppProcess> {
    const app = await AppProcess.start(env(setup), setup.port);
    started.push(app);
    return app;
  }

  async function setUp(seed: number): Promise<Setup> {
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    const sim = await OktaSimulator.start({
      ...CLIENT,
      redirectUri: `${publicUrl}/api/integrations/okta/callback`,
      users: 600,
      seed,
    });
    sims.push(sim);
    return { sim, port, publicUrl };
  }

  async function connect(
    setup: Setup,
    app: AppProcess,
    name: string,
  ): Promise<{ id: string; token: string }> {
    const org = await createOrg(env(setup), name);
    const id = await connectOkta({
      baseUrl: app.url,
      publicUrl: setup.publicUrl,
      token: org.adminToken,
      oktaDomain: setup.sim.host,
      client: CLIENT,
    });
    return { id, token: org.adminToken };
  }

  const runsOf = (connectionId: string): Promise<RunDoc[]> =>
    db
      .collection<RunDoc>('connector_runs')
      .find({ connectionId: new Types.ObjectId(connectionId) })
      .sort({ _id: 1 })
      .toArray();

  /** The connection's run, RUNNING, once it has written evidence of at least one page. */
  const midSync = (connectionId: string): Promise<RunDoc> =>
    waitFor(
      'the first sync to be mid-way',
      async () =>
        (await runsOf(connectionId)).find(
          (r) => r.status === 'RUNNING' && r.stats.reduce((n, s) => n + s.items, 0) > 0,
        ),
      60_000,
    );

  /** The SYNC_FAILURE entries naming the run, once there is one (the entry follows the run's status). */
  const failureAudit = (runId: Types.ObjectId) =>
    waitFor(
      `a SYNC_FAILURE audit entry for run ${runId.toHexString()}`,
      async () => {
        const entries = await db
          .collection('audit_log')
          .find({ action: 'SYNC_FAILURE', 'details.runId': runId.toHexString() })
          .toArray();
        return entries.length > 0 ? entries : undefined;
      },
      30_000,
    );

  /** Current `okta.user_mfa` rows equal the simulated org's active users: none lost, none twice. */
  async function expectEvidenceExact(connectionId: string, sim: OktaSimulator): Promise<void> {
    const rows = await db
      .collection('evidence')
      .find(
        { connectionId: new Types.ObjectId(connectionId), type: 'okta.user_mfa', validUntil: null },
        { projection: { sourceId: 1 } },
      )
      .toArray();
    const active = sim.state
      .activeUsers()
      .map((u) => u.id)
      .sort();
    expect(rows.length).toBe(active.length);
    expect(rows.map((r) => String(r.sourceId)).sort()).toEqual(active);
  }

  it('SIGKILL mid-sync: once restarted, the run is ABANDONED and audited within a lease period, and a new run completes with nothing lost or doubled', async () => {
    const setup = await setUp(71);
    const { sim } = setup;
    sim.api.latencyMs = 20; // slow enough that the first sync is caught mid-way
    let app = await startApp(setup);
    const { id: connectionId, token } = await connect(setup, app, 'Killed');
    const orphan = await midSync(connectionId);
    await app.kill('SIGKILL', 10_000);
    const killedAt = Date.now();

    sim.api.latencyMs = 0;
    app = await startApp(setup);
    const upAt = Date.now();
    const ended = await waitFor(
      'the orphaned run to end',
      async () =>
        (await runsOf(connectionId)).find((r) => r._id.equals(orphan._id) && r.status !== 'RUNNING'),
      60_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}; server log:\n${app.log.slice(-3000)}`);
    });
    expect(ended).toMatchObject({ status: 'ABANDONED', error: { code: 'ABANDONED' } });
    // Detected by the first ticks once its lease ran out (a lease period after its last heartbeat).
    const lastHeartbeat = Math.min(orphan.heartbeatAt?.getTime() ?? killedAt, killedAt);
    const dueBy = Math.max(lastHeartbeat + LEASE_TTL_MS, upAt);
    expect(ended.finishedAt?.getTime()).toBeLessThan(dueBy + 10 * TICK_MS + 5_000);
    expect(await failureAudit(orphan._id)).toEqual([
      expect.objectContaining({
        target: { type: 'connection', id: connectionId },
        details: expect.objectContaining({ runId: orphan._id.toHexString(), code: 'ABANDONED' }) as unknown,
      }),
    ]);

    const next = await waitFor(
      'a new run to succeed',
      async () =>
        (await runsOf(connectionId)).find(
          (r) => r._id.toHexString() > orphan._id.toHexString() && r.status !== 'RUNNING',
        ),
      90_000,
    );
    expect({ trigger: next.trigger, status: next.status, error: next.error }).toEqual({
      trigger: 'schedule',
      status: 'SUCCEEDED',
      error: null,
    });
    await expectEvidenceExact(connectionId, sim);
    const audit = await gqlAt<{ auditLog: { edges: { node: { details: { runId: string } } }[] } }>(
      app.url,
      token,
      '{ auditLog(filter: { action: SYNC_FAILURE }) { edges { node { details } } } }',
    );
    expect(audit.data?.auditLog.edges.map((e) => e.node.details.runId)).toEqual([orphan._id.toHexString()]);
    expect(await app.kill('SIGTERM', 30_000)).toBe(0);
  }, 240_000);

  it('SIGTERM mid-sync: after the grace period the run ends SHUTDOWN, audited, the connection due at once; the restarted server completes it', async () => {
    const setup = await setUp(72);
    const { sim } = setup;
    sim.api.latencyMs = 20;
    let app = await startApp(setup);
    const { id: connectionId } = await connect(setup, app, 'Stopped');
    const interrupted = await midSync(connectionId);
    const release = sim.api.hold(); // Okta stops answering: the sync cannot finish within the grace period
    try {
      expect(await app.kill('SIGTERM', 40_000)).toBe(0);
    } finally {
      release();
    }
    expect(app.log).not.toMatch(/"level":60/);

    const [ended] = (await runsOf(connectionId)).filter((r) => r._id.equals(interrupted._id));
    expect(['FAILED', 'PARTIAL']).toContain(ended?.status);
    expect(ended?.error?.code).toBe('SHUTDOWN');
    expect(await failureAudit(interrupted._id)).toEqual([
      expect.objectContaining({
        details: expect.objectContaining({ status: ended?.status, code: 'SHUTDOWN' }) as unknown,
      }),
    ]);
    const connection = await db.collection('connections').findOne({ _id: new Types.ObjectId(connectionId) });
    expect((connection?.nextSyncAt as Date).getTime()).toBeLessThanOrEqual(Date.now());

    sim.api.latencyMs = 0;
    app = await startApp(setup);
    const next = await waitFor(
      'the restarted server to sync again',
      async () =>
        (await runsOf(connectionId)).find(
          (r) => r._id.toHexString() > interrupted._id.toHexString() && r.status !== 'RUNNING',
        ),
      90_000,
    );
    expect({ trigger: next.trigger, status: next.status }).toEqual({
      trigger: 'schedule',
      status: 'SUCCEEDED',
    });
    await expectEvidenceExact(connectionId, sim);
    expect(await app.kill('SIGTERM', 30_000)).toBe(0);
  }, 240_000);
});
