import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mongoose, { type Connection as MongoConnection } from 'mongoose';
import { followRedirects } from '../browser';
import { freePort } from '../net';
import { TEST_JWT_SECRET } from '../test-config';
import { MongoWireProxy } from './mongo-wire-proxy';
import { FerretDb, GiveUp, LocalKms, ManagedProcess, ROOT, waitFor } from './processes';
import type { SimFaultSpec, SimUserTruth } from './okta-sim-process';
import { simControl } from './sim-control';

export type Env = Record<string, string | undefined>;

export interface GqlResponse<T> {
  status: number;
  data: T | null | undefined;
  errors: { message: string; extensions?: { code?: string } }[] | undefined;
}

export interface Org {
  readonly organizationId: string;
  readonly token: string;
}

export const OKTA_CLIENT = {
  clientId: 'fault-okta-client',
  clientSecret: 'fault-okta-client-secret-not-real',
};
const CALLBACK_PATH = '/api/integrations/okta/callback';

/** The application (`node dist/main.js`) as a production process. */
export class AppProcess {
  readonly process: ManagedProcess;

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly env: Env,
    logDir: string,
  ) {
    this.process = new ManagedProcess(
      name,
      process.execPath,
      () => [join(ROOT, 'dist', 'main.js')],
      () => ({ ...this.env, PORT: String(this.port) }),
      logDir,
    );
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts (again); resolves once it answers /health/live. */
  async start(): Promise<void> {
    this.process.start();
    await waitFor(
      `${this.name} to answer /health/live`,
      async () => {
        if (!this.process.running)
          throw new GiveUp(
            `${this.name} exited: ${String(await this.process.exited)}\n${this.process.tail()}`,
          );
        const res = await fetch(`${this.url}/health/live`).catch(() => undefined);
        return res?.ok === true ? true : undefined;
      },
      60_000,
      200,
    ).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}\n${this.process.tail()}`);
    });
  }

  async gql<T>(
    token: string,
    query: string,
    variables: Record<string, unknown> = {},
  ): Promise<GqlResponse<T>> {
    const res = await fetch(`${this.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    let body: { data?: T | null; errors?: GqlResponse<T>['errors'] };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new Error(`${this.name}: HTTP ${res.status} with a non-JSON body: ${text.slice(0, 300)}`);
    }
    return { status: res.status, data: body.data, errors: body.errors };
  }

  /** A query that must succeed. */
  async q<T>(token: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const result = await this.gql<T>(token, query, variables);
    if (result.errors !== undefined || result.data === undefined || result.data === null)
      throw new Error(`${this.name}: GraphQL errors: ${JSON.stringify(result.errors)}`);
    return result.data;
  }
}

/** The Okta simulator process with its control API. */
export class SimProcess {
  readonly process: ManagedProcess;
  url = '';
  host = '';
  controlUrl = '';

  constructor(users: number, redirectUri: string, logDir: string) {
    this.process = new ManagedProcess(
      'okta-sim',
      process.execPath,
      () => [
        join(ROOT, 'dist-test', 'test', 'support', 'faults', 'okta-sim-process.js'),
        '--users',
        String(users),
        '--seed',
        '11',
        '--client-id',
        OKTA_CLIENT.clientId,
        '--client-secret',
        OKTA_CLIENT.clientSecret,
        '--redirect-uri',
        redirectUri,
      ],
      () => ({}),
      logDir,
    );
  }

  async start(): Promise<void> {
    let announced: { url: string; host: string; control: string } | undefined;
    this.process.start((line) => {
      if (line.startsWith('{')) announced = JSON.parse(line) as typeof announced;
    });
    const info = await waitFor(
      'the Okta simulator to announce its URL',
      () => {
        if (!this.process.running) throw new GiveUp(`the simulator exited:\n${this.process.tail()}`);
        return announced;
      },
      30_000,
      100,
    );
    this.url = info.url;
    this.host = info.host;
    this.controlUrl = info.control;
  }

  control<T = unknown>(route: string, body?: unknown): Promise<T> {
    return simControl<T>(this.controlUrl, route, body);
  }

  async activeUsers(): Promise<SimUserTruth[]> {
    return (await this.control<{ users: SimUserTruth[] }>('GET /users')).users;
  }

  faults(faults: SimFaultSpec[]): Promise<unknown> {
    return this.control('POST /faults', { faults });
  }

  reset(): Promise<unknown> {
    return this.control('POST /reset', {});
  }
}

/**
 * Everything one fault-suite file needs, as real processes on loopback: FerretDB (SQLite, its own data
 * folder, restartable on the same port) behind a wire-protocol proxy that lets a test act at an exact
 * command, local-kms, the Okta simulator, and one or more application processes in production mode.
 */
export class FaultWorld {
  readonly apps: AppProcess[] = [];
  private db: MongoConnection | undefined;

  private constructor(
    readonly workDir: string,
    readonly ferret: FerretDb,
    readonly proxy: MongoWireProxy,
    readonly kms: LocalKms,
    readonly sim: SimProcess,
    readonly publicPort: number,
    readonly dbName: string,
  ) {}

  static async start(binaries: { ferretdb: string; localKms: string }, users: number): Promise<FaultWorld> {
    const workDir = mkdtempSync(join(tmpdir(), 'okta-evidence-faults-'));
    const logDir = join(workDir, 'logs');
    const ferret = await FerretDb.start(binaries.ferretdb, workDir);
    const proxy = await MongoWireProxy.start(() => ferret.port);
    const kms = await LocalKms.start(binaries.localKms, workDir);
    const publicPort = await freePort();
    const sim = new SimProcess(users, `http://127.0.0.1:${publicPort}${CALLBACK_PATH}`, logDir);
    await sim.start();
    return new FaultWorld(workDir, ferret, proxy, kms, sim, publicPort, 'faults');
  }

