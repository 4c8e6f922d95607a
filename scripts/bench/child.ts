import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** The repository root, from dist-test/scripts/bench (the fault harness's ROOT assumes test sources). */
export const REPO_ROOT = join(__dirname, '..', '..', '..');
const STOP_GRACE_MS = 10_000;

/** A Node child process of the bench (the app, the simulator) with its output in a log file. */
export class Child {
  readonly exited: Promise<number | string | null>;

  private constructor(
    private readonly process: ChildProcess,
    readonly logFile: string,
  ) {
    this.exited = new Promise((resolve) => process.once('exit', (code, signal) => resolve(signal ?? code)));
  }

  /** Runs `node <script> ...args` from the repository root; stdout lines also go to `onLine`. */
  static node(
    name: string,
    script: string,
    args: string[],
    env: Record<string, string | undefined>,
    logDir: string,
    onLine?: (line: string) => void,
  ): Child {
    mkdirSync(logDir, { recursive: true });
    const logFile = join(logDir, `${name}.log`);
    const log = createWriteStream(logFile, { flags: 'a' });
    const child = spawn(process.execPath, [join(REPO_ROOT, script), ...args], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let pending = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      log.write(chunk);
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) onLine?.(line);
    });
    child.stderr?.on('data', (chunk: Buffer) => log.write(chunk));
    child.once('exit', () => log.end());
    return new Child(child, logFile);
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  get running(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  /** Bytes of log written so far (a mark for `logSince`). */
  logSize(): number {
    try {
      return statSync(this.logFile).size;
    } catch {
      return 0;
    }
  }

  /** The log written after `offset`. */
  logSince(offset: number): string {
    try {
      return readFileSync(this.logFile).subarray(offset).toString('utf8');
    } catch {
      return '';
    }
  }

  tail(lines = 30): string {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** SIGTERM (the app finishes or hands back its runs), SIGKILL if it is still there after a grace period. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.process.kill('SIGTERM');
    const ended = await Promise.race([this.exited.then(() => true), sleep(STOP_GRACE_MS).then(() => false)]);
    if (!ended) this.process.kill('SIGKILL');
    await this.exited;
  }
}
