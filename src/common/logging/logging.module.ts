import { randomUUID } from 'node:crypto';
import { type IncomingMessage } from 'node:http';
import { type DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { type DestinationStream } from 'pino';
import { type AppConfig } from '#src/config/app-config';
import { OrgContext } from '#src/common/tenancy/org-context';
import { AppLogger } from './app-logger';
import { requestLogFields } from './request-log';
import { RunLogContext } from './run-log-context';

/** Query parameters whose values never reach a log line (the OAuth callback carries some of them). */
const SECRET_PARAMS =
  /^(code|state|token|access_token|refresh_token|id_token|client_secret|code_verifier|password|secret)$/i;

export function redactUrl(url: string | undefined): string | undefined {
  if (url === undefined || !url.includes('?')) return url;
  const [path, query = ''] = url.split('?', 2) as [string, string?];
  const params = new URLSearchParams(query);
  for (const key of [...params.keys()]) if (SECRET_PARAMS.test(key)) params.set(key, '[REDACTED]');
  return `${path}?${params.toString()}`;
}

/** Paths pino replaces with "[REDACTED]" wherever they appear in a log object. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.authorization',
  '*.accessToken',
  '*.refreshToken',
  '*.clientSecret',
  '*.client_secret',
  '*.codeVerifier',
  '*.code_verifier',
  '*.state',
  '*.code',
  '*.token',
  '*.password',
  '*.secret',
  'connectionParams',
];

/** What every line logged inside an organization's work, or a sync run, carries: their ids. */
export function logContext(): { organizationId?: string; runId?: string } {
  const fields: { organizationId?: string; runId?: string } = {};
  if (OrgContext.has()) fields.organizationId = OrgContext.organizationId();
  const runId = RunLogContext.runId();
  if (runId !== undefined) fields.runId = runId;
  return fields;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Whether a package can be loaded. pino-pretty is a devDependency: a production install (`npm ci --omit=dev`)
 * has none, and development logs are then JSON, as in production.
 */
export function isInstalled(name: string, resolve: (id: string) => string = require.resolve): boolean {
  try {
    resolve(name);
    return true;
  } catch {
    return false;
  }
}

/**
 * Structured logs (pino): JSON in production, pretty in development (when pino-pretty is installed), a request id on every line of a
 * request (taken from `x-request-id` when it looks like one, else generated), secrets redacted. Each request's
 * line names its GraphQL operation, its organization and its duration (`responseTime`, ms); every line logged
 * inside an organization's work or a sync run carries `organizationId` and `runId`. `AppLogger` is the Nest
 * logger (`app.useLogger`), with Nest's wiring lines at debug.
 */
@Module({})
export class LoggingModule {
  static forRoot(config: AppConfig, destination?: DestinationStream): DynamicModule {
    const pretty =
      config.nodeEnv === 'development' && destination === undefined && isInstalled('pino-pretty');
    return {
      module: LoggingModule,
      providers: [AppLogger],
      exports: [AppLogger],
      imports: [
        LoggerModule.forRoot({
          pinoHttp: [
            {
              level: config.logLevel,
              mixin: logContext,
              customSuccessObject: (req: IncomingMessage, _res: unknown, value: object) => ({
                ...value,
                ...requestLogFields(req),
              }),
              customErrorObject: (req: IncomingMessage, _res: unknown, _error: Error, value: object) => ({
                ...value,
                ...requestLogFields(req),
              }),
              redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
              genReqId: (req: IncomingMessage) => {
                const given = req.headers['x-request-id'];
                return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
              },
              serializers: {
                req: (req: { id?: unknown; method?: string; url?: string }) => ({
                  id: req.id,
                  method: req.method,
                  url: redactUrl(req.url),
                }),
                res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
              },
              ...(pretty ? { transport: { target: 'pino-pretty', options: { singleLine: true } } } : {}),
            },
            ...(destination === undefined ? [] : [destination]),
          ] as never,
        }),
      ],
    };
  }
}
