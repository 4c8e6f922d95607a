// The rule asks for the #src/ alias, which test/support (the harness the bench shares with the fault
// suite) does not have.
/* eslint-disable no-restricted-imports */
import { GiveUp, waitFor } from '../../test/support/faults/processes';
import { simControl } from '../../test/support/faults/sim-control';
import { gqlAt } from '../../test/support/okta-connect';
/* eslint-enable no-restricted-imports */
import { Child } from './child';

export type Env = Record<string, string | undefined>;

/** The OAuth client the simulator's org knows; the bench connects with it. */
export const BENCH_OKTA_CLIENT = {
  clientId: 'bench-okta-client',
  clientSecret: 'bench-okta-client-secret-not-real',
};
const START_MS = 60_000;

/** The application as production runs it: `node dist/main.js`. */
export class BenchApp {
  private constructor(
    readonly child: Child,
    readonly port: number,
  ) {}

  /** Starts it and waits until it answers /health/live. */
  static async start(name: string, port: number, env: Env, logDir: string): Promise<BenchApp> {
    const app = new BenchApp(
      Child.node(name, 'dist/main.js', [], { ...env, PORT: String(port) }, logDir),
      port,
    );
    await waitFor(
      `${name} to answer /health/live`,
      async () => {
        if (!app.child.running) throw new GiveUp(`${name} exited:\n${app.child.tail()}`);
        const res = await fetch(`${app.url}/health/live`).catch(() => undefined);
        return res?.ok === true ? true : undefined;
      },
      START_MS,
      200,
    );
    return app;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** A GraphQL operation that must succeed. */
  async q<T>(token: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const result = await gqlAt<T>(this.url, token, query, variables);
    if (result.errors !== undefined || result.data === undefined || result.data === null)
      throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
    return result.data;
  }
}

/** The Okta simulator in its own process, with its control API (test/support/faults/okta-sim-process). */
export class BenchSim {
  private constructor(
    readonly child: Child,
    readonly host: string,
    private readonly controlUrl: string,
  ) {}

  static async start(users: number, redirectUri: string, logDir: string): Promise<BenchSim> {
    let announced: { host: string; control: string } | undefined;
    const args = ['--users', String(users), '--seed', '99', '--redirect-uri', redirectUri];
    args.push('--client-id', BENCH_OKTA_CLIENT.clientId, '--client-secret', BENCH_OKTA_CLIENT.clientSecret);
    const child = Child.node(
      'okta-sim',
      'dist-test/test/support/faults/okta-sim-process.js',
      args,
      {},
      logDir,
      (line) => {
        if (line.startsWith('{')) announced = JSON.parse(line) as typeof announced;
      },
    );
    const info = await waitFor(
      'the Okta simulator to announce its URL',
      () => {
        if (!child.running) throw new GiveUp(`the simulator exited:\n${child.tail()}`);
        return announced;
      },
      START_MS,
      100,
    );
    return new BenchSim(child, info.host, info.control);
  }

  control<T = unknown>(route: string, body?: unknown): Promise<T> {
    return simControl<T>(this.controlUrl, route, body);
  }
}
