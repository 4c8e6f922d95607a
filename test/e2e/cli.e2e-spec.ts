import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { processEnv, ROOT, type Run, runEntry } from '../support/dist-process';
import { TestApp } from '../support/test-app';
import { testTempDir } from '../support/test-temp';

const COMMANDS = ['org create', 'org list', 'token', 'login', 'bundle', 'dev stale'];

describe('the CLI (dist/cli.js): exit codes 0, 1 and 2', () => {
  it.each<[string, string[], string[]]>([
    ['the top level', ['--help'], COMMANDS],
    ['the top level (-h)', ['-h'], COMMANDS],
    ['org', ['org', '--help'], ['org create', 'org list']],
    ['org create', ['org', 'create', '--help'], ['org create']],
    ['org list', ['org', 'list', '-h'], ['org list']],
    ['token', ['token', '--help'], ['token']],
    ['login', ['login', '--org', 'x', '-h'], ['login']],
    ['bundle', ['bundle', '-h'], ['bundle']],
    ['dev', ['dev', '--help'], ['dev stale']],
  ])('help at %s: that usage on stdout, exit 0', async (_level, args, commands) => {
    const result = await runEntry('cli.js', args, processEnv());
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^Usage:\n/);
    const listed = COMMANDS.filter((c) => result.stdout.includes(`npm run cli -- ${c} `));
    expect(listed).toEqual(commands);
  });

  it.each<[string, string[], string]>([
    ['an unknown command', ['org', 'remove'], 'Unknown command "org remove"'],
    ['an unknown top-level flag', ['--verbose'], 'Unknown option "--verbose"'],
    ['an unknown flag of a command', ['org', 'list', '--all'], 'Unknown option "--all"'],
    ['a flag without its value', ['token', '--org'], '--org needs a value'],
    ['a value given to a switch', ['org', 'list', '--json=yes'], '--json takes no value'],
    ['a stray argument', ['org', 'list', '--json', 'acme'], 'Unexpected argument "acme"'],
    ['a group without its subcommand', ['org'], '"org" needs a subcommand: create, list'],
  ])('misuse, %s: one line and a usage hint on stderr, exit 2', async (_case, args, message) => {
    const result = await runEntry('cli.js', args, processEnv());
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe(message);
    expect(lines[1]).toMatch(/^Usage: npm run cli -- .*\(npm run cli -- (\S+ )*--help\)$/);
  });

  describe('with a database', () => {
    let t: TestApp;
    let env: Record<string, string | undefined>;

    beforeAll(async () => {
      t = await TestApp.start();
      env = processEnv({ MONGO_DB_NAME: t.config.mongoDbName, DATA_DIR: t.config.dataDir }, t.config);
    });

    afterAll(() => t.close());

    it('org list lists the organizations, oldest first, as lines or as JSON', async () => {
      const empty = await runEntry('cli.js', ['org', 'list'], env);
      expect(empty).toEqual({ code: 0, stdout: '', stderr: '' });

      const created: { organizationId: string }[] = [];
      for (const name of ['Acme', 'Globex Corp']) {
        const made = await runEntry('cli.js', ['org', 'create', '--name', name], env);
        expect(made.code).toBe(0);
        created.push(JSON.parse(made.stdout) as { organizationId: string });
      }
      const [acme, globex] = created.map((c) => c.organizationId);

      const lines = await runEntry('cli.js', ['org', 'list'], env);
      expect(lines.code).toBe(0);
      const rows = lines.stdout.trimEnd().split('\n');
      expect(rows).toHaveLength(2);
      expect(rows[0]).toMatch(new RegExp(`^${acme}  \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z  Acme$`));
      expect(rows[1]).toMatch(new RegExp(`^${globex}  \\S+  Globex Corp$`));

      const json = await runEntry('cli.js', ['org', 'list', '--json'], env);
      expect(json.code).toBe(0);
      const listed = JSON.parse(json.stdout) as { id: string; name: string; createdAt: string }[];
      expect(listed.map(({ id, name }) => ({ id, name }))).toEqual([
        { id: acme, name: 'Acme' },
        { id: globex, name: 'Globex Corp' },
      ]);
      expect(listed.every((o) => !Number.isNaN(Date.parse(o.createdAt)))).toBe(true);
    });

    it('token and login refuse an organization that does not exist (exit 1), and mint for one that does', async () => {
      const missing = '0123456789abcdef01234567';
      for (const command of [
        ['token', '--org', missing, '--role', 'ADMIN', '--sub', 'u1'],
        ['login', '--org', missing],
      ]) {
        const refused = await runEntry('cli.js', command, env);
        expect(refused).toEqual({
          code: 1,
          stdout: '',
          stderr: `Organization ${missing} does not exist: no token minted (npm run cli -- org list)\n`,
        });
      }

      const org = await t.createOrg('Initech');
      const minted = await runEntry(
        'cli.js',
        ['token', '--org', org.organizationId, '--role', 'MEMBER', '--sub', 'u2'],
        env,
      );
      expect(minted.code).toBe(0);
      const me = await t.gql(minted.stdout.trim(), '{ me { userId role organization { name } } }');
      expect(me.data).toEqual({ me: { userId: 'u2', role: 'MEMBER', organization: { name: 'Initech' } } });
    });
  });
});

