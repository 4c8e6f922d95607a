import 'reflect-metadata';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ScheduleModule } from '@nestjs/schedule';
import { type DynamicModule, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type AppConfig, ConfigError, loadConfig } from './config/app-config';
import { AppConfigModule } from './config/config.module';
import { withDevelopmentDefaults } from './config/development-defaults';
import { CryptoModule } from './common/crypto/crypto.module';
import { KeyProviderModule } from './common/crypto/key-provider.module';
import { DomainEventsModule } from './common/events/domain-events';
import { MetricsModule } from './common/metrics/metrics';
import { OrgContext } from './common/tenancy/org-context';
import { AuditorBundleModule } from './modules/auditor-bundle/auditor-bundle.module';
import { BundleExportsService } from './modules/auditor-bundle/bundle-exports.service';
import { ConnectorsModule } from './modules/connectors/connectors.module';
import { INSTALLED_CONNECTORS } from './modules/connectors/installed-connectors';
import { DatabaseModule } from './common/database/database.module';
import {
  attachOrStartEmbeddedMongo,
  type EmbeddedMongo,
  EmbeddedMongoUnavailableError,
} from './common/database/embedded-mongo';
import { PubSubModule } from './common/graphql/pubsub.module';
import { DomainError } from './common/errors/domain.error';
import { isObjectIdHex, ROLES, type Role } from './common/tenancy/principal';
import { TokenService } from './common/tenancy/token.service';
import { OrganizationsModule } from './modules/organizations/organizations.module';
import { OrganizationsService } from './modules/organizations/organizations.service';

const USAGE = `Usage:
  npm run cli -- org create --name <name> [--ttl <seconds>]
      Creates an organization and its data key; prints {"organizationId","adminToken"}.
  npm run cli -- token --org <organizationId> --role <ADMIN|MEMBER|AUDITOR> --sub <userId> [--ttl <seconds>]
      Mints an access token; prints it.
  npm run cli -- login --org <organizationId> [--role ADMIN|MEMBER|AUDITOR] [--sub <userId>] [--ttl <seconds>]
      Prints a dashboard sign-in URL (PUBLIC_URL) with a token in its fragment (default role ADMIN).
  npm run cli -- bundle --org <organizationId> --assessment <assessmentId> --out <file.zip>
      Writes the assessment's auditor bundle (docs/EVIDENCE_FORMAT.md) and audits it; prints the file,
      its manifest's SHA-256 and the signing key's fingerprint. Check it with npm run verify.
`;

const DEFAULT_TTL_S = 24 * 3600;

class UsageError extends Error {}

type Flags = Record<string, string>;

function parse(argv: readonly string[]): { command: string[]; flags: Flags } {
  const command: string[] = [];
  const flags: Flags = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg.startsWith('--')) {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`${arg} needs a value`);
      flags[arg.slice(2)] = value;
      i++;
    } else {
      command.push(arg);
    }
  }
  return { command, flags };
}

/** Tokens live at most `AUTH_MAX_TOKEN_LIFETIME_S` (the server refuses longer ones). */
function ttl(flags: Flags, maxS: number): number {
  const raw = flags.ttl ?? String(Math.min(DEFAULT_TTL_S, maxS));
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 60 || n > maxS)
    throw new UsageError(`--ttl must be 60 to ${maxS} seconds (AUTH_MAX_TOKEN_LIFETIME_S)`);
  return n;
}

/** What writing a bundle needs: the data modules, without HTTP, GraphQL or jobs (role `api`). */
@Module({})
class BundleCliModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: BundleCliModule,
      imports: [
        AppConfigModule.forRoot(config),
        DatabaseModule,
        KeyProviderModule,
        CryptoModule,
        PubSubModule,
        DomainEventsModule,
        MetricsModule,
        ScheduleModule.forRoot(),
        ConnectorsModule.forRoot(INSTALLED_CONNECTORS),
        AuditorBundleModule,
      ],
    };
  }
}

@Module({})
class CliModule {
  static forRoot(config: AppConfig, withDatabase: boolean): DynamicModule {
    return {
      module: CliModule,
      imports: [
        AppConfigModule.forRoot(config),
        ...(withDatabase ? [DatabaseModule, KeyProviderModule, PubSubModule, OrganizationsModule] : []),
      ],
      providers: [TokenService],
    };
  }
}

