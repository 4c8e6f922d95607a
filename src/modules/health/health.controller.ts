import { Controller, Get, Inject } from '@nestjs/common';
import {
  HealthCheck,
  type HealthCheckResult,
  HealthCheckService,
  type HealthIndicatorResult,
  HealthIndicatorService,
  MongooseHealthIndicator,
} from '@nestjs/terminus';
import { InjectConnection } from '@nestjs/mongoose';
import { type Connection, Types } from 'mongoose';
import { KEY_PROVIDER, type KeyProvider } from '#src/common/crypto/key-provider';
import { Public } from '#src/common/tenancy/decorators';

const READY_QUERY_MS = 3000;

@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly mongo: MongooseHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    @Inject(KEY_PROVIDER) private readonly keys: KeyProvider,
    @InjectConnection() private readonly connection: Connection,
  ) {}

  /**
   * A ping is answered even when every backend connection is held by stuck queries; a real tenant-scoped
   * query through the pool is not. Ready means the database can serve a request now.
   */
  private async tenantQuery(): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check('databaseQuery');
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.connection
          .collection('connections')
          .findOne(
            { organizationId: new Types.ObjectId() },
            { projection: { _id: 1 }, maxTimeMS: READY_QUERY_MS },
          ),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('timed out')), READY_QUERY_MS);
        }),
      ]);
      return indicator.up();
    } catch {
      return indicator.down({
        message: `a tenant-scoped query did not complete within ${READY_QUERY_MS} ms`,
      });
    } finally {
      clearTimeout(timer);
    }
  }

  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.mongo.pingCheck('database', { timeout: 3000 }),
      () => this.tenantQuery(),
      async () => {
        const indicator = this.indicators.check('keyProvider');
        try {
          await this.keys.check();
          return indicator.up({ provider: this.keys.name });
        } catch {
          return indicator.down({ provider: this.keys.name, message: 'key provider unavailable' });
        }
      },
    ]);
  }
}
