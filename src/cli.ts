import 'reflect-metadata';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type DynamicModule, type INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { cliImports } from './cli-context';
import { type AppConfig, ConfigError, loadConfig } from './config/app-config';
import { AppConfigModule } from './config/config.module';
import { withDevelopmentDefaults } from './config/development-defaults';
import { KeyProviderModule } from './common/crypto/key-provider.module';
import { OrgContext } from './common/tenancy/org-context';
import { AuditorBundleModule } from './modules/auditor-bundle/auditor-bundle.module';
import { BundleExportsService } from './modules/auditor-bundle/bundle-exports.service';
import { DatabaseModule } from './common/database/database.module';
import {
  attachOrStartEmbeddedMongo,
  type EmbeddedMongo,
  EmbeddedMongoInProductionError,
  EmbeddedMongoUnavailableError,
} from './common/database/embedded-mongo';
import { PubSubModule } from './common/graphql/pubsub.module';
import { DomainError } from './common/errors/domain.error';
import { isObjectIdHex, ROLES, type Role } from './common/tenancy/principal';
import { TokenService } from './common/tenancy/token.service';
import { OrganizationsModule } from './modules/organizations/organizations.module';
import { OrganizationsService } from './modules/organizations/organizations.service';
import { OrganizationsSystemService } from './modules/organizations/organizations-system.service';
import { DevCliModule, makeStale } from './dev-stale';

/** One command: its words, its usage line, what it does, and its options (all take a value but `json`). */
interface Command {
  readonly words: string;
  readonly synopsis: string;
  readonly description: string;
  readonly options: Readonly<Record<string, { type: 'string' | 'boolean' }>>;
}

const TTL = { type: 'string' } as const;

const COMMANDS: readonly Command[] = [
  {
    words: 'org create',
    synopsis: '--name <name> [--ttl <seconds>]',
    description: 'Creates an organization and its data key; prints {"organizationId","adminToken"}.',
    options: { name: { type: 'string' }, ttl: TTL },
  },
  {
    words: 'org list',
    synopsis: '[--json]',
    description:
      'Lists the organizations, one a line (id, created, name), oldest first; --json prints a JSON array.',
    options: { json: { type: 'boolean' } },
  },
  {
    words: 'token',
    synopsis: '--org <organizationId> --role <ADMIN|MEMBER|AUDITOR> --sub <userId> [--ttl <seconds>]',
    description: 'Mints an access token for an existing organization; prints it.',
    options: { org: { type: 'string' }, role: { type: 'string' }, sub: { type: 'string' }, ttl: TTL },
  },
  {
    words: 'login',
    synopsis: '--org <organizationId> [--role ADMIN|MEMBER|AUDITOR] [--sub <userId>] [--ttl <seconds>]',
    description:
      'Prints a dashboard sign-in URL (PUBLIC_URL) with a token in its fragment (default role ADMIN).',
    options: { org: { type: 'string' }, role: { type: 'string' }, sub: { type: 'string' }, ttl: TTL },
  },
  {
    words: 'bundle',
    synopsis: '--org <organizationId> --assessment <assessmentId> --out <file.zip>',
    description:
      "Writes the assessment's auditor bundle (docs/EVIDENCE_FORMAT.md) and audits it; prints the file,\n" +
      "its manifest's SHA-256 and the signing key's fingerprint. Check it with npm run verify.",
    options: { org: { type: 'string' }, assessment: { type: 'string' }, out: { type: 'string' } },
  },
  {
    words: 'dev stale',
    synopsis: '--connection <connectionId> [--org <organizationId>]',
    description:
      "Development only (refused with NODE_ENV=production): moves the connection's last successful sync\n" +
      "past its stale threshold, so the running service's next staleness check (STALENESS_CHECK_MS) opens a\n" +
      'STALE_CONNECTOR alert; its next successful sync resolves it. Prints\n' +
      '{"organizationId","connectionId","lastSuccessfulSyncAt"}.',
    options: { connection: { type: 'string' }, org: { type: 'string' } },
  },
];

function usageOf(commands: readonly Command[]): string {
  const blocks = commands.map(
    (c) => `  npm run cli -- ${c.words} ${c.synopsis}\n${c.description.replace(/^/gm, '      ')}`,
  );
  const more =
    commands.length === COMMANDS.length
      ? "  npm run cli -- [<command>] --help\n      Prints this usage, or the command's.\n"
      : '  npm run cli -- --help\n      Prints the usage of every command.\n';
  return `Usage:\n${blocks.join('\n')}\n${more}`;
}

const USAGE = usageOf(COMMANDS);

const DEFAULT_TTL_S = 24 * 3600;

/** Misuse: exit 2, the problem on one line, then a hint to the usage of `command` (or of the CLI). */
class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
  }
}

/** Refused work (an organization that does not exist): exit 1 with the message. */
class RefusedError extends Error {}

type Flags = Readonly<Record<string, string | boolean | undefined>>;

type Invocation =
  | { readonly kind: 'help'; readonly usage: string }
  | { readonly kind: 'run'; readonly command: Command; readonly flags: Flags };