async function run(argv: readonly string[]): Promise<string> {
  // At every level (`cli --help`, `cli bundle --help`): the usage, on stdout, and success.
  if (argv.includes('--help') || argv.includes('-h')) return USAGE.trimEnd();
  const { command, flags } = parse(argv);
  let config = withDevelopmentDefaults(loadConfig(process.env));
  const verb = command.join(' ');
  if (verb !== 'org create' && verb !== 'token' && verb !== 'login' && verb !== 'bundle')
    throw new UsageError(verb === '' ? 'No command given' : `Unknown command "${verb}"`);

  if (verb === 'bundle') return bundle(config, flags);

  if (verb === 'token' || verb === 'login') {
    const org = flags.org;
    const login = verb === 'login';
    const role = (flags.role ?? (login ? 'ADMIN' : undefined)) as Role | undefined;
    const sub = flags.sub ?? (login ? `dashboard-${(role ?? 'user').toLowerCase()}` : undefined);
    if (!isObjectIdHex(org)) throw new UsageError('--org must be a 24-character hex organization id');
    if (role === undefined || !ROLES.includes(role))
      throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
    if (sub === undefined || sub.length > 200)
      throw new UsageError('--sub (user id, up to 200 characters) is required');
    const app = await NestFactory.createApplicationContext(CliModule.forRoot(config, false), {
      logger: ['error'],
    });
    try {
      const token = await app.get(TokenService).issue(
        { organizationId: org, role, userId: sub },
        // A sign-in link stays in the browser's history: it lives an hour unless asked otherwise.
        ttl(
          login && flags.ttl === undefined ? { ...flags, ttl: '3600' } : flags,
          config.auth.maxTokenLifetimeSeconds,
        ),
      );
      // In the fragment: never sent to a server, and the app removes it from the address bar at once.
      return login ? `${config.publicUrl}/integrations#token=${encodeURIComponent(token)}` : token;
    } finally {
      await app.close();
    }
  }

  const name = flags.name;
  if (name === undefined || name.trim() === '') throw new UsageError('--name is required');
  const lifetime = ttl(flags, config.auth.maxTokenLifetimeSeconds);
  let embedded: EmbeddedMongo | undefined;
  if (config.mongoUrl === undefined) {
    embedded = await attachOrStartEmbeddedMongo(config.dataDir);
    config = { ...config, mongoUrl: embedded.uri };
  }
  const app = await NestFactory.createApplicationContext(CliModule.forRoot(config, true), {
    logger: ['error'],
  });
  try {
    const organization = await app.get(OrganizationsService).create(name, 'cli');
    const adminToken = await app
      .get(TokenService)
      .issue({ organizationId: organization.id, role: 'ADMIN', userId: 'cli-admin' }, lifetime);
    return JSON.stringify({ organizationId: organization.id, adminToken });
  } finally {
    await app.close();
    await embedded?.stop();
  }
}

/** Writes an auditor bundle to a file, next to it first and renamed when complete. */
async function bundle(config: AppConfig, flags: Flags): Promise<string> {
  const { org, assessment, out } = flags;
  if (!isObjectIdHex(org)) throw new UsageError('--org must be a 24-character hex organization id');
  if (!isObjectIdHex(assessment))
    throw new UsageError('--assessment must be a 24-character hex assessment id');
  if (out === undefined || out.trim() === '') throw new UsageError('--out <file.zip> is required');
  if (config.mongoUrl === undefined)
    throw new UsageError('MONGO_URL must name the database the service uses (a bundle reads its data)');
  const app = await NestFactory.createApplicationContext(
    BundleCliModule.forRoot({ ...config, role: 'api' }),
    { logger: ['error'] },
  );
  const target = resolve(out);
  const partial = `${target}.partial`;
  try {
    const built = await OrgContext.runAsSystem(org, 'cli-bundle', async () => {
      await app.get(OrganizationsService).current();
      return app.get(BundleExportsService).writeTo(assessment, createWriteStream(partial, { flags: 'wx' }));
    });
    await rename(partial, target);
    return JSON.stringify({
      file: target,
      manifestSha256: built.manifestSha256,
      keyFingerprint: built.manifest.signature.keyFingerprint,
      draft: built.manifest.assessment.draft,
    });
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  } finally {
    await app.close();
  }
}

run(process.argv.slice(2)).then(
  (line) => {
    process.stdout.write(`${line}\n`);
    process.exit(0);
  },
  (error: unknown) => {
    if (error instanceof UsageError) process.stderr.write(`${error.message}\n\n${USAGE}`);
    else if (
      error instanceof ConfigError ||
      error instanceof EmbeddedMongoUnavailableError ||
      error instanceof DomainError
    ) {
      process.stderr.write(`${error.message}\n`);
    } else
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
