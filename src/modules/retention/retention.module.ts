import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AuditModule } from '#src/modules/audit/audit.module';
import { ConnectionsModule } from '#src/modules/connections/connections.module';
import { SyncModule } from '#src/modules/connectors/sync/sync.module';
import { EvidenceModule } from '#src/modules/evidence/evidence.module';
import { EvidenceDocument, EvidenceSchema } from '#src/modules/evidence/evidence.schema';
import { OrganizationsModule } from '#src/modules/organizations/organizations.module';
import { RetainedEvidenceRepository } from './retained-evidence.repository';
import { RetentionJob } from './retention.job';

@Module({
  imports: [
    // The evidence model itself is registered by EvidenceModule; this reuses it for one read-only query.
    MongooseModule.forFeature([{ name: EvidenceDocument.name, schema: EvidenceSchema }]),
    AuditModule,
    ConnectionsModule,
    SyncModule,
    EvidenceModule,
    OrganizationsModule,
  ],
  providers: [RetentionJob, RetainedEvidenceRepository],
  exports: [RetentionJob],
})
export class RetentionModule {}