  get logDir(): string {
    return join(this.workDir, 'logs');
  }

  /** The production environment every application process of this world shares. */
  baseEnv(): Env {
    return {
      NODE_ENV: 'production',
      PUBLIC_URL: `http://127.0.0.1:${this.publicPort}`,
      DASHBOARD_URL: `http://127.0.0.1:${this.publicPort}`,
      MONGO_URL: this.proxy.url,
      MONGO_DB_NAME: this.dbName,
      DATA_DIR: join(this.workDir, 'data'),
      AUTH_JWT_SECRET: TEST_JWT_SECRET,
      KMS_PROVIDER: 'aws',
      KMS_KEY_ID: this.kms.keyId,
      AWS_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL_KMS: this.kms.endpoint,
      AWS_ACCESS_KEY_ID: 'fault-suite-access-key',
      AWS_SECRET_ACCESS_KEY: 'fault-suite-secret-key',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      OKTA_ALLOWED_INSECURE_HOSTS: this.sim.host,
      OKTA_HTTP_TIMEOUT_MS: '5000',
      OKTA_RETRY_BASE_MS: '50',
      SCHEDULER_TICK_MS: '1000',
      STALENESS_CHECK_MS: '60000',
      SYNC_LEASE_TTL_MS: '10000',
      LOG_LEVEL: 'info',
    };
  }

  /** A new application process (not started yet); the first one listens on the public port. */
  async app(name: string, env: Env = {}): Promise<AppProcess> {
    const port = this.apps.length === 0 ? this.publicPort : await freePort();
    const app = new AppProcess(name, port, { ...this.baseEnv(), ...env }, this.logDir);
    this.apps.push(app);
    return app;
  }

  async startApp(name: string, env: Env = {}): Promise<AppProcess> {
    const app = await this.app(name, env);
    await app.start();
    return app;
  }

  /** `dist/cli.js org create`: a new organization and an ADMIN token, as an operator would make them. */
  async createOrg(name: string): Promise<Org> {
    const cli = new ManagedProcess(
      `cli-${name.replace(/\W+/g, '-')}`,
      process.execPath,
      () => [join(ROOT, 'dist', 'cli.js'), 'org', 'create', '--name', name],
      () => ({ ...this.baseEnv(), MONGO_URL: this.ferret.url }),
      this.logDir,
    );
    let printed = '';
    cli.start((line) => (printed += line));
    const code = await cli.exited;
    if (code !== 0) throw new Error(`cli org create exited ${String(code)}:\n${cli.tail()}`);
    const parsed = JSON.parse(printed) as { organizationId: string; adminToken: string };
    return { organizationId: parsed.organizationId, token: parsed.adminToken };
  }

  /** Settings under which the simulator's org passes every check, so a clean sync reads COVERED. */
  async lenientChecks(app: AppProcess, org: Org): Promise<void> {
    await app.q(
      org.token,
      'mutation($input: UpdateCheckSettingsInput!) { updateCheckSettings(input: $input) { dormantDays } }',
      { input: { minLength: 8, requireNumber: false, minHistoryCount: 0, dormantDays: 3650 } },
    );
  }

  /** Connects Okta through the real PKCE flow; returns the connection id (a first sync starts by itself). */
  async connect(app: AppProcess, org: Org): Promise<string> {
    const { connectOkta } = await app.q<{
      connectOkta: { authorizeUrl: string; connection: { id: string } };
    }>(
      org.token,
      'mutation($input: ConnectOktaInput!) { connectOkta(input: $input) { authorizeUrl connection { id } } }',
      { input: { oktaDomain: this.sim.host, ...OKTA_CLIENT } },
    );
    await this.authorize(app, connectOkta.authorizeUrl);
    return connectOkta.connection.id;
  }

  /** The admin's browser at Okta and back to the callback; returns the callback's redirect. */
  async authorize(app: AppProcess, authorizeUrl: string): Promise<string> {
    const callback = new URL(
      await followRedirects(authorizeUrl, `http://127.0.0.1:${this.publicPort}${CALLBACK_PATH}`),
    );
    const back = await fetch(`${app.url}${callback.pathname}${callback.search}`, { redirect: 'manual' });
    const location = back.headers.get('location') ?? '';
    if (back.status !== 302 || !location.includes('result=connected'))
      throw new Error(`the OAuth callback answered ${back.status} ${location} ${await back.text()}`);
    return location;
  }

  /** A direct connection to FerretDB (not through the proxy) for reading what is stored. */
  async mongo(): Promise<MongoConnection> {
    if (this.db === undefined) {
      this.db = await mongoose
        .createConnection(this.ferret.url, { dbName: this.dbName, serverSelectionTimeoutMS: 20_000 })
        .asPromise();
    }
    return this.db;
  }

  async close(): Promise<void> {
    await this.db?.close(true).catch(() => undefined);
    for (const app of this.apps) await app.process.stop(5_000);
    await this.sim.process.stop(5_000);
    await this.kms.process.stop(5_000);
    await this.proxy.close();
    await this.ferret.process.stop(5_000);
    if (process.env.FAULT_SUITE_KEEP_LOGS === undefined)
      rmSync(this.workDir, { recursive: true, force: true });
  }
}
