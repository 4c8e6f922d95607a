import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SyncService } from '#src/modules/connectors/sync/sync.service';
import { processEnv, ROOT, type Run } from '../support/dist-process';
import { freePort } from '../support/net';
import { connectOkta, gqlAt } from '../support/okta-connect';
import { OktaOrgState, OktaSimulator } from '../support/okta-simulator';
import { type FencedBlock, fencedBlocks } from '../support/readme-blocks';
import { TestApp } from '../support/test-app';
import { testTempDir } from '../support/test-temp';

/**
 * Every shell, GraphQL and JavaScript example of README.md, run in order as a reader would paste them: the
 * shell blocks in one terminal (each block sees the variables and functions the ones before it set), in a
 * folder that looks like the project's, against an app this suite starts with the Okta simulator as the
 * customer's Okta. A block that cannot run here says why (`<!-- not-run: reason -->`); one that needs what a
 * reader did by hand names it (`<!-- given: name … -->`, done by GIVENS below). What the suite changes in a
 * block, and nothing else: `localhost:3000` is the app's address, and in GraphQL blocks the Okta domain and
 * client (`acme.okta.com`, `"0oa…"`, `"…"`) are the simulator's.
 */

jest.setTimeout(120_000);

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const BLOCKS = fencedBlocks(README);
const RUN = BLOCKS.filter((b) => b.notRun === undefined);
const LANGUAGES = ['bash', 'sh', 'graphql', 'js'];
const CLIENT = { clientId: 'readme-client', clientSecret: 'readme-client-secret' };
/** What the shell examples need of the project's folder (the rest stays out of the reader's terminal). */
const PROJECT = ['package.json', '.npmrc', 'node_modules', 'dist', 'dist-test', 'scripts', 'src'];
const PROJECT_CONFIG = ['tsconfig.json', 'tsconfig.build.json'];

interface Context {
  readonly url: string;
  readonly sim: OktaSimulator;
  readonly t: TestApp;
  /** A variable the shell examples set so far. */
  variable(name: string): Promise<string>;
  /** Adds `export NAME=value` to the shell's state. */
  exportVariable(name: string, value: string): void;
}

/** What a reader does by hand between examples, done for the blocks that name it. */
const GIVENS: Record<string, (c: Context) => Promise<void>> = {
  /** An ACTIVE Okta connection of $ORG (the OAuth flow through a browser), synced once. */
  'okta-connected': async (c) => {
    await connectOkta({
      baseUrl: c.url,
      publicUrl: c.url,
      token: await c.variable('TOKEN'),
      oktaDomain: c.sim.host,
      client: CLIENT,
    });
    await c.t.get<SyncService>(SyncService).idle();
  },
  /** An assessment of $ORG over the last 30 days. */
  assessment: async (c) => {
    const made = await gqlAt(
      c.url,
      await c.variable('TOKEN'),
      'mutation($input: CreateAssessmentInput!) { createAssessment(input: $input) { id } }',
      {
        input: {
          name: 'README',
          periodStart: new Date(Date.now() - 30 * 86_400_000).toISOString(),
          periodEnd: new Date().toISOString(),
        },
      },
    );
    expect(made.errors).toBeUndefined();
  },
};

/** Placeholders a reader must fill in that the block still holds (comments aside). */
function placeholders(block: FencedBlock, code: string): string[] {
  const comment = block.lang === 'js' ? /(^|\s)\/\/.*$/ : block.lang === 'graphql' ? /$^/ : /(^|\s)#.*$/;
  return code
    .split('\n')
    .map((line) => line.replace(comment, ''))
    .flatMap((line) => [...line.matchAll(/…|<[A-Za-z][\w -]*>/g)].map((m) => m[0]));
}

