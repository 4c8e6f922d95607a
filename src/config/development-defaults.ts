import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type AppConfig } from './app-config';

/**
 * In development only: when no JWT secret is configured, generate one and keep it in the data folder so
 * that tokens minted by the CLI stay valid across restarts. Never used in test or production.
 */
export function withDevelopmentDefaults(config: AppConfig): AppConfig {
  if (
    config.nodeEnv !== 'development' ||
    config.auth.jwtSecret !== undefined ||
    config.auth.jwksUrl !== undefined
  ) {
    return config;
  }
  const file = join(config.dataDir, 'dev-jwt-secret');
  return { ...config, auth: { ...config.auth, jwtSecret: readOrCreateSecret(file) } };
}

export function readOrCreateSecret(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return secret;
}
