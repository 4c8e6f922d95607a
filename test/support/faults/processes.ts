import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, type WriteStream } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../net';

export const ROOT = join(__dirname, '..', '..', '..');

/**
 * How long one whole sync of a fault-suite organization may take: a few seconds on an idle machine, but the
 * suite shares two cores with the rest of CI. A bound for waiting, not a promise under test (those, like
 * the run deadline or the lease period, have their own, tighter waits).
 */
export const SYNC_MS = 180_000;
/** A per-test safety net above every wait a case can make. */
export const CASE_MS = 600_000;

/** Thrown by a probe when waiting longer cannot help (the process it waits for has exited). */
export class GiveUp extends Error {}

/**
 * Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs` naming `what`.
 * A probe that throws is tried again (the thing may not be up yet), unless it throws `GiveUp`.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      if (error instanceof GiveUp) throw error;
      lastError = error;
    }
    if (Date.now() > deadline) {
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
    }
    await sleep(intervalMs);
  }
}

/** `promise`, or `fallback` once `ms` have passed (the timer never outlives the race). */
export async function within<T, F>(promise: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<F>((resolve) => (timer = setTimeout(() => resolve(fallback), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * One child process with its output kept in a log file (tail shown when a start fails), real signals,
 * and an `exited` promise. Restartable: `start()` again spawns the same command.
 */
export class ManagedProcess {
  private child: ChildProcess | undefined;
  private log: WriteStream | undefined;
  private exit: Promise<number | string | null> = Promise.resolve(null);
  private starts = 0;

  constructor(
    readonly name: string,
    private readonly command: string,
    private readonly args: () => string[],
    private readonly env: () => Record<string, string | undefined>,
    readonly logDir: string,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get logFile(): string {
    return join(this.logDir, `${this.name}.${this.starts}.log`);
  }

  /** Resolves with the exit code, or the signal name when a signal ended it. */
  get exited(): Promise<number | string | null> {
    return this.exit;
  }

  start(onStdoutLine?: (line: string) => void): void {
    if (this.running) throw new Error(`${this.name} is already running`);
    mkdirSync(this.logDir, { recursive: true });
    this.starts += 1;
    const log = createWriteStream(this.logFile);
    this.log = log;
    const child = spawn(this.command, this.args(), {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...this.env() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    let pending = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      log.write(chunk);
      if (onStdoutLine === undefined) return;
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) onStdoutLine(line);
    });
    child.stderr?.on('data', (chunk: Buffer) => log.write(chunk));
    this.exit = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        log.end();
        resolve(signal ?? code);
      }),
    );
  }

  tail(lines = 40): string {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** The whole current log (for assertions on what the process printed). */
  output(): string {
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  signal(signal: NodeJS.Signals): void {
    if (this.child?.pid === undefined) throw new Error(`${this.name} was never started`);
    this.child.kill(signal);
  }

  /** SIGKILL and wait for the exit. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.signal('SIGKILL');
    await this.exit;
  }

  /** SIGTERM; SIGKILL after `graceMs` if it is still there. Returns how it ended. */
  async stop(graceMs = 10_000): Promise<number | string | null> {
    if (!this.running) return this.exit;
    this.signal('SIGCONT');
    this.signal('SIGTERM');
    const ended = await within(this.exit, graceMs, 'timeout' as const);
    if (ended !== 'timeout') return ended;
    this.signal('SIGKILL');
    return this.exit;
  }
}

/** A FerretDB 1.x (SQLite backend) on a fixed port and data folder: kill it, stop it, start it again. */
export class FerretDb {
  readonly process: ManagedProcess;

  private constructor(
    binary: string,
    readonly dataDir: string,
    readonly port: number,
    readonly debugPort: number,
  ) {
    this.process = new ManagedProcess(
      'ferretdb',
      binary,
      () => [
        '--handler=sqlite',
        `--sqlite-url=file:${dataDir}/`,
        `--listen-addr=127.0.0.1:${port}`,
        `--debug-addr=127.0.0.1:${debugPort}`,
        `--state-dir=${dataDir}`,
        '--telemetry=disable',
        '--log-level=WARN',
      ],
      () => ({}),
      join(dataDir, '..', 'logs'),
    );
  }

  static async start(binary: string, workDir: string): Promise<FerretDb> {
    const dataDir = join(workDir, 'ferretdb');
    mkdirSync(dataDir, { recursive: true });
    const db = new FerretDb(binary, dataDir, await freePort(), await freePort());
    await db.start();
    return db;
  }

  get url(): string {
    return `mongodb://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.process.start();
    await waitFor(
      `FerretDB on port ${this.port}`,
      async () => {
        if (!this.process.running) throw new GiveUp('FerretDB exited');
        return (await portOpen(this.port)) ? true : undefined;
      },
      20_000,
      100,
    ).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}\n${this.process.tail()}`);
    });
  }

  /** kill -9, then start again on the same data folder and port. */
  async crashAndRestart(): Promise<void> {
    await this.process.kill();
    await this.start();
  }

  pause(): void {
    this.process.signal('SIGSTOP');
  }

  resume(): void {
    this.process.signal('SIGCONT');
  }
}

