import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type AppConfig } from '#src/config/app-config';
import { TEST_JWT_SECRET, testConfig } from './test-config';

export const ROOT = join(__dirname, '..', '..');

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a compiled entry point (`npm test` builds first) with a clean, explicit environment. */
export function runEntry(
  script: string,
  args: string[],
  env: Record<string, string | undefined>,
  timeoutMs = 30_000,
): Promise<Run> {
  const entry = join(ROOT, 'dist', script);
  if (!existsSync(entry))
    throw new Error(`${entry} is missing: run \`npm run build\` (npm test does it first)`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry, ...args], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        // The run's temporary folder (global setup), removed when the run ends.
        TMPDIR: process.env.TMPDIR,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...env,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not exit within ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The environment a test process needs to reach the same database and key provider as the suite. */
export function processEnv(
  overrides: Record<string, string | undefined> = {},
  config: AppConfig = testConfig(),
): Record<string, string | undefined> {
  return {
    NODE_ENV: 'test',
    MONGO_URL: config.mongoUrl,
    MONGO_DB_NAME: config.mongoDbName,
    DATA_DIR: config.dataDir,
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    KMS_PROVIDER: config.kms.provider,
    KMS_KEY_ID: config.kms.keyId,
    AWS_REGION: config.kms.region,
    AWS_ENDPOINT_URL_KMS: config.kms.endpoint,
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY,
    ...overrides,
  };
}
