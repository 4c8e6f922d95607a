import { isAbsolute, resolve } from 'node:path';

export type NodeEnv = 'development' | 'test' | 'production';
export type KmsProviderName = 'aws' | 'local';
export type InstanceRole = 'api' | 'worker' | 'all';

export interface AppConfig {
  readonly nodeEnv: NodeEnv;
  readonly port: number;
  readonly publicUrl: string;
  readonly dashboardUrl: string;
  /** Unset: an embedded MongoDB is started (see `common/database/embedded-mongo`). */
  readonly mongoUrl: string | undefined;
  readonly mongoDbName: string;
  readonly dataDir: string;
  readonly auth: {
    readonly jwtSecret: string | undefined;
    readonly jwksUrl: string | undefined;
    /** Required with `jwksUrl`: the `iss` and `aud` a token from the identity provider must carry. */
    readonly jwtIssuer: string | undefined;
    readonly jwtAudience: string | undefined;
    /** Longest accepted token lifetime (`exp` − `iat`, or `exp` − now without `iat`), in seconds. */
    readonly maxTokenLifetimeSeconds: number;
  };
  readonly kms: {
    readonly provider: KmsProviderName;
    readonly keyId: string | undefined;
    readonly region: string | undefined;
    readonly endpoint: string | undefined;
    readonly localMasterKeyFile: string;
    readonly dataKeyCacheTtlMs: number;
    readonly dataKeyCacheSize: number;
  };
  readonly oktaAllowedInsecureHosts: readonly string[];
  /** Deadline for one HTTP exchange with Okta (token endpoint, revocation, API pages). */
  readonly oktaHttpTimeoutMs: number;
  readonly redisUrl: string | undefined;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly role: InstanceRole;
  readonly schedulerTickMs: number;
  readonly stalenessCheckMs: number;
  readonly retentionDays: number;
  readonly sync: {
    /** How often every user's factors are re-read in full (between sweeps: only changed users). */
    readonly factorSweepIntervalMs: number;
    readonly leaseTtlMs: number;
    readonly oktaConcurrency: number;
    readonly retryBaseMs: number;
    readonly maxConcurrentSyncs: number;
    /** At most this many syncs of one organization run at once on an instance (fairness across tenants). */
    readonly maxConcurrentSyncsPerOrg: number;
    /** A run ends (PARTIAL/FAILED, `DEADLINE_EXCEEDED` or `RATE_LIMITED`) when it would last longer. */
    readonly runDeadlineMs: number;
  };
  readonly database: {
    /** `maxTimeMS` of every query: the server gives up instead of holding a connection. */
    readonly queryTimeoutMs: number;
    /** Driver socket timeout: a connection that stays silent this long is dropped. */
    readonly socketTimeoutMs: number;
    readonly maxPoolSize: number;
  };
  readonly graphql: {
    readonly maxDepth: number;
    readonly maxComplexity: number;
  };
  /** Who may read `/metrics`, and where it is served (README "Metrics"). */
  readonly metrics: {
    /** Set: `/metrics` requires `Authorization: Bearer <token>`. */
    readonly token: string | undefined;
    /** Set: `/metrics` is served only on this port (at `host`), never on the API port. */
    readonly port: number | undefined;
    readonly host: string;
  };
}

export type Env = Readonly<Record<string, string | undefined>>;

