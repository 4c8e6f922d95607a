import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { LeaseModule } from '#src/common/scheduling/lease.module';
import { AuditModule } from '#src/modules/audit/audit.module';
import { ChangesModule } from '#src/modules/changes/changes.module';
import { ConnectionsModule } from '#src/modules/connections/connections.module';
import { EvidenceModule } from '#src/modules/evidence/evidence.module';
import { OrganizationsModule } from '#src/modules/organizations/organizations.module';
import { AbandonedRuns } from './abandoned-runs';
import { ConnectorRunDocument, ConnectorRunSchema } from './connector-run.schema';
import { ConnectorRunsRepository } from './connector-runs.repository';
import { ConnectorRunsResolver } from './connector-runs.resolver';
import { ConnectionStateResolver } from './continuity/connection-state.resolver';
import { AssessmentContinuityResolver, ContinuityResolver } from './continuity/continuity.resolver';
import { ContinuityService } from './continuity/continuity.service';
import { SyncScheduler } from './sync.scheduler';
import { SyncService } from './sync.service';
import { CollectEvidence } from './use-cases/collect-evidence.use-case';
import { RecordRunOutcome } from './use-cases/record-run-outcome.use-case';

@Module({
  imports: [
    MongooseModule.forFeature([{ name: ConnectorRunDocument.name, schema: ConnectorRunSchema }]),
    LeaseModule,
    AuditModule,
    ChangesModule,
    ConnectionsModule,
    EvidenceModule,
    OrganizationsModule,
  ],
  providers: [
    ConnectorRunsRepository,
    AbandonedRuns,
    CollectEvidence,
    RecordRunOutcome,
    SyncService,
    SyncScheduler,
    ConnectorRunsResolver,
    ContinuityService,
    ContinuityResolver,
    AssessmentContinuityResolver,
    ConnectionStateResolver,
  ],
  exports: [SyncService, SyncScheduler, ContinuityService],
})
export class SyncModule {}
