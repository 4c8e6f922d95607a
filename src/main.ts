import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { AppLogger } from './common/logging/app-logger';
import { configureApp } from './bootstrap';
import { type AppConfig, ConfigError, loadConfig } from './config/app-config';
import { withDevelopmentDefaults } from './config/development-defaults';
import {
  type EmbeddedMongo,
  EmbeddedMongoInProductionError,
  EmbeddedMongoUnavailableError,
  startEmbeddedMongo,
} from './common/database/embedded-mongo';
import { handleUnhandledRejections } from './common/errors/unhandled-rejection';

async function bootstrap(): Promise<void> {
  const logger = new Logger('Main');
  handleUnhandledRejections(new Logger('Process'));
  let config: AppConfig = withDevelopmentDefaults(loadConfig(process.env));
  let embedded: EmbeddedMongo | undefined;
  if (config.mongoUrl === undefined) {
    logger.log(`MONGO_URL not set: starting an embedded MongoDB with data in ${config.dataDir}/mongo`);
    embedded = await startEmbeddedMongo(config.dataDir);
    config = { ...config, mongoUrl: embedded.uri };
  }
  if (config.kms.provider === 'local') {
    logger.warn(
      `KMS_PROVIDER=local: secrets are protected by ${config.kms.localMasterKeyFile}. For development only.`,
    );
  }
  const app = configureApp(await NestFactory.create(AppModule.forRoot(config), { bufferLogs: true }), config);
  app.useLogger(app.get(AppLogger));
  const shutdown = async (signal: NodeJS.Signals): Promise<void> => {
    logger.log(`${signal}: shutting down`);
    await app.close();
    await embedded?.stop();
    process.exit(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, (s) => void shutdown(s));
  try {
    await app.listen(config.port);
  } catch (error) {
    await app.close();
    await embedded?.stop();
    if ((error as { code?: unknown }).code === 'EADDRINUSE') throw new PortBusyError(config.port);
    throw error;
  }
  logger.log(`GraphQL API at ${config.publicUrl}/graphql`);
  // The image holds dist/ only: there the CLI is run with node.
  const cli = config.nodeEnv === 'production' ? 'node dist/cli.js' : 'npm run cli --';
  logger.log(`Get a token: ${cli} org create --name "Acme"   (prints organizationId and adminToken)`);
}

class PortBusyError extends Error {
  constructor(port: number) {
    super(`port ${port} is busy: stop the process using it or set PORT`);
    this.name = 'PortBusyError';
  }
}

bootstrap().catch((error: unknown) => {
  if (
    error instanceof ConfigError ||
    error instanceof EmbeddedMongoUnavailableError ||
    error instanceof EmbeddedMongoInProductionError ||
    error instanceof PortBusyError
  ) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(
      `Failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
  }
  process.exit(1);
});
