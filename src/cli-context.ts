import { type DynamicModule } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { type AppConfig } from './config/app-config';
import { AppConfigModule } from './config/config.module';
import { CryptoModule } from './common/crypto/crypto.module';
import { KeyProviderModule } from './common/crypto/key-provider.module';
import { DatabaseModule } from './common/database/database.module';
import { DomainEventsModule } from './common/events/domain-events';
import { PubSubModule } from './common/graphql/pubsub.module';
import { MetricsModule } from './common/metrics/metrics';
import { ConnectorsModule } from './modules/connectors/connectors.module';
import { INSTALLED_CONNECTORS } from './modules/connectors/installed-connectors';

/**
 * What a CLI command's module imports before its own feature modules: configuration (role `api`: no
 * scheduler or jobs), the database, the key provider, events and the installed connectors; no HTTP or GraphQL.
 */
export function cliImports(config: AppConfig): NonNullable<DynamicModule['imports']> {
  return [
    AppConfigModule.forRoot({ ...config, role: 'api' }),
    DatabaseModule,
    KeyProviderModule,
    CryptoModule,
    PubSubModule,
    DomainEventsModule,
    MetricsModule,
    ScheduleModule.forRoot(),
    ConnectorsModule.forRoot(INSTALLED_CONNECTORS),
  ];
}
