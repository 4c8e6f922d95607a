import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { runEntry } from '../support/dist-process';
import { testTempDir } from '../support/test-temp';

const ROOT = join(__dirname, '..', '..');
const DEMO = join(ROOT, 'dist-test', 'scripts', 'demo.js');

describe('npm run demo (non-interactive, --exit)', () => {
  it('connects a simulated Okta org through PKCE, syncs it and prints coverage, checks, counts and a token', async () => {
    if (!existsSync(DEMO))
      throw new Error(`${DEMO} is missing: run \`npm run build:tools\` (npm test does it first)`);
    const started = Date.now();
    const { code, stdout, stderr } = await new Promise<{
      code: number | null;
      stdout: string;
      stderr: string;
    }>((resolve, reject) => {
      const child = spawn(process.execPath, [DEMO, '--exit'], {
        cwd: ROOT,
        env: {
          ...process.env,
          NODE_ENV: 'development',
          PORT: '0',
          DATA_DIR: mkdtempSync(join(tmpdir(), 'demo-')),
          MONGO_DB_NAME: `demo_${randomBytes(4).toString('hex')}`,
          AUTH_JWT_SECRET: '',
          LOCAL_MASTER_KEY_FILE: '',
        },
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`demo did not finish in 90 s: ${out}\n${err}`));
      }, 90_000);
      child.on('exit', (exitCode) => {
        clearTimeout(timer);
        resolve({ code: exitCode, stdout: out, stderr: err });
      });
    });
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(/Okta simulator: http:\/\/127\.0\.0\.1:\d+ \(500 active users\)/);
    expect(stdout).toMatch(/Connected Okta through OAuth 2\.0 \+ PKCE: .*result=connected/);
    expect(stdout).toMatch(/Syncing: user_mfa \d+/);
    expect(stdout).toMatch(/First sync SUCCEEDED/);
    expect(stdout).toMatch(/Coverage: \d+(\.\d)?%/);
    expect(stdout).toMatch(/CC6\.1 Logical access security: (COVERED|DEGRADED|MISSING)/);
    expect(stdout).toMatch(/FAIL Every active user has MFA: \d+ of 500 fail/);
    expect(stdout).toMatch(/okta\.user_mfa: 500\n/);
    expect(stdout).toMatch(/Admin token \(valid 24 h\): [\w-]+\.[\w-]+\.[\w-]+/);
    expect(stdout).toContain('/graphql');
    // It ends with the dashboard's sign-in URL, and the dashboard was served.
    expect(stdout.trimEnd().split('\n').at(-1)).toMatch(
      /^Dashboard \(signed in as the admin\): http:\/\/127\.0\.0\.1:\d+\/integrations\/okta#token=[\w.-]+$/,
    );
    expect(Date.now() - started).toBeLessThan(90_000);
  });
});

describe('npm run demo next to a running server', () => {
  it('says the port is busy and how to free it, in one line, and exits 1 without starting anything', async () => {
    // A plain server on the port, as `npm start` would hold it.
    const server = createServer((_req, res) => res.end('taken'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const result = await runEntry('../dist-test/scripts/demo.js', ['--exit'], {
        NODE_ENV: 'development',
        PORT: String(port),
        DATA_DIR: testTempDir('demo-busy-'),
      });
      // oidc-provider (the simulator's) warns on Node 20 when it loads; nothing else is said.
      const said = result.stderr
        .split('\n')
        .filter((line) => line !== '' && !line.startsWith('oidc-provider WARNING: Unsupported runtime'));
      expect({ code: result.code, stdout: result.stdout, said }).toEqual({
        code: 1,
        stdout: '',
        said: [`port ${port} is busy: stop \`npm start\` or set PORT`],
      });
      // The server holding the port was left alone.
      expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('taken');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
