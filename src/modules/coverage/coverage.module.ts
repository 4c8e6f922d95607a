import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AuditModule } from '#src/modules/audit/audit.module';
import { ChangesModule } from '#src/modules/changes/changes.module';
import { ConnectionsModule } from '#src/modules/connections/connections.module';
import { LeaseModule } from '#src/common/scheduling/lease.module';
import { SyncModule } from '#src/modules/connectors/sync/sync.module';
import { EvidenceModule } from '#src/modules/evidence/evidence.module';
import { OrganizationsModule } from '#src/modules/organizations/organizations.module';
import { AlertsService } from './alerts.service';
import { AlertsRepository } from './alerts.repository';
import { CheckExceptionsRepository } from './check-exceptions.repository';
import { CheckFailuresRepository } from './check-failures.repository';
import { CheckSettingsService } from './check-settings.service';
import { CheckSettingsVersionsRepository } from './check-settings-versions.repository';
import {
  AlertDocument,
  AlertSchema,
  CheckExceptionDocument,
  CheckExceptionSchema,
  CheckFailuresDocument,
  CheckFailuresSchema,
  CheckSettingsVersionDocument,
  CheckSettingsVersionSchema,
  CoverageStateDocument,
  CoverageStateSchema,
} from './coverage.schema';
import { CheckResultResolver, CoverageResolver } from './coverage.resolver';
import { CoverageService } from './coverage.service';
import { CoverageStateRepository } from './coverage-state.repository';
import { RiskyChangeAlerts } from './risky-change-alerts';
import { StalenessMonitor } from './staleness.monitor';
import { EvaluateChecks } from './use-cases/evaluate-checks.use-case';
import { PictureAtInstant } from './use-cases/picture-at.use-case';

@Module({
  imports: [
    MongooseModule.forFeature([
      { name: AlertDocument.name, schema: AlertSchema },
      { name: CheckExceptionDocument.name, schema: CheckExceptionSchema },
      { name: CheckFailuresDocument.name, schema: CheckFailuresSchema },
      { name: CheckSettingsVersionDocument.name, schema: CheckSettingsVersionSchema },
      { name: CoverageStateDocument.name, schema: CoverageStateSchema },
    ]),
    AuditModule,
    ChangesModule,
    ConnectionsModule,
    SyncModule,
    LeaseModule,
    EvidenceModule,
    OrganizationsModule,
  ],
  providers: [
    AlertsRepository,
    AlertsService,
    CheckExceptionsRepository,
    CheckFailuresRepository,
    CheckSettingsVersionsRepository,
    CheckSettingsService,
    CoverageStateRepository,
    EvaluateChecks,
    PictureAtInstant,
    CoverageService,
    StalenessMonitor,
    RiskyChangeAlerts,
    CoverageResolver,
    CheckResultResolver,
  ],
  exports: [CoverageService, StalenessMonitor],
})
export class CoverageModule {}