/** `npm run cli` and `npm run verify` go through scripts/run-built.mjs: it builds only when dist is stale. */
describe('scripts/run-built.mjs', () => {
  /** A project of its own: one source file, the launcher, and TypeScript linked in. */
  function project(): string {
    const dir = testTempDir('run-built-');
    mkdirSync(join(dir, 'src'));
    mkdirSync(join(dir, 'scripts'));
    mkdirSync(join(dir, 'node_modules'));
    copyFileSync(join(ROOT, 'scripts', 'run-built.mjs'), join(dir, 'scripts', 'run-built.mjs'));
    symlinkSync(join(ROOT, 'node_modules', 'typescript'), join(dir, 'node_modules', 'typescript'));
    writeFileSync(join(dir, 'package.json'), '{ "private": true }\n');
    writeFileSync(join(dir, 'tsconfig.json'), '{ "compilerOptions": { "strict": true, "types": [] } }\n');
    writeFileSync(
      join(dir, 'tsconfig.build.json'),
      JSON.stringify({
        extends: './tsconfig.json',
        compilerOptions: {
          module: 'commonjs',
          rootDir: 'src',
          outDir: 'dist',
          incremental: true,
          tsBuildInfoFile: 'node_modules/.cache/tsc-build.tsbuildinfo',
        },
        include: ['src'],
      }),
    );
    writeSource(dir, 'first');
    return dir;
  }

  function writeSource(dir: string, word: string, at = new Date()): void {
    const file = join(dir, 'src', 'entry.ts');
    writeFileSync(
      file,
      'declare const process: { argv: string[]; exitCode?: number; stdout: { write(s: string): void } };\n' +
        `process.stdout.write(\`${word} \${process.argv.slice(2).join(',')}\\n\`);\nprocess.exitCode = 3;\n`,
    );
    utimesSync(file, at, at);
  }

  function launch(dir: string, args: string[]): Promise<Run> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [join(dir, 'scripts', 'run-built.mjs'), 'entry.js', ...args], {
        cwd: dir,
        env: { PATH: process.env.PATH, HOME: process.env.HOME },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('exit', (code) => resolve({ code, stdout, stderr }));
    });
  }

  const stamp = (dir: string): number =>
    statSync(join(dir, 'node_modules', '.cache', 'tsc-build.tsbuildinfo')).mtimeMs;

  it('builds a missing dist, runs the built file as is when current, and rebuilds after a change', async () => {
    const dir = project();
    expect(await launch(dir, ['a', 'b'])).toEqual({ code: 3, stdout: 'first a,b\n', stderr: '' });

    const built = { info: stamp(dir), entry: statSync(join(dir, 'dist', 'entry.js')).mtimeMs };
    expect(await launch(dir, ['c'])).toEqual({ code: 3, stdout: 'first c\n', stderr: '' });
    expect({ info: stamp(dir), entry: statSync(join(dir, 'dist', 'entry.js')).mtimeMs }).toEqual(built);

    writeSource(dir, 'second', new Date(Date.now() + 60_000));
    expect(await launch(dir, [])).toEqual({ code: 3, stdout: 'second \n', stderr: '' });
  });

  it('does not run a stale entry when the build fails: the compiler output and one line on stderr, exit 1', async () => {
    const dir = project();
    writeFileSync(join(dir, 'src', 'entry.ts'), 'const n: number = "not a number";\n');
    const result = await launch(dir, []);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('error TS2322');
    expect(result.stderr).toContain('The build failed (tsc -p tsconfig.build.json); entry.js was not run.');
  });
});