/** Every environment variable the configuration reads (a test keeps this list honest). */
export const CONFIG_VARIABLES = [
  'NODE_ENV',
  'PORT',
  'PUBLIC_URL',
  'DASHBOARD_URL',
  'MONGO_URL',
  'MONGO_DB_NAME',
  'DATA_DIR',
  'AUTH_JWT_SECRET',
  'AUTH_JWKS_URL',
  'AUTH_JWT_ISSUER',
  'AUTH_JWT_AUDIENCE',
  'AUTH_MAX_TOKEN_LIFETIME_S',
  'KMS_PROVIDER',
  'KMS_KEY_ID',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_ENDPOINT_URL_KMS',
  'LOCAL_MASTER_KEY_FILE',
  'DATA_KEY_CACHE_TTL_MS',
  'DATA_KEY_CACHE_SIZE',
  'OKTA_ALLOWED_INSECURE_HOSTS',
  'OKTA_HTTP_TIMEOUT_MS',
  'REDIS_URL',
  'ROLE',
  'SCHEDULER_TICK_MS',
  'STALENESS_CHECK_MS',
  'RETENTION_DAYS',
  'FACTOR_SWEEP_INTERVAL_MS',
  'SYNC_LEASE_TTL_MS',
  'OKTA_CONCURRENCY',
  'OKTA_RETRY_BASE_MS',
  'MAX_CONCURRENT_SYNCS',
  'MAX_CONCURRENT_SYNCS_PER_ORG',
  'SYNC_DEADLINE_MS',
  'DB_QUERY_TIMEOUT_MS',
  'DB_SOCKET_TIMEOUT_MS',
  'DB_MAX_POOL_SIZE',
  'GRAPHQL_MAX_DEPTH',
  'GRAPHQL_MAX_COMPLEXITY',
  'LOG_LEVEL',
  'METRICS_TOKEN',
  'METRICS_PORT',
  'METRICS_HOST',
] as const;

/** Thrown when the environment cannot be turned into a valid configuration; names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

class EnvReader {
  readonly problems: string[] = [];

  constructor(private readonly env: Env) {}

  raw(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    this.problems.push(`${name}: expected one of ${allowed.join(', ')}; got "${value}"`);
    return fallback;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
      this.problems.push(`${name}: expected an integer from ${min} to ${max}; got "${value}"`);
      return fallback;
    }
    return n;
  }

  url(name: string, fallback: string | undefined, protocols: readonly string[]): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      this.problems.push(`${name}: expected an absolute URL (${protocols.join(' or ')}); got "${value}"`);
      return fallback;
    }
    if (!protocols.includes(parsed.protocol)) {
      this.problems.push(`${name}: expected a ${protocols.join(' or ')} URL; got "${parsed.protocol}"`);
      return fallback;
    }
    return value.replace(/\/+$/, '');
  }

  require(name: string, why: string): void {
    this.problems.push(`${name}: required ${why}`);
  }
}

const MIN_SECRET_LENGTH = 32;
const MIN_METRICS_TOKEN_LENGTH = 16;

/** Hosts a browser (and Okta) treat as secure over plain http: the service's own machine. */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** https, or http on a loopback host (the production shape run on one machine, as docker-compose does). */
function isSecureOrLoopback(url: string): boolean {
  const { protocol, hostname } = new URL(url);
  return protocol === 'https:' || (protocol === 'http:' && LOOPBACK_HOSTS.has(hostname));
}

/**
 * What production cannot default: the database (an embedded one is never started), the URLs the OAuth
 * redirect and the dashboard are built from (https), and Redis when instances are split by role. One problem
 * per variable, naming it.
 */
function requireProductionSettings(
  r: EnvReader,
  resolved: { publicUrl: string; dashboardUrl: string },
): void {
  const why = 'when NODE_ENV=production';
  if (r.raw('MONGO_URL') === undefined)
    r.require('MONGO_URL', `${why} (a MongoDB replica set; no embedded database is started in production)`);
  for (const [name, value] of [
    ['PUBLIC_URL', resolved.publicUrl],
    ['DASHBOARD_URL', resolved.dashboardUrl],
  ] as const) {
    if (r.raw(name) === undefined) r.require(name, `${why} (the service's https URL)`);
    else if (!isSecureOrLoopback(value))
      r.problems.push(`${name}: expected an https URL ${why} (http only for localhost); got "${value}"`);
  }
  const role = r.raw('ROLE');
  if (role !== undefined && role !== 'all' && r.raw('REDIS_URL') === undefined)
    r.require('REDIS_URL', `${why} with ROLE=${role} (subscriptions must reach every instance)`);
}

