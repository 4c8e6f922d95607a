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

  describe('in production', () => {
    /** Everything production requires, valid: each case below removes or spoils one variable. */
    const PRODUCTION: Record<string, string> = {
      NODE_ENV: 'production',
      MONGO_URL: 'mongodb://db.internal:27017/?replicaSet=rs0',
      PUBLIC_URL: 'https://evidence.example.com',
      DASHBOARD_URL: 'https://app.example.com/okta',
      AUTH_JWT_SECRET: SECRET,
      KMS_PROVIDER: 'aws',
      KMS_KEY_ID: 'alias/okta-evidence',
      AWS_REGION: 'eu-west-1',
    };

    function without(...names: string[]): Record<string, string> {
      return Object.fromEntries(Object.entries(PRODUCTION).filter(([k]) => !names.includes(k)));
    }

    it('accepts the complete production settings', () => {
      expect(problemsOf(PRODUCTION)).toEqual([]);
      expect(loadConfig({ ...PRODUCTION, ROLE: 'worker', REDIS_URL: 'redis://r:6379' }).role).toBe('worker');
    });

    it.each<[string, Record<string, string>, RegExp]>([
      ['no MONGO_URL', without('MONGO_URL'), /^MONGO_URL: required when NODE_ENV=production/],
      ['no PUBLIC_URL', without('PUBLIC_URL'), /^PUBLIC_URL: required when NODE_ENV=production/],
      [
        'an http PUBLIC_URL',
        { ...PRODUCTION, PUBLIC_URL: 'http://evidence.example.com' },
        /^PUBLIC_URL: expected an https URL when NODE_ENV=production/,
      ],
      ['no DASHBOARD_URL', without('DASHBOARD_URL'), /^DASHBOARD_URL: required when NODE_ENV=production/],
      [
        'an http DASHBOARD_URL',
        { ...PRODUCTION, DASHBOARD_URL: 'http://app.example.com' },
        /^DASHBOARD_URL: expected an https URL when NODE_ENV=production/,
      ],
      [
        'no AUTH_JWT_SECRET nor JWKS',
        without('AUTH_JWT_SECRET'),
        /^AUTH_JWT_SECRET: required when NODE_ENV=production/,
      ],
      ['no KMS_KEY_ID', without('KMS_KEY_ID'), /^KMS_KEY_ID: required when KMS_PROVIDER=aws/],
      ['no AWS_REGION', without('AWS_REGION'), /^AWS_REGION: required when KMS_PROVIDER=aws/],
      [
        'the local key provider',
        { ...without('KMS_KEY_ID', 'AWS_REGION'), KMS_PROVIDER: 'local' },
        /^KMS_PROVIDER: "local" is for development only/,
      ],
      [
        'ROLE=api without REDIS_URL',
        { ...PRODUCTION, ROLE: 'api' },
        /^REDIS_URL: required when NODE_ENV=production with ROLE=api/,
      ],
      [
        'ROLE=worker without REDIS_URL',
        { ...PRODUCTION, ROLE: 'worker' },
        /^REDIS_URL: required when NODE_ENV=production with ROLE=worker/,
      ],
    ])('stops on %s with one problem naming the variable', (_case, env, expected) => {
      const problems = problemsOf(env);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(expected);
    });

    it('takes a JWKS URL (with its issuer and audience) in place of AUTH_JWT_SECRET', () => {
      const env = {
        ...without('AUTH_JWT_SECRET'),
        AUTH_JWKS_URL: 'https://idp.example.com/.well-known/jwks.json',
        AUTH_JWT_ISSUER: 'https://idp.example.com',
        AUTH_JWT_AUDIENCE: 'okta-evidence',
      };
      expect(problemsOf(env)).toEqual([]);
    });

    it('allows http only for a loopback host (the production shape on one machine)', () => {
      const env = {
        ...PRODUCTION,
        PUBLIC_URL: 'http://localhost:3000',
        DASHBOARD_URL: 'http://127.0.0.1:3000',
      };
      expect(problemsOf(env)).toEqual([]);
      expect(problemsOf({ ...PRODUCTION, PUBLIC_URL: 'http://10.0.0.5:3000' })).toHaveLength(1);
    });

    it('needs no REDIS_URL with ROLE=all, and none of this outside production', () => {
      expect(problemsOf({ ...PRODUCTION, ROLE: 'all' })).toEqual([]);
      expect(problemsOf({ NODE_ENV: 'test', AUTH_JWT_SECRET: SECRET, ROLE: 'api' })).toEqual([]);
    });
  });

  describe('metrics', () => {
    it('serves /metrics on the API port, open, by default', () => {
      expect(loadConfig({}, '/srv').metrics).toEqual({
        token: undefined,
        port: undefined,
        host: '127.0.0.1',
      });
    });

    it('reads the token, the separate port and its host', () => {
      const config = loadConfig(
        { METRICS_TOKEN: 't'.repeat(20), METRICS_PORT: '9464', METRICS_HOST: '10.0.0.7' },
        '/srv',
      );
      expect(config.metrics).toEqual({ token: 't'.repeat(20), port: 9464, host: '10.0.0.7' });
    });

    it.each<[string, Record<string, string>, string]>([
      ['a short token', { METRICS_TOKEN: 'short' }, 'METRICS_TOKEN: expected at least 16 characters'],
      ['a bad port', { METRICS_PORT: 'x' }, 'METRICS_PORT: expected an integer from 0 to 65535'],
      ['the API port', { PORT: '3000', METRICS_PORT: '3000' }, 'METRICS_PORT: must differ from PORT (3000)'],
    ])('rejects %s, naming the variable', (_case, env, expected) => {
      expect(problemsOf(env)).toEqual([expect.stringContaining(expected)]);
    });
  });

  it('reports every problem at once', () => {
    expect(problemsOf({ PORT: 'x', ROLE: 'y', RETENTION_DAYS: '0' })).toHaveLength(3);
  });
});
