import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { type AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestApp } from '../support/test-app';
import { processEnv, ROOT, runEntry as run } from '../support/dist-process';

describe('the server process', () => {
  it.each<[string, Record<string, string>, RegExp]>([
    ['a bad PORT', { PORT: 'eighty' }, /PORT: expected an integer from 0 to 65535; got "eighty"/],
    [
      'a missing AUTH_JWT_SECRET in production',
      { NODE_ENV: 'production', AUTH_JWT_SECRET: '' },
      /AUTH_JWT_SECRET: required when NODE_ENV=production/,
    ],
    [
      'KMS_PROVIDER=aws without a key',
      { KMS_PROVIDER: 'aws', KMS_KEY_ID: '' },
      /KMS_KEY_ID: required when KMS_PROVIDER=aws/,
    ],
  ])('exits 1 on %s, naming the variable', async (_name, overrides, message) => {
    const result = await run('main.js', [], processEnv(overrides));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^Invalid configuration:/);
    expect(result.stderr).toMatch(message);
  });
});

describe('graceful shutdown', () => {
  it('serves, then on SIGTERM stops claiming work, closes everything and exits 0', async () => {
    const entry = join(ROOT, 'dist', 'main.js');
    const port = 20000 + Math.floor(Math.random() * 20000);
    const child = spawn(process.execPath, [entry], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        ...processEnv({ PORT: String(port), SCHEDULER_TICK_MS: '100', STALENESS_CHECK_MS: '100' }),
      },
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const deadline = Date.now() + 30_000;
    let live = false;
    while (!live && Date.now() < deadline) {
      live = await fetch(`http://127.0.0.1:${port}/health/live`).then(
        (r) => r.ok,
        () => false,
      );
      if (!live) await new Promise((r) => setTimeout(r, 200));
    }
    expect(live).toBe(true);
    await new Promise((r) => setTimeout(r, 500)); // a few scheduler ticks
    child.kill('SIGTERM');
    const code = await Promise.race([
      exited,
      new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 20_000)),
    ]);
    if (code === 'timeout') child.kill('SIGKILL');
    expect(code).toBe(0);
    expect(stdout).toContain('SIGTERM: shutting down');
    expect(stdout).not.toMatch(/"level":(50|60)/);
  });
});

describe('the CLI', () => {
  it('creates an organization and prints one JSON line with a working admin token', async () => {
    const env = processEnv();
    const result = await run('cli.js', ['org', 'create', '--name', 'Acme CLI'], env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const printed = JSON.parse(lines[0] ?? '') as { organizationId: string; adminToken: string };
    expect(Object.keys(printed).sort()).toEqual(['adminToken', 'organizationId']);
    expect(printed.organizationId).toMatch(/^[0-9a-f]{24}$/);

    const t = await TestApp.start({ MONGO_DB_NAME: env.MONGO_DB_NAME, DATA_DIR: env.DATA_DIR });
    try {
      const me = await t.gql(printed.adminToken, '{ me { role organization { id name } } }');
      expect(me.data).toEqual({
        me: { role: 'ADMIN', organization: { id: printed.organizationId, name: 'Acme CLI' } },
      });

      const minted = await run(
        'cli.js',
        ['token', '--org', printed.organizationId, '--role', 'AUDITOR', '--sub', 'u1'],
        env,
      );
      expect(minted.code).toBe(0);
      const auditor = await t.gql(minted.stdout.trim(), '{ me { userId role } }');
      expect(auditor.data).toEqual({ me: { userId: 'u1', role: 'AUDITOR' } });
    } finally {
      await t.close();
    }
  });

  it.each<[string, string[], RegExp]>([
    ['no command', [], /No command given/],
    ['an unknown command', ['org', 'delete'], /Unknown command "org delete"/],
    ['a missing name', ['org', 'create'], /--name is required/],
    [
      'a bad role',
      ['token', '--org', '0123456789abcdef01234567', '--role', 'ROOT', '--sub', 'u'],
      /--role must be one of ADMIN, MEMBER, AUDITOR/,
    ],
    [
      'a bad organization id',
      ['token', '--org', 'acme', '--role', 'ADMIN', '--sub', 'u'],
      /--org must be a 24-character hex/,
    ],
  ])('exits 2 with usage on %s', async (_name, args, message) => {
    const result = await run('cli.js', args, processEnv({ DATA_DIR: mkdtempSync(join(tmpdir(), 'cli-')) }));
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain('Usage:');
  });

  it.each<[string[], string]>([
    [['--help'], 'npm run cli -- bundle --org <organizationId> --assessment <assessmentId>'],
    [['bundle', '--help'], 'npm run cli -- bundle --org <organizationId> --assessment <assessmentId>'],
    [['token', '-h'], 'npm run cli -- token --org <organizationId> --role <ADMIN|MEMBER|AUDITOR>'],
  ])('prints the usage on stdout and exits 0 for %j', async (args, line) => {
    const result = await run('cli.js', args, processEnv());
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^Usage:/);
    expect(result.stdout).toContain(line);
  });
});

describe('node dist/main.js on a busy port (e2e, real process)', () => {
  it('says the port is busy and how to free it, in one line, exits 1, and leaves the holder alone', async () => {
    const holder = createServer((_req, res) => res.end('taken'));
    await new Promise<void>((resolve) => holder.listen(0, resolve));
    const { port } = holder.address() as AddressInfo;
    try {
      const result = await run('main.js', [], processEnv({ PORT: String(port) }), 120_000);
      expect({ code: result.code, stderr: result.stderr.trim().split('\n') }).toEqual({
        code: 1,
        stderr: [`port ${port} is busy: stop the process using it or set PORT`],
      });
      expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('taken');
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });
});
