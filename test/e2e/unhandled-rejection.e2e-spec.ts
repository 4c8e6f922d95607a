import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { processEnv, ROOT } from '../support/dist-process';
import { freePort } from '../support/net';
import { testConfig } from '../support/test-config';

const ENTRY = join(ROOT, 'dist', 'main.js');

/**
 * The compiled server, started as it is in production (`dist/main.js`), by a launcher that does one thing
 * the server does not know about: on SIGUSR2 it rejects a promise nobody handles, as the sync heartbeat once
 * did. Nothing in the application is there for the test.
 */
const LAUNCHER = `
process.on('SIGUSR2', () => {
  Promise.reject(new Error('deliberate rejection from the test launcher'));
});
require(${JSON.stringify(ENTRY)});
`;

function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const poll = (): void => {
      Promise.resolve()
        .then(check)
        .then((ok) => {
          if (ok) resolve();
          else if (Date.now() > deadline) reject(new Error(`${what}: not within ${timeoutMs} ms`));
          else setTimeout(poll, 100);
        }, reject);
    };
    poll();
  });
}

describe('the server process and unhandled promise rejections', () => {
  it('logs an unhandled rejection through the app logger and keeps serving', async () => {
    if (!existsSync(ENTRY))
      throw new Error(`${ENTRY} is missing: run \`npm run build\` (npm test does it first)`);
    const config = testConfig();
    const port = await freePort();
    const child = spawn(process.execPath, ['-e', LAUNCHER], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...processEnv({ PORT: String(port) }, config),
      },
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    let exitCode: number | null | undefined;
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => {
        exitCode = code;
        resolve(code);
      }),
    );
    const live = (): Promise<boolean> =>
      fetch(`http://127.0.0.1:${port}/health/live`).then(
        (r) => r.ok,
        () => false,
      );
    try {
      await waitFor(live, 30_000, 'the server answering /health/live');

      child.kill('SIGUSR2');
      await waitFor(
        () => {
          if (exitCode !== undefined) throw new Error(`the server exited (code ${String(exitCode)})`);
          return output.includes(
            'Unhandled promise rejection: Error: deliberate rejection from the test launcher',
          );
        },
        10_000,
        'the rejection logged',
      ).catch((error: Error) => {
        throw new Error(`${error.message}; exit code ${String(exitCode)}; output:\n${output.slice(-3000)}`);
      });
      const line = output.split('\n').find((l) => l.includes('deliberate rejection from the test launcher'));
      expect(JSON.parse(line ?? '{}')).toMatchObject({ level: 50, context: 'Process' });

      expect(await live()).toBe(true);
      expect(exitCode).toBeUndefined();
    } finally {
      child.kill('SIGTERM');
      const code = await Promise.race([
        exited,
        new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 20_000).unref()),
      ]);
      if (code === 'timeout') child.kill('SIGKILL');
    }
    expect(exitCode).toBe(0);
  });
});
