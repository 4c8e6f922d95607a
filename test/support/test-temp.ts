import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';

/** The environment variable naming the run's temporary folder (made by global setup, removed at teardown). */
export const TEST_RUN_ROOT = 'OKTA_EVIDENCE_TEST_ROOT';

/** A new folder inside the run's temporary folder, removed with it when the run ends. */
export function testTempDir(prefix: string): string {
  const root = process.env[TEST_RUN_ROOT];
  if (root === undefined) throw new Error(`${TEST_RUN_ROOT} is not set (the jest global setup sets it)`);
  return mkdtempSync(join(root, prefix));
}

/** True when `path` is inside the run's temporary folder. */
export function inTestRunFolder(path: string): boolean {
  const root = process.env[TEST_RUN_ROOT];
  return root !== undefined && path.startsWith(`${root}/`);
}