/**
 * Turns the environment into a typed configuration, collecting every problem before failing so that an
 * operator can fix them all in one go. Pure: reads nothing but `env` and `cwd`.
 */
export function loadConfig(env: Env, cwd: string = process.cwd()): AppConfig {
  const r = new EnvReader(env);
  const nodeEnv = r.oneOf<NodeEnv>('NODE_ENV', ['development', 'test', 'production'], 'development');
  const port = r.int('PORT', 3000, 0, 65535);
  const publicUrl = r.url('PUBLIC_URL', `http://localhost:${port}`, ['http:', 'https:']) as string;
  // The dashboard (served at PUBLIC_URL): its start page forwards a callback's result to the connection's page.
  const dashboardUrl = r.url('DASHBOARD_URL', publicUrl, ['http:', 'https:']) as string;
  const mongoUrl = r.url('MONGO_URL', undefined, ['mongodb:', 'mongodb+srv:']);
  const dataDir = absolute(r.raw('DATA_DIR') ?? '.data', cwd);
  if (nodeEnv === 'production') requireProductionSettings(r, { publicUrl, dashboardUrl });

  const jwtSecret = r.raw('AUTH_JWT_SECRET');
  const jwksUrl = r.url('AUTH_JWKS_URL', undefined, ['http:', 'https:']);
  const jwtIssuer = r.raw('AUTH_JWT_ISSUER');
  const jwtAudience = r.raw('AUTH_JWT_AUDIENCE');
  if (jwksUrl !== undefined) {
    if (jwtIssuer === undefined)
      r.require('AUTH_JWT_ISSUER', 'with AUTH_JWKS_URL (the `iss` tokens must carry)');
    if (jwtAudience === undefined)
      r.require('AUTH_JWT_AUDIENCE', 'with AUTH_JWKS_URL (the `aud` tokens must carry)');
  }
  if (jwtSecret !== undefined && jwtSecret.length < MIN_SECRET_LENGTH) {
    r.problems.push(`AUTH_JWT_SECRET: expected at least ${MIN_SECRET_LENGTH} characters`);
  }
  if (jwtSecret === undefined && jwksUrl === undefined && nodeEnv !== 'development') {
    r.require(
      'AUTH_JWT_SECRET',
      `when NODE_ENV=${nodeEnv} (an HS256 secret of ${MIN_SECRET_LENGTH}+ characters, or set AUTH_JWKS_URL)`,
    );
  }

  const provider = r.oneOf<KmsProviderName>(
    'KMS_PROVIDER',
    ['aws', 'local'],
    nodeEnv === 'production' ? 'aws' : 'local',
  );
  const keyId = r.raw('KMS_KEY_ID');
  const region = r.raw('AWS_REGION') ?? r.raw('AWS_DEFAULT_REGION');
  if (provider === 'aws') {
    if (keyId === undefined) r.require('KMS_KEY_ID', 'when KMS_PROVIDER=aws (a key id, ARN or alias)');
    if (region === undefined) r.require('AWS_REGION', 'when KMS_PROVIDER=aws');
  }
  if (provider === 'local' && nodeEnv === 'production') {
    r.problems.push('KMS_PROVIDER: "local" is for development only; use "aws" when NODE_ENV=production');
  }

  const config: AppConfig = {
    nodeEnv,
    port,
    publicUrl,
    dashboardUrl,
    mongoUrl,
    mongoDbName: r.raw('MONGO_DB_NAME') ?? 'okta_evidence',
    dataDir,
    auth: {
      jwtSecret,
      jwksUrl,
      jwtIssuer,
      jwtAudience,
      maxTokenLifetimeSeconds: r.int('AUTH_MAX_TOKEN_LIFETIME_S', 86_400, 60, 30 * 86_400),
    },
    kms: {
      provider,
      keyId,
      region,
      endpoint: r.url('AWS_ENDPOINT_URL_KMS', undefined, ['http:', 'https:']),
      localMasterKeyFile: absolute(r.raw('LOCAL_MASTER_KEY_FILE') ?? `${dataDir}/master.key`, cwd),
      dataKeyCacheTtlMs: r.int('DATA_KEY_CACHE_TTL_MS', 300_000, 0, 3_600_000),
      dataKeyCacheSize: r.int('DATA_KEY_CACHE_SIZE', 1000, 0, 100_000),
    },
    oktaAllowedInsecureHosts: (r.raw('OKTA_ALLOWED_INSECURE_HOSTS') ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter((h) => h !== ''),
    oktaHttpTimeoutMs: r.int('OKTA_HTTP_TIMEOUT_MS', 15_000, 100, 300_000),
    logLevel: r.oneOf(
      'LOG_LEVEL',
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const,
      'info',
    ),
    redisUrl: r.url('REDIS_URL', undefined, ['redis:', 'rediss:']),
    role: r.oneOf<InstanceRole>('ROLE', ['api', 'worker', 'all'], 'all'),
    schedulerTickMs: r.int('SCHEDULER_TICK_MS', 60_000, 50, 86_400_000),
    stalenessCheckMs: r.int('STALENESS_CHECK_MS', 60_000, 50, 86_400_000),
    retentionDays: r.int('RETENTION_DAYS', 400, 1, 36_500),
    sync: {
      factorSweepIntervalMs: r.int('FACTOR_SWEEP_INTERVAL_MS', 86_400_000, 0, 30 * 86_400_000),
      leaseTtlMs: r.int('SYNC_LEASE_TTL_MS', 120_000, 1_000, 3_600_000),
      oktaConcurrency: r.int('OKTA_CONCURRENCY', 4, 1, 32),
      retryBaseMs: r.int('OKTA_RETRY_BASE_MS', 250, 1, 60_000),
      maxConcurrentSyncs: r.int('MAX_CONCURRENT_SYNCS', 4, 1, 100),
      maxConcurrentSyncsPerOrg: r.int('MAX_CONCURRENT_SYNCS_PER_ORG', 2, 1, 100),
      runDeadlineMs: r.int('SYNC_DEADLINE_MS', 1_800_000, 1_000, 86_400_000),
    },
    database: {
      queryTimeoutMs: r.int('DB_QUERY_TIMEOUT_MS', 15_000, 100, 600_000),
      socketTimeoutMs: r.int('DB_SOCKET_TIMEOUT_MS', 60_000, 1_000, 3_600_000),
      maxPoolSize: r.int('DB_MAX_POOL_SIZE', 50, 5, 1_000),
    },
    graphql: {
      maxDepth: r.int('GRAPHQL_MAX_DEPTH', 10, 2, 50),
      maxComplexity: r.int('GRAPHQL_MAX_COMPLEXITY', 2000, 10, 1_000_000),
    },
    metrics: metricsSettings(r, port),
  };
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return config;
}

function metricsSettings(r: EnvReader, apiPort: number): AppConfig['metrics'] {
  const token = r.raw('METRICS_TOKEN');
  if (token !== undefined && token.length < MIN_METRICS_TOKEN_LENGTH)
    r.problems.push(`METRICS_TOKEN: expected at least ${MIN_METRICS_TOKEN_LENGTH} characters`);
  const port = r.raw('METRICS_PORT') === undefined ? undefined : r.int('METRICS_PORT', 0, 0, 65535);
  if (port !== undefined && port !== 0 && port === apiPort)
    r.problems.push(`METRICS_PORT: must differ from PORT (${apiPort})`);
  return { token, port, host: r.raw('METRICS_HOST') ?? '127.0.0.1' };
}

function absolute(path: string, cwd: string): string {
  return isAbsolute(path) ? path : resolve(cwd, path);
}
