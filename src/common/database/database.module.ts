import { Logger, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { MongooseModule } from '@nestjs/mongoose';
import { type Connection } from 'mongoose';
import { type AppConfig } from '#src/config/app-config';
import { APP_CONFIG } from '#src/config/config.module';
import { Metrics } from '#src/common/metrics/metrics';
import { QueryGate } from './query-gate';
import { QueryGateInterceptor } from './query-gate.interceptor';
import { queryTimeoutPlugin } from './query-timeout.plugin';

/**
 * Pooled connections kept out of reach of API requests, so that health checks, the scheduler and running
 * syncs always get one: a fifth of the pool, at least 5.
 */
export function queryGateFor(config: AppConfig): QueryGate {
  const pool = config.database.maxPoolSize;
  const total = Math.max(1, pool - Math.max(5, Math.ceil(pool / 5)));
  return new QueryGate(total, Math.max(1, Math.floor(total / 4)), config.database.queryTimeoutMs);
}

/**
 * The MongoDB connection. `MONGO_URL` is always resolved before boot (embedded server or configured).
 * Every read carries `maxTimeMS`, every socket a timeout, and API requests are admitted through the
 * `QueryGate` (a reserve of the pool stays free; one organization cannot take all of it).
 */
@Module({
  imports: [
    MongooseModule.forRootAsync({
      // Metrics are absent from the CLI's context: it runs no HTTP server to expose them.
      inject: [APP_CONFIG, { token: Metrics, optional: true }],
      useFactory: (config: AppConfig, metrics: Metrics | undefined) => {
        if (config.mongoUrl === undefined)
          throw new Error('MONGO_URL must be resolved before the application boots');
        return {
          uri: config.mongoUrl,
          dbName: config.mongoDbName,
          serverSelectionTimeoutMS: 10_000,
          socketTimeoutMS: config.database.socketTimeoutMs,
          maxPoolSize: config.database.maxPoolSize,
          autoIndex: true,
          retryAttempts: 3,
          retryDelay: 1000,
          monitorCommands: metrics !== undefined,
          connectionFactory: (connection: Connection) => {
            const logger = new Logger('MongoDB');
            connection.on('error', (error: Error) => logger.error(`Connection error: ${error.message}`));
            connection.plugin(queryTimeoutPlugin(config.database.queryTimeoutMs));
            metrics?.db.observe(connection.getClient());
            return connection;
          },
        };
      },
    }),
  ],
  providers: [
    { provide: QueryGate, inject: [APP_CONFIG], useFactory: queryGateFor },
    { provide: APP_INTERCEPTOR, useClass: QueryGateInterceptor },
  ],
})
export class DatabaseModule {}