/**
 * `[words…] [options]` on node:util parseArgs: the leading words choose the command, its options are parsed
 * strictly (an unknown option, a missing value or a stray word is misuse). `--help`/`-h` at any level.
 */
function parseInvocation(argv: readonly string[]): Invocation {
  const words: string[] = [];
  for (const arg of argv) {
    if (arg.startsWith('-')) break;
    words.push(arg);
  }
  const rest = argv.slice(words.length);
  const wantsHelp = rest.includes('--help') || rest.includes('-h');
  if (words.length === 0) {
    if (wantsHelp) return { kind: 'help', usage: USAGE };
    throw new UsageError(rest.length === 0 ? 'No command given' : `Unknown option "${rest[0]}"`);
  }
  const command = COMMANDS.find((c) => c.words === words.join(' '));
  if (command === undefined) {
    const group = COMMANDS.filter((c) => c.words.startsWith(`${words.join(' ')} `));
    if (group.length > 0 && wantsHelp) return { kind: 'help', usage: usageOf(group) };
    if (group.length > 0 && words.length === 1)
      throw new UsageError(
        `"${words[0]}" needs a subcommand: ${group.map((c) => c.words.split(' ')[1]).join(', ')}`,
      );
    throw new UsageError(`Unknown command "${words.join(' ')}"`);
  }
  if (wantsHelp) return { kind: 'help', usage: usageOf([command]) };
  try {
    const { values } = parseArgs({
      args: rest,
      options: command.options,
      strict: true,
      allowPositionals: false,
    });
    return { kind: 'run', command, flags: values };
  } catch (error) {
    throw new UsageError(parseProblem(error), command.words);
  }
}

/** node:util parseArgs' error, as one short line naming the option. */
function parseProblem(error: unknown): string {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  const option = /'(-[^' ]+)/.exec(message)?.[1];
  const positional = /argument '([^']*)'/.exec(message)?.[1];
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `Unknown option "${option ?? message}"`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return /does not take an argument/.test(message)
        ? `${option ?? 'an option'} takes no value`
        : `${option ?? 'an option'} needs a value`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `Unexpected argument "${positional ?? message}"`;
    case undefined:
    default:
      return message.split('\n')[0] ?? message;
  }
}

function text(flags: Flags, name: string): string | undefined {
  const value = flags[name];
  return typeof value === 'string' ? value : undefined;
}

/** Tokens live at most `AUTH_MAX_TOKEN_LIFETIME_S` (the server refuses longer ones). */
function ttl(raw: string | undefined, fallbackS: number, maxS: number): number {
  const n = Number(raw ?? String(Math.min(fallbackS, maxS)));
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
      imports: [...cliImports(config), AuditorBundleModule],
    };
  }
}

@Module({})
class CliModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CliModule,
      imports: [
        AppConfigModule.forRoot(config),
        DatabaseModule,
        KeyProviderModule,
        PubSubModule,
        OrganizationsModule,
      ],
      providers: [TokenService],
    };
  }
}

/** The application context of a command that reads or writes the database (an embedded one in development). */
async function withDatabase<T>(
  config: AppConfig,
  fn: (app: INestApplicationContext) => Promise<T>,
  root: (config: AppConfig) => DynamicModule = (c) => CliModule.forRoot(c),
): Promise<T> {
  let embedded: EmbeddedMongo | undefined;
  if (config.mongoUrl === undefined) {
    embedded = await attachOrStartEmbeddedMongo(config.dataDir);
    config = { ...config, mongoUrl: embedded.uri };
  }
  try {
    const app = await NestFactory.createApplicationContext(root(config), { logger: ['error'] });
    try {
      return await fn(app);
    } finally {
      await app.close();
    }
  } finally {
    await embedded?.stop();
  }
}

async function run(argv: readonly string[]): Promise<string> {
  const invocation = parseInvocation(argv);
  if (invocation.kind === 'help') return invocation.usage.trimEnd();
  const { command, flags } = invocation;
  if (command.words === 'dev stale' && process.env.NODE_ENV?.trim() === 'production')
    throw new RefusedError('dev stale is a development tool: refused with NODE_ENV=production');
  const config = withDevelopmentDefaults(loadConfig(process.env));
  switch (command.words) {
    case 'dev stale':
      return devStale(config, flags);
    case 'bundle':
      return bundle(config, flags);
    case 'org list':
      return withDatabase(config, (app) => listOrganizations(app, flags.json === true));
    case 'token':
    case 'login':
      return mintToken(config, command.words === 'login', flags);
    default:
      return createOrganization(config, flags);
  }
}

async function createOrganization(config: AppConfig, flags: Flags): Promise<string> {
  const name = text(flags, 'name');
  if (name === undefined || name.trim() === '') throw new UsageError('--name is required', 'org create');
  const lifetime = ttl(text(flags, 'ttl'), DEFAULT_TTL_S, config.auth.maxTokenLifetimeSeconds);
  return withDatabase(config, async (app) => {
    const organization = await app.get(OrganizationsService).create(name, 'cli');
    const adminToken = await app
      .get(TokenService)
      .issue({ organizationId: organization.id, role: 'ADMIN', userId: 'cli-admin' }, lifetime);
    return JSON.stringify({ organizationId: organization.id, adminToken });
  });
}

