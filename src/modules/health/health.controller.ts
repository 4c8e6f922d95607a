import { Controller, Get, Inject } from '@nestjs/common';
import {
  HealthCheck,
  type HealthCheckResult,
  HealthCheckService,
  HealthIndicatorService,
  MongooseHealthIndicator,
} from '@nestjs/terminus';
import { KEY_PROVIDER, type KeyProvider } from '#src/common/crypto/key-provider';
import { Public } from '#src/common/tenancy/decorators';

@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly mongo: MongooseHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    @Inject(KEY_PROVIDER) private readonly keys: KeyProvider,
  ) {}

  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.mongo.pingCheck('database', { timeout: 3000 }),
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
