import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { processEnv, ROOT } from '../support/dist-process';
import { testTempDir } from '../support/test-temp';

jest.setTimeout(60_000);

/** Nest's wiring lines: one per module and one per route. */
const WIRING = /InstanceLoader|RoutesResolver|RouterExplorer|Mapped \{/;

interface Booted {
  /** stdout lines written until /health/ready answered 200. */
  readonly lines: string[];
  readonly stderr: string;
}

/**
 * `node dist/main.js` as an operator starts it: waits for its last boot line ("Get a token"), then for
 * /health/ready to answer, and returns what it had written by then. The process is stopped afterwards.
 */
async function boot(env: Record<string, string | undefined>): Promise<Booted> {
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const child: ChildProcess = spawn(process.execPath, [join(ROOT, 'dist', 'main.js')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TMPDIR: process.env.TMPDIR,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...env,
      PORT: String(port),
    },
  });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const booted = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('Get a token')) resolve();
    });
    void exited.then((code) => reject(new Error(`exited ${String(code)} before booting: ${stderr}`)));
  });
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    await booted;
    const ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
    expect(ready.status).toBe(200);
    const lines = stdout.split('\n').filter((line) => line !== '');
    return { lines, stderr };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

describe('boot logs of the server process', () => {
  it('are JSON from the first line in production, Nest’s own lines included, without wiring noise', async () => {
    const { lines, stderr } = await boot(
      processEnv({
        NODE_ENV: 'production',
        PUBLIC_URL: 'https://evidence.example.test',
        DASHBOARD_URL: 'https://app.example.test/okta',
        AUTH_JWT_SECRET: 'production-secret-0123456789-abcdefghijklmnop',
        DATA_DIR: join(testTempDir('logs-production-'), 'data'),
      }),
    );
    expect(stderr).toBe('');
    const parsed = lines.map((line) => {
      try {
        return JSON.parse(line) as { level?: unknown; context?: unknown; msg?: unknown };
      } catch {
        throw new Error(`not JSON: ${line}`);
      }
    });
    expect(parsed.length).toBeGreaterThan(0);
    for (const line of parsed) expect(typeof line.level).toBe('number');
    expect(parsed[0]).toMatchObject({ context: 'NestFactory', msg: 'Starting Nest application...' });
    expect(parsed).toContainEqual(
      expect.objectContaining({
        context: 'Main',
        msg: 'GraphQL API at https://evidence.example.test/graphql',
      }),
    );
    // The image holds dist/ only: the hint names the CLI as it runs there.
    const hints = parsed.map((line) => String(line.msg)).filter((msg) => msg.startsWith('Get a token'));
    expect(hints).toHaveLength(1);
    expect(hints[0]).toContain('Get a token: node dist/cli.js org create');
    expect(lines.filter((line) => WIRING.test(line))).toEqual([]);
  });

  it('are few in development at info: the listening URL and how to get a token, no module or route lines', async () => {
    const { lines, stderr } = await boot(
      processEnv({ NODE_ENV: 'development', DATA_DIR: join(testTempDir('logs-development-'), 'data') }),
    );
    expect(stderr).toBe('');
    expect(lines.filter((line) => WIRING.test(line))).toEqual([]);
    expect(lines.length).toBeLessThanOrEqual(10);
    expect(lines.some((line) => line.includes('GraphQL API at http://localhost:'))).toBe(true);
    expect(lines.some((line) => line.includes('Get a token: npm run cli -- org create'))).toBe(true);
  });
});
