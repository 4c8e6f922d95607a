import { type DynamicModule, Module } from '@nestjs/common';
import { type DestinationStream } from 'pino';
import { ScheduleModule } from '@nestjs/schedule';
import { type AppConfig } from './config/app-config';
import { AppConfigModule } from './config/config.module';
import { CryptoModule } from './common/crypto/crypto.module';
import { KeyProviderModule } from './common/crypto/key-provider.module';
import { DatabaseModule } from './common/database/database.module';
import { DomainEventsModule } from './common/events/domain-events';
import { GraphqlInfraModule } from './common/graphql/graphql.module';
import { LoggingModule } from './common/logging/logging.module';
import { MetricsModule } from './common/metrics/metrics';
import { MetricsHttpModule } from './common/metrics/metrics-http';
import { TenancyModule } from './common/tenancy/tenancy.module';
import { AuditModule } from './modules/audit/audit.module';
import { AuditSealModule } from './modules/audit-seal/audit-seal.module';
import { AuditorBundleModule } from './modules/auditor-bundle/auditor-bundle.module';
import { ConnectionsModule } from './modules/connections/connections.module';
import { type ConnectorModule } from './modules/connectors/connector-driver.port';
import { ConnectorsModule } from './modules/connectors/connectors.module';
import { INSTALLED_CONNECTORS } from './modules/connectors/installed-connectors';
import { IntegrationsModule } from './modules/connectors/integrations.module';
import { SyncModule } from './modules/connectors/sync/sync.module';
import { CoverageModule } from './modules/coverage/coverage.module';
import { RetentionModule } from './modules/retention/retention.module';
import { EvidenceModule } from './modules/evidence/evidence.module';
import { DashboardModule } from './modules/dashboard/dashboard.module';
import { HealthModule } from './modules/health/health.module';
import { OrganizationsModule } from './modules/organizations/organizations.module';

@Module({})
export class AppModule {
  /**
   * `logDestination`: where structured logs go (tests capture them); stdout by default. `connectors`: the
   * installed connectors (a test adds its fixture connector to them).
   */
  static forRoot(
    config: AppConfig,
    logDestination?: DestinationStream,
    connectors: readonly ConnectorModule[] = INSTALLED_CONNECTORS,
  ): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        LoggingModule.forRoot(config, logDestination),
        DatabaseModule,
        KeyProviderModule,
        CryptoModule,
        TenancyModule,
        DomainEventsModule,
        GraphqlInfraModule,
        ScheduleModule.forRoot(),
        AuditModule,
        AuditSealModule,
        OrganizationsModule,
        ConnectorsModule.forRoot(connectors),
        ConnectionsModule,
        IntegrationsModule,
        EvidenceModule,
        SyncModule,
        CoverageModule,
        RetentionModule,
        AuditorBundleModule,
        HealthModule,
        MetricsModule,
        MetricsHttpModule.forRoot(config),
        DashboardModule.forRoot(),
      ],
    };
  }
}
