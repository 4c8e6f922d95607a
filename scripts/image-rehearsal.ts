/**
 * `npm run rehearse:image`: the Dockerfile without a Docker engine. Replays each stage in a temporary folder
 * (COPY from the build context minus .dockerignore, or from an earlier stage; RUN in the stage's WORKDIR with
 * its ENV), then starts the last stage's CMD as production would (NODE_ENV=production, https PUBLIC_URL,
 * AWS KMS, MONGO_URL) against the MongoDB-compatible server at MONGO_URL, waits for `/health/ready`, runs
 * the HEALTHCHECK command, creates an organization with the image's CLI and reads it back over GraphQL with
 * its admin token (a request without one is refused), and stops it (SIGTERM, exit 0). This proves that the
 * runtime stage holds everything the API imports. Needs MONGO_URL, KMS_KEY_ID, AWS_ENDPOINT_URL_KMS (or real
 * AWS credentials) and AWS_REGION, as .ci/run exports them. `--keep` keeps the folders.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mongoose from 'mongoose';
import { freePort } from '../test/support/net';
import {
  ignoredBy,
  type Instruction,
  parseDockerfile,
  parseDockerignore,
  type Stage,
} from '../test/support/dockerfile';

const ROOT = join(__dirname, '..', '..');
const READY_TIMEOUT_MS = 180_000;

function log(message: string): void {
  process.stdout.write(`[rehearse:image] ${message}\n`);
}

/** Runs a shell command, streaming its output; rejects on a non-zero exit. */
function sh(command: string, cwd: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { cwd, env, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`"${command}" exited with ${String(code)}`)),
    );
  });
}

/** A stage's folders: `/app` of the image is `<root>/app`. */
function inStage(stageRoot: string, path: string): string {
  return join(stageRoot, path);
}

async function replay(
  stage: Stage,
  root: string,
  built: ReadonlyMap<string, string>,
  ignore: (e: string) => boolean,
) {
  let workdir = root;
  const env: Record<string, string> = {};
  for (const step of stage.instructions) {
    log(`${stage.name}: ${describe(step)}`);
    switch (step.op) {
      case 'WORKDIR':
        workdir = inStage(root, step.path);
        mkdirSync(workdir, { recursive: true });
        break;
      case 'ENV':
        env[step.name] = step.value;
        break;
      case 'COPY': {
        const target = step.target.startsWith('/') ? inStage(root, step.target) : join(workdir, step.target);
        for (const source of step.sources) {
          if (step.from !== undefined) {
            const from = built.get(step.from);
            if (from === undefined) throw new Error(`COPY --from=${step.from}: no such earlier stage`);
            cpSync(inStage(from, source), target, { recursive: true });
          } else if (source === '.') {
            for (const entry of readdirSync(ROOT))
              if (!ignore(entry)) cpSync(join(ROOT, entry), join(target, entry), { recursive: true });
          } else {
            mkdirSync(target, { recursive: true });
            cpSync(join(ROOT, source), join(target, source), { recursive: true });
          }
        }
        break;
      }
      case 'RUN':
        await sh(step.command, workdir, { ...process.env, ...env });
        break;
      case 'USER':
      case 'EXPOSE':
      case 'HEALTHCHECK':
      case 'CMD':
        // How the image runs: the last stage's CMD and HEALTHCHECK are used when it is started.
        break;
    }
  }
  return { workdir, env };
}

function describe(step: Instruction): string {
  switch (step.op) {
    case 'COPY':
      return `COPY ${step.from === undefined ? '' : `--from=${step.from} `}${step.sources.join(' ')} ${step.target}`;
    case 'RUN':
      return `RUN ${step.command}`;
    case 'CMD':
      return `CMD ${step.argv.join(' ')}`;
    case 'WORKDIR':
      return `WORKDIR ${step.path}`;
    case 'ENV':
      return `ENV ${step.name}=${step.value}`;
    case 'USER':
      return `USER ${step.user}`;
    case 'EXPOSE':
      return `EXPOSE ${step.port}`;
    case 'HEALTHCHECK':
      return `HEALTHCHECK CMD ${step.command}`;
  }
}

