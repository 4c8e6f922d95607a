import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_RUN_ROOT } from './test-temp';

/**
 * Every temporary folder of the run (test apps' data folders with their `master.key`, CLI outputs, child
 * processes' files) goes into one folder, which the global teardown removes: TMPDIR points there for the
 * test workers and every process they start. With MONGO_URL set (CI: FerretDB), the suite uses that
 * server. Without it, mongodb-memory-server starts one for the run (needs internet the first time to
 * download mongod).
 */
export default async function globalSetup(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'okta-evidence-test-'));
  process.env[TEST_RUN_ROOT] = root;
  (globalThis as { __TMPDIR__?: string | undefined }).__TMPDIR__ = process.env.TMPDIR;
  process.env.TMPDIR = root;

  if (process.env.MONGO_URL !== undefined && process.env.MONGO_URL !== '') return;
  const { MongoMemoryServer } = await import('mongodb-memory-server');
  let server: import('mongodb-memory-server').MongoMemoryServer;
  try {
    server = await MongoMemoryServer.create({ instance: { ip: '127.0.0.1' } });
  } catch (error) {
    throw new Error(
      `mongodb-memory-server could not start MongoDB (${error instanceof Error ? error.message.split('\n')[0] : String(error)}). ` +
        'Set MONGO_URL to a MongoDB-compatible server to run the tests.',
      { cause: error },
    );
  }
  process.env.MONGO_URL = server.getUri();
  (globalThis as { __MONGOD__?: typeof server }).__MONGOD__ = server;
}