/** local-kms (a KMS-API server) with its keys on disk: stop it (KMS down) and start it again. */
export class LocalKms {
  readonly process: ManagedProcess;
  keyId = '';

  private constructor(
    binary: string,
    readonly dataDir: string,
    readonly port: number,
  ) {
    this.process = new ManagedProcess(
      'local-kms',
      binary,
      () => [],
      () => ({
        PORT: String(port),
        KMS_DATA_PATH: dataDir,
        KMS_REGION: 'eu-west-1',
        KMS_ACCOUNT_ID: '111122223333',
      }),
      join(dataDir, '..', 'logs'),
    );
  }

  static async start(binary: string, workDir: string): Promise<LocalKms> {
    const dataDir = join(workDir, 'kms');
    mkdirSync(dataDir, { recursive: true });
    const kms = new LocalKms(binary, dataDir, await freePort());
    await kms.start();
    const created = (await kms.call('CreateKey', { Description: 'fault suite key' })) as {
      KeyMetadata: { KeyId: string };
    };
    kms.keyId = created.KeyMetadata.KeyId;
    return kms;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.process.start();
    await waitFor(
      `local-kms on port ${this.port}`,
      async () => ((await portOpen(this.port)) ? true : undefined),
      20_000,
      100,
    );
  }

  async down(): Promise<void> {
    await this.process.stop(5_000);
    await waitFor(
      'local-kms to stop listening',
      async () => ((await portOpen(this.port)) ? undefined : true),
      10_000,
      100,
    );
  }

  private async call(action: string, body: Record<string, unknown>): Promise<unknown> {
    const res = await fetch(`${this.endpoint}/`, {
      method: 'POST',
      headers: { 'x-amz-target': `TrentService.${action}`, 'content-type': 'application/x-amz-json-1.1' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`local-kms ${action}: HTTP ${res.status} ${await res.text()}`);
    return res.json();
  }
}

/** The one line a fault-suite file prints when it cannot run here. */
export function skipNotice(missing: string): string {
  return (
    `Fault suite (test/faults) skipped: set ${missing} to the FerretDB and local-kms binaries ` +
    '(bash .ci/run builds both and exports them).'
  );
}

/** The binaries the fault suite needs (CI builds them and exports these paths). */
export function faultBinaries(): { ferretdb: string; localKms: string } | { missing: string } {
  const ferretdb = process.env.FERRETDB_BIN ?? '';
  const localKms = process.env.LOCAL_KMS_BIN ?? '';
  const missing = [
    ['FERRETDB_BIN', ferretdb],
    ['LOCAL_KMS_BIN', localKms],
  ]
    .filter(([, path]) => path === '' || !existsSync(path ?? ''))
    .map(([name]) => name);
  if (missing.length > 0) return { missing: missing.join(' and ') };
  return { ferretdb, localKms };
}
