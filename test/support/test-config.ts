import { randomBytes } from 'node:crypto';
import { type AppConfig, type Env, loadConfig } from '#src/config/app-config';
import { testTempDir } from './test-temp';

export const TEST_JWT_SECRET = 'test-secret-0123456789-abcdefghijklmnopqrstuvwxyz';

/** True when the run has a real KMS-API server (CI starts local-kms and exports these). */
export function awsKmsConfigured(): boolean {
  return Boolean(process.env.AWS_ENDPOINT_URL_KMS && process.env.KMS_KEY_ID);
}

/**
 * A configuration for one test app: its own database on the shared server, its own data folder, the
 * KMS provider the run offers (aws against the local KMS server in CI, local otherwise).
 */
export function testConfig(overrides: Env = {}): AppConfig {
  const dataDir = testTempDir('app-');
  const mongoUrl = process.env.MONGO_URL;
  if (mongoUrl === undefined) throw new Error('MONGO_URL is not set (global setup should have set it)');
  return loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    MONGO_URL: mongoUrl,
    MONGO_DB_NAME: `t_${randomBytes(6).toString('hex')}`,
    DATA_DIR: dataDir,
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    KMS_PROVIDER: awsKmsConfigured() ? 'aws' : 'local',
    KMS_KEY_ID: process.env.KMS_KEY_ID,
    AWS_REGION: process.env.AWS_REGION ?? 'eu-west-1',
    AWS_ENDPOINT_URL_KMS: process.env.AWS_ENDPOINT_URL_KMS,
    ...overrides,
  });
}