async function listOrganizations(app: INestApplicationContext, json: boolean): Promise<string> {
  const rows: { id: string; name: string; createdAt: string }[] = [];
  for await (const org of app.get(OrganizationsSystemService).all()) {
    rows.push({ id: org.id, name: org.name, createdAt: org.createdAt.toISOString() });
  }
  if (json) return JSON.stringify(rows);
  // An empty list prints nothing on stdout: a script reading lines gets none.
  return rows.map((r) => `${r.id}  ${r.createdAt}  ${r.name}`).join('\n');
}

/** `token` and `login`: a token for an organization that exists (refused otherwise, exit 1). */
async function mintToken(config: AppConfig, login: boolean, flags: Flags): Promise<string> {
  const words = login ? 'login' : 'token';
  const org = text(flags, 'org');
  const role = (text(flags, 'role') ?? (login ? 'ADMIN' : undefined)) as Role | undefined;
  const sub = text(flags, 'sub') ?? (login ? `dashboard-${(role ?? 'user').toLowerCase()}` : undefined);
  if (!isObjectIdHex(org)) throw new UsageError('--org must be a 24-character hex organization id', words);
  if (role === undefined || !ROLES.includes(role))
    throw new UsageError(`--role must be one of ${ROLES.join(', ')}`, words);
  if (sub === undefined || sub.length > 200)
    throw new UsageError('--sub (user id, up to 200 characters) is required', words);
  // A sign-in link stays in the browser's history: it lives an hour unless asked otherwise.
  const lifetime = ttl(text(flags, 'ttl'), login ? 3600 : DEFAULT_TTL_S, config.auth.maxTokenLifetimeSeconds);
  return withDatabase(config, async (app) => {
    if (!(await app.get(OrganizationsSystemService).exists(org)))
      throw new RefusedError(`Organization ${org} does not exist: no token minted (npm run cli -- org list)`);
    const token = await app.get(TokenService).issue({ organizationId: org, role, userId: sub }, lifetime);
    // In the fragment: never sent to a server, and the app removes it from the address bar at once.
    return login ? `${config.publicUrl}/integrations#token=${encodeURIComponent(token)}` : token;
  });
}

/** `dev stale`: a live connection made stale (development and test only). */
async function devStale(config: AppConfig, flags: Flags): Promise<string> {
  const connection = text(flags, 'connection');
  const org = text(flags, 'org');
  if (!isObjectIdHex(connection))
    throw new UsageError('--connection must be a 24-character hex connection id', 'dev stale');
  if (org !== undefined && !isObjectIdHex(org))
    throw new UsageError('--org must be a 24-character hex organization id', 'dev stale');
  const made = await withDatabase(
    config,
    (app) => makeStale(app, connection, org),
    (c) => DevCliModule.forRoot(c),
  );
  return JSON.stringify(made);
}

/** Writes an auditor bundle to a file, next to it first and renamed when complete. */
async function bundle(config: AppConfig, flags: Flags): Promise<string> {
  const org = text(flags, 'org');
  const assessment = text(flags, 'assessment');
  const out = text(flags, 'out');
  if (!isObjectIdHex(org)) throw new UsageError('--org must be a 24-character hex organization id', 'bundle');
  if (!isObjectIdHex(assessment))
    throw new UsageError('--assessment must be a 24-character hex assessment id', 'bundle');
  if (out === undefined || out.trim() === '') throw new UsageError('--out <file.zip> is required', 'bundle');
  if (config.mongoUrl === undefined)
    throw new UsageError(
      'MONGO_URL must name the database the service uses (a bundle reads its data)',
      'bundle',
    );
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

/** The line after a misuse: the command's synopsis (or the commands), and where the full usage is. */
function hintFor(words: string | undefined): string {
  const command = COMMANDS.find((c) => c.words === words);
  return command === undefined
    ? `Usage: npm run cli -- <${COMMANDS.map((c) => c.words).join('|')}> [options]   (npm run cli -- --help)`
    : `Usage: npm run cli -- ${command.words} ${command.synopsis}   (npm run cli -- ${command.words} --help)`;
}

/** Exit codes: 0 done (or help), 1 refused or failed, 2 misuse. */
run(process.argv.slice(2)).then(
  (line) => {
    if (line !== '') process.stdout.write(`${line}\n`);
    process.exit(0);
  },
  (error: unknown) => {
    if (error instanceof UsageError) process.stderr.write(`${error.message}\n${hintFor(error.command)}\n`);
    else if (
      error instanceof RefusedError ||
      error instanceof ConfigError ||
      error instanceof EmbeddedMongoUnavailableError ||
      error instanceof EmbeddedMongoInProductionError ||
      error instanceof DomainError
    ) {
      process.stderr.write(`${error.message}\n`);
    } else
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
