import { randomUUID } from 'node:crypto';
import { type IncomingMessage } from 'node:http';
import { type DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { type DestinationStream } from 'pino';
import { type AppConfig } from '#src/config/app-config';

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
 * request (taken from `x-request-id` when it looks like one, else generated), secrets redacted.
 */
@Module({})
export class LoggingModule {
  static forRoot(config: AppConfig, destination?: DestinationStream): DynamicModule {
    const pretty =
      config.nodeEnv === 'development' && destination === undefined && isInstalled('pino-pretty');
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: [
            {
              level: config.logLevel,
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
