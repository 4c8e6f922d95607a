import { ConfigError, loadConfig } from './app-config';

const SECRET = 'x'.repeat(40);

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env, '/srv/app');
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it('applies the documented defaults in development', () => {
    const config = loadConfig({}, '/srv/app');
    expect(config).toMatchObject({
      nodeEnv: 'development',
      port: 3000,
      publicUrl: 'http://localhost:3000',
      dashboardUrl: 'http://localhost:3000',
      mongoUrl: undefined,
      dataDir: '/srv/app/.data',
      role: 'all',
      schedulerTickMs: 60000,
      stalenessCheckMs: 60000,
      retentionDays: 400,
      oktaAllowedInsecureHosts: [],
    });
    expect(config.kms).toMatchObject({ provider: 'local', localMasterKeyFile: '/srv/app/.data/master.key' });
  });

  it('parses lists and trims URLs', () => {
    const config = loadConfig(
      { OKTA_ALLOWED_INSECURE_HOSTS: ' 127.0.0.1:8080 , Sim.Local ', PUBLIC_URL: 'https://api.example.com/' },
      '/srv',
    );
    expect(config.oktaAllowedInsecureHosts).toEqual(['127.0.0.1:8080', 'sim.local']);
    expect(config.publicUrl).toBe('https://api.example.com');
    expect(config.dashboardUrl).toBe('https://api.example.com');
  });

  it.each<[string, Record<string, string>, string]>([
    ['a non-numeric port', { PORT: 'abc' }, 'PORT: expected an integer from 0 to 65535; got "abc"'],
    ['an out-of-range port', { PORT: '70000' }, 'PORT: expected an integer'],
    [
      'an unknown NODE_ENV',
      { NODE_ENV: 'staging' },
      'NODE_ENV: expected one of development, test, production',
    ],
    [
      'a non-mongo MONGO_URL',
      { MONGO_URL: 'postgres://x' },
      'MONGO_URL: expected a mongodb: or mongodb+srv: URL',
    ],
    ['a relative PUBLIC_URL', { PUBLIC_URL: 'localhost:3000' }, 'PUBLIC_URL: expected'],
    ['a short JWT secret', { AUTH_JWT_SECRET: 'short' }, 'AUTH_JWT_SECRET: expected at least 32 characters'],
    [
      'no JWT secret in production',
      { NODE_ENV: 'production', KMS_KEY_ID: 'k', AWS_REGION: 'eu-west-1' },
      'AUTH_JWT_SECRET: required',
    ],
    [
      'aws without a key',
      { KMS_PROVIDER: 'aws', AWS_REGION: 'eu-west-1' },
      'KMS_KEY_ID: required when KMS_PROVIDER=aws',
    ],
    [
      'aws without a region',
      { KMS_PROVIDER: 'aws', KMS_KEY_ID: 'alias/x' },
      'AWS_REGION: required when KMS_PROVIDER=aws',
    ],
    [
      'the local provider in production',
      { NODE_ENV: 'production', AUTH_JWT_SECRET: SECRET, KMS_PROVIDER: 'local' },
      'KMS_PROVIDER: "local" is for development only',
    ],
    ['an unknown ROLE', { ROLE: 'both' }, 'ROLE: expected one of api, worker, all'],
    [
      'a too-fast scheduler tick',
      { SCHEDULER_TICK_MS: '1' },
      'SCHEDULER_TICK_MS: expected an integer from 50',
    ],
  ])('rejects %s, naming the variable', (_case, env, expected) => {
    expect(problemsOf(env).join('\n')).toContain(expected);
  });

  it('reports every problem at once', () => {
    expect(problemsOf({ PORT: 'x', ROLE: 'y', RETENTION_DAYS: '0' })).toHaveLength(3);
  });
});
