import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CONFIG_VARIABLES, loadConfig } from '#src/config/app-config';
import { ignoredBy, parseDockerfile, parseDockerignore } from '../support/dockerfile';

/** Variables that belong to the AWS SDK or Node, not to our configuration schema. */
const SDK_VARIABLES = new Set([
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED',
]);

interface Compose {
  services: Record<
    string,
    {
      environment?: Record<string, string>;
      image?: string;
      build?: { context: string; dockerfile: string };
      command?: unknown;
      volumes?: string[];
    }
  >;
}

const ROOT = join(__dirname, '..', '..');

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

/**
 * The Dockerfile, read by the same parser the image rehearsal (`npm run rehearse:image`, run by .ci/run)
 * replays it with: what the rehearsal proves is what this file builds.
 */
describe('Dockerfile and its rehearsal', () => {
  const stages = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
  const [build, runtime] = stages;
  const runs = (stage: typeof build) =>
    (stage?.instructions ?? []).flatMap((i) => (i.op === 'RUN' ? [i.command] : []));

  it('builds in one stage (all dependencies, API and tools) and runs another (production dependencies, dist only)', () => {
    expect(stages.map((s) => s.name)).toEqual(['build', 'runtime']);
    expect(runs(build).join(' && ')).toMatch(/npm ci .*npm run build && npm run build:tools/);
    expect(runs(runtime).join(' ')).toMatch(/^npm ci --omit=dev /);
    const copies = (runtime?.instructions ?? []).filter((i) => i.op === 'COPY');
    expect(copies).toEqual([
      { op: 'COPY', from: undefined, sources: ['package.json', 'package-lock.json'], target: './' },
      { op: 'COPY', from: 'build', sources: ['/app/dist'], target: './dist' },
    ]);
  });

  it('runs as a non-root user, in production, with a health check on /health/live', () => {
    const get = <K extends string>(op: K) => runtime?.instructions.find((i) => i.op === op);
    const user = get('USER');
    expect(user?.op === 'USER' ? user.user : undefined).toMatch(/^(?!root$|0$)\w+$/);
    expect(get('ENV')).toEqual({ op: 'ENV', name: 'NODE_ENV', value: 'production' });
    const healthcheck = get('HEALTHCHECK');
    expect(healthcheck?.op === 'HEALTHCHECK' ? healthcheck.command : '').toContain('/health/live');
    expect(get('CMD')).toEqual({ op: 'CMD', argv: ['node', 'dist/main.js'] });
  });

  it('leaves the build outputs, dependencies and git out of the build context', () => {
    const ignored = ignoredBy(parseDockerignore(readFileSync(join(ROOT, '.dockerignore'), 'utf8')));
    for (const entry of ['node_modules', 'dist', 'dist-test', 'dist-dev', '.git', 'npm-debug.log'])
      expect(ignored(entry)).toBe(true);
    for (const entry of ['src', 'web', 'package.json', 'schema.gql', 'tsconfig.build.json'])
      expect(ignored(entry)).toBe(false);
  });

  it('is the image compose builds once and runs as api and worker, without mounting the sources', () => {
    const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as Compose;
    const built = Object.entries(compose.services).filter(([, s]) => s.build !== undefined);
    expect(built.map(([name, s]) => [name, s.build])).toEqual([
      ['api', { context: '.', dockerfile: 'Dockerfile' }],
    ]);
    expect(compose.services.worker?.image).toBe(compose.services.api?.image);
    for (const name of ['api', 'worker']) {
      expect(compose.services[name]?.command).toBeUndefined();
      expect(compose.services[name]?.volumes).toBeUndefined();
    }
  });

  it('runs the recommended Node LTS (.nvmrc), which package.json engines allow and CI tests (NODE_NEXT)', () => {
    const nvmrc = readFileSync(join(ROOT, '.nvmrc'), 'utf8').trim();
    expect(nvmrc).toMatch(/^\d+$/);
    expect(stages.map((s) => s.image)).toEqual([
      `node:${nvmrc}-bookworm-slim`,
      `node:${nvmrc}-bookworm-slim`,
    ]);
    const engines = (
      JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }
    ).engines.node;
    expect(engines).toMatch(/^>=20\.19\.0 <(\d+)$/);
    expect(Number(/<(\d+)$/.exec(engines)?.[1])).toBeGreaterThan(Number(nvmrc));
    const ci = readFileSync(join(ROOT, '.ci', 'run'), 'utf8');
    expect(/^NODE_NEXT=(\d+)\.\d+\.\d+$/m.exec(ci)?.[1]).toBe(nvmrc);
    expect(ci).toMatch(/^log "unit suite \(Node \$NODE_NEXT\)";.*jest\.js --config jest\.unit\.config\.js$/m);
    expect(ci).toMatch(/^log "smoke e2e \(Node \$NODE_NEXT\)";.*jest\.js test\/e2e\/smoke\.e2e-spec\.ts$/m);
  });

  it('is rehearsed by CI', () => {
    expect(readFileSync(join(ROOT, '.ci', 'run'), 'utf8')).toMatch(
      /^log "image rehearsal";\s+npm run -s rehearse:image$/m,
    );
  });
});
