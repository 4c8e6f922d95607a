import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CONFIG_VARIABLES, loadConfig } from '#src/config/app-config';

/** Variables that belong to the AWS SDK or Node, not to our configuration schema. */
const SDK_VARIABLES = new Set([
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED',
]);

interface Compose {
  services: Record<string, { environment?: Record<string, string>; image?: string; command?: unknown }>;
}

/** `${VAR:?message}` (required: empty when unset) and `${VAR:-default}`, filled with the given values. */
function interpolate(value: string, given: Record<string, string>): string {
  return value.replace(
    /\$\{([A-Z0-9_]+)(?::([?-])([^}]*))?\}/g,
    (_m, name: string, op?: string, text?: string) => given[name] ?? (op === '-' ? (text ?? '') : ''),
  );
}

describe('docker-compose.yml (no Docker engine here: the file is checked against the configuration schema)', () => {
  const compose = parse(readFileSync(join(__dirname, '..', '..', 'docker-compose.yml'), 'utf8'), {
    merge: true,
  }) as Compose;
  const apps = Object.entries(compose.services).filter(([, s]) => s.environment?.MONGO_URL !== undefined);

  it('has the production shape: a MongoDB replica set, Redis, a KMS stand-in, one api and one worker', () => {
    expect(Object.keys(compose.services).sort()).toEqual([
      'api',
      'kms',
      'kms-init',
      'mongo',
      'redis',
      'worker',
    ]);
    expect(compose.services.mongo?.command).toEqual(expect.arrayContaining(['--replSet']));
    expect(compose.services.api?.environment?.ROLE).toBe('api');
    expect(compose.services.worker?.environment?.ROLE).toBe('worker');
  });

  it.each(['api', 'worker'])(
    'gives %s an environment the configuration accepts, with only known variables',
    (name) => {
      const env = compose.services[name]?.environment ?? {};
      const unknown = Object.keys(env).filter(
        (k) => !(CONFIG_VARIABLES as readonly string[]).includes(k) && !SDK_VARIABLES.has(k),
      );
      expect(unknown).toEqual([]);
      const filled = Object.fromEntries(
        Object.entries(env).map(([k, v]) => [k, interpolate(String(v), { AUTH_JWT_SECRET: 'x'.repeat(48) })]),
      );
      const config = loadConfig(filled, '/app');
      expect(config).toMatchObject({
        nodeEnv: 'production',
        role: env.ROLE,
        kms: { provider: 'aws', keyId: 'alias/okta-evidence' },
      });
      expect(config.redisUrl).toBe('redis://redis:6379');
      expect(config.mongoUrl).toContain('replicaSet=rs0');
    },
  );

  it('refuses to start without AUTH_JWT_SECRET (compose requires it)', () => {
    const env = compose.services.api?.environment ?? {};
    expect(env.AUTH_JWT_SECRET).toMatch(/^\$\{AUTH_JWT_SECRET:\?/);
    const filled = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, interpolate(String(v), {})]));
    expect(() => loadConfig(filled, '/app')).toThrow(/AUTH_JWT_SECRET/);
  });

  it('lists every variable the configuration reads in CONFIG_VARIABLES', () => {
    const read = new Set<string>();
    const recording = new Proxy(
      {},
      { get: (_t, key) => (typeof key === 'string' && read.add(key), undefined) },
    );
    loadConfig(recording, '/app');
    expect([...read].filter((k) => !(CONFIG_VARIABLES as readonly string[]).includes(k))).toEqual([]);
    expect(apps.length).toBe(2);
  });
});
