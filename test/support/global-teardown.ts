import { existsSync, readdirSync, rmSync } from 'node:fs';
import { TEST_RUN_ROOT } from './test-temp';

export default async function globalTeardown(): Promise<void> {
  const server = (globalThis as { __MONGOD__?: { stop(): Promise<boolean> } }).__MONGOD__;
  if (server !== undefined) await server.stop();
  removeRunFolder();
}

/** Removes the run's temporary folder (global setup), and fails the run loudly if anything of it remains. */
function removeRunFolder(): void {
  const root = process.env[TEST_RUN_ROOT];
  const saved = (globalThis as { __TMPDIR__?: string | undefined }).__TMPDIR__;
  if (saved === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = saved;
  if (root === undefined) return;
  rmSync(root, { recursive: true, force: true, maxRetries: 3 });
  if (existsSync(root)) {
    throw new Error(
      `The test run left ${root} behind (${readdirSync(root).join(', ')}): a process of the run still writes there`,
    );
  }
}
