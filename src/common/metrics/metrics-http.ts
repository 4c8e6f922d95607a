import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import {
  Controller,
  type DynamicModule,
  Get,
  Header,
  Headers,
  Inject,
  Injectable,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  UnauthorizedException,
} from '@nestjs/common';
import { type AppConfig } from '#src/config/app-config';
import { APP_CONFIG } from '#src/config/config.module';
import { Public } from '#src/common/tenancy/decorators';
import { Metrics } from './metrics';

/**
 * Where `/metrics` is served (README "Metrics"):
 * - `METRICS_PORT` set: only on that port, bound to `METRICS_HOST` (default 127.0.0.1); never on the API port.
 * - otherwise, on the API port when `METRICS_TOKEN` is set, or outside production; in production without a
 *   token it is not served at all (404).
 * Whenever `METRICS_TOKEN` is set, a scrape needs `Authorization: Bearer <METRICS_TOKEN>` (401 otherwise).
 */
export function metricsOnApiPort(config: AppConfig): boolean {
  return (
    config.metrics.port === undefined &&
    (config.metrics.token !== undefined || config.nodeEnv !== 'production')
  );
}

/** Whether an `Authorization` header carries the metrics token; compared in constant time. */
export function metricsAuthorized(header: string | undefined, token: string | undefined): boolean {
  if (token === undefined) return true;
  const given = /^Bearer (.+)$/i.exec(header ?? '')?.[1] ?? '';
  const digest = (value: string): Buffer => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(token)) && given.length > 0;
}

@Public()
@Controller()
export class MetricsController {
  constructor(
    private readonly metrics: Metrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(@Headers('authorization') authorization: string | undefined): Promise<string> {
    if (!metricsAuthorized(authorization, this.config.metrics.token))
      throw new UnauthorizedException('A bearer token (METRICS_TOKEN) is required');
    return this.metrics.registry.metrics();
  }
}

/** `/metrics` on its own port (`METRICS_PORT` at `METRICS_HOST`), apart from the API. */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly server: Server;

  constructor(
    private readonly metrics: Metrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.server = createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0];
      if (req.method !== 'GET' || path !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found\n');
        return;
      }
      if (!metricsAuthorized(req.headers.authorization, this.config.metrics.token)) {
        res.writeHead(401, { 'content-type': 'text/plain' }).end('Unauthorized\n');
        return;
      }
      this.metrics.registry.metrics().then(
        (body) =>
          res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(body),
        () => res.writeHead(500, { 'content-type': 'text/plain' }).end('Internal Server Error\n'),
      );
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    const { port, host } = this.config.metrics;
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  /** The bound address (the port the OS chose with `METRICS_PORT=0`). */
  address(): AddressInfo {
    return this.server.address() as AddressInfo;
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.server.listening) return;
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

@Module({})
export class MetricsHttpModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: MetricsHttpModule,
      controllers: metricsOnApiPort(config) ? [MetricsController] : [],
      providers: config.metrics.port === undefined ? [] : [MetricsServer],
      exports: config.metrics.port === undefined ? [] : [MetricsServer],
    };
  }
}