/** GraphQL answers printed by a shell block (one JSON object a line) that carry errors or no data. */
function failedAnswers(stdout: string): string[] {
  // curl prints no newline after an answer, so one may share its line with what follows.
  const inline = stdout.includes('"errors":[') ? [`an answer with errors in: ${stdout}`] : [];
  return [
    ...inline,
    ...stdout.split('\n').filter((line) => {
      if (!line.startsWith('{')) return false;
      try {
        const body = JSON.parse(line) as { errors?: unknown; data?: unknown };
        return body.errors !== undefined || ('data' in body && body.data === null);
      } catch {
        return false;
      }
    }),
  ];
}

function quote(path: string): string {
  return `'${path.replace(/'/g, `'\\''`)}'`;
}

function collect(child: ChildProcess, timeoutMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`did not finish in ${timeoutMs} ms; stdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('README.md examples', () => {
  it('every fenced block is one this suite runs, or says why not', () => {
    expect(BLOCKS.length).toBeGreaterThan(8);
    const unrunnable = RUN.filter((b) => !LANGUAGES.includes(b.lang)).map(
      (b) => `README.md:${b.line} ${b.lang === '' ? '(no language)' : b.lang}`,
    );
    expect(unrunnable).toEqual([]);
    expect(BLOCKS.filter((b) => b.notRun === '').map((b) => `README.md:${b.line}`)).toEqual([]);
    const unknown = RUN.flatMap((b) => b.given.filter((g) => !(g in GIVENS)).map((g) => `${b.line}: ${g}`));
    expect(unknown).toEqual([]);
    // The only JavaScript this suite knows how to run is the subscription example.
    expect(
      RUN.filter((b) => b.lang === 'js' && !b.code.includes('createClient(')).map((b) => b.line),
    ).toEqual([]);
  });

  describe('run in order, as pasted, against the app and the Okta simulator', () => {
    let sim: OktaSimulator;
    let t: TestApp;
    let url: string;
    let work: string;
    let state: string;
    let env: Record<string, string | undefined>;
    let subscriber: ChildProcess | undefined;
    let subscriberOut = '';
    const extra: string[] = [];

    const bash = (code: string, timeoutMs = 90_000): Promise<Run> => {
      const script = [
        'set -euo pipefail',
        `source ${quote(state)}`,
        ...extra.splice(0),
        code,
        `{ export -p; declare -f; } > ${quote(`${state}.next`)}`,
        `mv ${quote(`${state}.next`)} ${quote(state)}`,
      ].join('\n');
      return collect(spawn('bash', ['-c', script], { cwd: work, env }), timeoutMs);
    };

    const context = (): Context => ({
      url,
      sim,
      t,
      async variable(name) {
        const read = await bash(`printf '%s' "\${${name}:-}"`);
        if (read.stdout === '') throw new Error(`no ${name} set by the examples before this one`);
        return read.stdout;
      },
      exportVariable(name, value) {
        extra.push(`export ${name}=${quote(value)}`);
      },
    });

    const substitute = (block: FencedBlock): string => {
      let code = block.code
        .replaceAll('http://localhost:3000', url)
        .replaceAll('ws://localhost:3000', url.replace(/^http/, 'ws'))
        .replaceAll('localhost:3000', new URL(url).host);
      if (block.lang === 'graphql')
        code = code
          .replaceAll('acme.okta.com', sim.host)
          .replaceAll('"0oa…"', JSON.stringify(CLIENT.clientId))
          .replaceAll('"…"', JSON.stringify(CLIENT.clientSecret));
      return code;
    };

    beforeAll(async () => {
      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      sim = await OktaSimulator.start({
        ...CLIENT,
        redirectUri: `${url}/api/integrations/okta/callback`,
        state: OktaOrgState.seed({ users: 20, seed: 21 }),
      });
      t = await TestApp.start(
        {
          PUBLIC_URL: url,
          OKTA_ALLOWED_INSECURE_HOSTS: sim.host,
          STALENESS_CHECK_MS: '200',
          SCHEDULER_TICK_MS: '3600000',
        },
        undefined,
        port,
      );
      work = testTempDir('readme-');
      for (const entry of [...PROJECT, ...PROJECT_CONFIG]) symlinkSync(join(ROOT, entry), join(work, entry));
      state = join(testTempDir('readme-shell-'), 'state.sh');
      writeFileSync(state, '');
      env = {
        ...processEnv(
          { MONGO_DB_NAME: t.config.mongoDbName, DATA_DIR: t.config.dataDir, PUBLIC_URL: url },
          t.config,
        ),
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        TMPDIR: process.env.TMPDIR,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      };
    });

    afterAll(async () => {
      subscriber?.kill('SIGTERM');
      await t.get<SyncService>(SyncService).idle();
      await t.close();
      await sim.close();
    });

    it.each(RUN.map((b) => [`README.md:${b.line} (${b.lang})`, b] as const))('%s', async (_name, block) => {
      for (const given of block.given) await GIVENS[given]?.(context());
      const code = substitute(block);
      expect(placeholders(block, code)).toEqual([]);

      if (block.lang === 'graphql') {
        // "An ADMIN calls": an organization of its own, so each example connects the same Okta afresh.
        const org = await t.createOrg(`README ${block.line}`);
        const answer = await gqlAt(url, org.adminToken, code);
        expect(answer.errors).toBeUndefined();
        expect(answer.data).toBeTruthy();
        return;
      }

      if (block.lang === 'js') {
        const file = join(work, /node (\S+\.mjs)/.exec(README)?.[1] ?? 'alerts.mjs');
        writeFileSync(file, code);
        // A refused token: the close code is printed, and the script ends.
        const refused = await collect(
          spawn(process.execPath, [file], { cwd: work, env: { ...env, TOKEN: 'not-a-token' } }),
          20_000,
        );
        expect(refused.stdout).toBe('');
        expect(refused.stderr).toMatch(/^closed 4403 \S+/m);
        // The admin's token: connected, then kept running for the alerts the next examples cause.
        const child = spawn(process.execPath, [file], {
          cwd: work,
          env: { ...env, TOKEN: await context().variable('TOKEN') },
        });
        subscriber = child;
        child.stdout.on('data', (d: Buffer) => (subscriberOut += d.toString()));
        await new Promise<void>((resolve, reject) => {
          let err = '';
          child.stderr.on('data', (d: Buffer) => {
            err += d.toString();
            if (err.split('\n').includes('connected')) resolve();
          });
          child.on('exit', (exitCode) => reject(new Error(`alerts example exited ${exitCode}: ${err}`)));
        });
        return;
      }

      const run = await bash(code);
      expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
      expect(failedAnswers(run.stdout)).toEqual([]);
    });

    it("the subscription example printed the STALE_CONNECTOR alert that `dev stale` made the app's staleness check open", async () => {
      expect(subscriber).toBeDefined();
      const connection = await context().variable('CONNECTION');
      const deadline = Date.now() + 10_000;
      const alertLine = (): string | undefined =>
        subscriberOut.split('\n').find((line) => line.includes('"STALE_CONNECTOR"'));
      // Each chunk it prints, until the alert or the deadline.
      while (alertLine() === undefined && Date.now() < deadline)
        await Promise.race([
          new Promise((resolve) => subscriber?.stdout?.once('data', resolve)),
          sleep(deadline - Date.now()),
        ]);
      const alert = JSON.parse(alertLine() ?? '{}') as {
        staleAlerts?: { kind: string; connectionId: string; message: string; resolvedAt: string | null };
      };
      expect(alert.staleAlerts).toMatchObject({
        kind: 'STALE_CONNECTOR',
        connectionId: connection,
        resolvedAt: null,
      });
      expect(alert.staleAlerts?.message).toBe(`Okta ${sim.host} last synced 7 h ago (threshold 6 h)`);
    });
  });
});
