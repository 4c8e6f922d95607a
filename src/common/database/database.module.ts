import { Logger, Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { type Connection } from 'mongoose';
import { type AppConfig } from '#src/config/app-config';
import { APP_CONFIG } from '#src/config/config.module';

/** The MongoDB connection. `MONGO_URL` is always resolved before boot (embedded server or configured). */
@Module({
  imports: [
    MongooseModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => {
        if (config.mongoUrl === undefined)
          throw new Error('MONGO_URL must be resolved before the application boots');
        return {
          uri: config.mongoUrl,
          dbName: config.mongoDbName,
          serverSelectionTimeoutMS: 10_000,
          autoIndex: true,
          retryAttempts: 3,
          retryDelay: 1000,
          connectionFactory: (connection: Connection) => {
            const logger = new Logger('MongoDB');
            connection.on('error', (error: Error) => logger.error(`Connection error: ${error.message}`));
            return connection;
          },
        };
      },
    }),
  ],
})
export class DatabaseModule {}
