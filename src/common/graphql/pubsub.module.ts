import { Global, Inject, Injectable, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { RedisPubSub } from 'graphql-redis-subscriptions';
import { PubSub } from 'graphql-subscriptions';
import Redis from 'ioredis';
import { type AppConfig } from '#src/config/app-config';
import { APP_CONFIG } from '#src/config/config.module';
import { PUB_SUB, type PubSubEngine } from './pubsub';
import { TenantEvents } from './tenant-events';

/**
 * The subscription event bus: Redis (`REDIS_URL`) so an event raised on one instance reaches subscribers
 * connected to another, or in-process when there is a single instance.
 */
export function createPubSub(config: AppConfig): PubSubEngine {
  if (config.redisUrl === undefined) return new PubSub();
  const logger = new Logger('PubSub');
  const connect = (): Redis => {
    const client = new Redis(config.redisUrl ?? '', { maxRetriesPerRequest: 3, lazyConnect: false });
    client.on('error', (error: Error) => logger.warn(`Redis: ${error.message}`));
    return client;
  };
  return new RedisPubSub({ publisher: connect(), subscriber: connect() });
}

@Injectable()
class PubSubShutdown implements OnApplicationShutdown {
  constructor(@Inject(PUB_SUB) private readonly pubSub: PubSubEngine) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.pubSub instanceof RedisPubSub) await this.pubSub.close();
  }
}

@Global()
@Module({
  providers: [
    { provide: PUB_SUB, inject: [APP_CONFIG], useFactory: createPubSub },
    PubSubShutdown,
    TenantEvents,
  ],
  exports: [PUB_SUB, TenantEvents],
})
export class PubSubModule {}