/** Runs a command and returns its standard output; rejects on a non-zero exit. */
function output(command: string, cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { cwd, env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`"${command}" exited with ${String(code)}`)),
    );
  });
}

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} must be set (see .ci/run)`);
  return value;
}

async function waitReady(url: string, app: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let exited: number | null = null;
  app.once('exit', (code) => (exited = code ?? -1));
  for (;;) {
    if (exited !== null) throw new Error(`the API exited with ${String(exited)} before it was ready`);
    try {
      const response = await fetch(`${url}/health/ready`);
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline)
      throw new Error(`/health/ready did not answer 200 within ${READY_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Best effort: the rehearsal leaves no database behind on the server it borrowed. */
async function dropDatabase(dbName: string): Promise<void> {
  const url = process.env.MONGO_URL;
  if (url === undefined) return;
  const connection = mongoose.createConnection(url, { dbName, serverSelectionTimeoutMS: 5_000 });
  try {
    await connection.asPromise();
    await connection.dropDatabase();
  } catch (error) {
    log(`could not drop ${dbName}: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await connection.close().catch(() => undefined);
  }
}

async function main(): Promise<void> {
  const stages = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
  const ignore = ignoredBy(parseDockerignore(readFileSync(join(ROOT, '.dockerignore'), 'utf8')));
  const work = mkdtempSync(join(tmpdir(), 'okta-evidence-image-'));
  const dbName = `image_rehearsal_${Date.now()}`;
  const built = new Map<string, string>();
  let app: ChildProcess | undefined;
  try {
    let last: { workdir: string; env: Record<string, string> } | undefined;
    for (const stage of stages) {
      const root = join(work, stage.name);
      mkdirSync(root);
      last = await replay(stage, root, built, ignore);
      built.set(stage.name, root);
    }
    const runtime = stages.at(-1);
    const cmd = runtime?.instructions.find((i) => i.op === 'CMD');
    const healthcheck = runtime?.instructions.find((i) => i.op === 'HEALTHCHECK');
    if (runtime === undefined || last === undefined || cmd?.op !== 'CMD' || healthcheck?.op !== 'HEALTHCHECK')
      throw new Error('the last stage needs a CMD and a HEALTHCHECK');
    if (existsSync(join(last.workdir, 'src')))
      throw new Error('the runtime stage holds the sources: dist only');

    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...last.env,
      PORT: String(port),
      ROLE: 'all',
      PUBLIC_URL: 'https://evidence.rehearsal.example',
      DASHBOARD_URL: 'https://evidence.rehearsal.example',
      MONGO_URL: required('MONGO_URL'),
      MONGO_DB_NAME: dbName,
      AUTH_JWT_SECRET: randomBytes(48).toString('base64'),
      KMS_PROVIDER: 'aws',
      KMS_KEY_ID: required('KMS_KEY_ID'),
      AWS_REGION: required('AWS_REGION'),
      ...Object.fromEntries(
        [
          'AWS_ENDPOINT_URL_KMS',
          'AWS_ACCESS_KEY_ID',
          'AWS_SECRET_ACCESS_KEY',
          'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED',
        ]
          .filter((name) => process.env[name] !== undefined)
          .map((name) => [name, process.env[name]]),
      ),
    };
    const [command, ...args] = cmd.argv;
    log(`starting ${cmd.argv.join(' ')} (NODE_ENV=${String(env.NODE_ENV)}, port ${port})`);
    app = spawn(command ?? 'node', args, { cwd: last.workdir, env, stdio: ['ignore', 'inherit', 'inherit'] });
    const url = `http://127.0.0.1:${port}`;
    await waitReady(url, app);
    log('/health/ready answered 200');
    await sh(healthcheck.command, last.workdir, env);
    log('the HEALTHCHECK command passed');
    const ask = async (token?: string) => {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        },
        body: JSON.stringify({ query: '{ me { role organization { name } } }' }),
      });
      return (await response.json()) as {
        data?: { me?: { role: string; organization: { name: string } } };
        errors?: { extensions?: { code?: string } }[];
      };
    };
    const anonymous = await ask();
    if (anonymous.errors?.[0]?.extensions?.code !== 'UNAUTHENTICATED')
      throw new Error(`GraphQL without a token answered ${JSON.stringify(anonymous)}`);
    const created = await output('node dist/cli.js org create --name "Image rehearsal"', last.workdir, env);
    const { adminToken } = JSON.parse(created.trim().split('\n').at(-1) ?? '{}') as { adminToken?: string };
    const me = await ask(adminToken);
    if (me.data?.me?.organization.name !== 'Image rehearsal' || me.data.me.role !== 'ADMIN')
      throw new Error(`GraphQL with the CLI's token answered ${JSON.stringify(me)}`);
    log(
      'the CLI created an organization (its KMS data key and signing key) and GraphQL served it to its admin',
    );
    const exited = new Promise<number | null>((resolve) => app?.once('exit', (code) => resolve(code)));
    app.kill('SIGTERM');
    const code = await exited;
    app = undefined;
    if (code !== 0) throw new Error(`the API exited with ${String(code)} on SIGTERM`);
    log('stopped cleanly on SIGTERM: the image rehearsal passed');
  } finally {
    app?.kill('SIGKILL');
    await dropDatabase(dbName);
    if (process.argv.includes('--keep')) log(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `[rehearse:image] FAILED: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
