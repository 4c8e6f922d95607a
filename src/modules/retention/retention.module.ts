import { Module } from '@nestjs/common';
import { AuditModule } from '#src/modules/audit/audit.module';
import { ChangesModule } from '#src/modules/changes/changes.module';
import { ConnectionsModule } from '#src/modules/connections/connections.module';
import { SyncModule } from '#src/modules/connectors/sync/sync.module';
import { EvidenceModule } from '#src/modules/evidence/evidence.module';
import { OrganizationsModule } from '#src/modules/organizations/organizations.module';
import { RetentionJob } from './retention.job';

@Module({
  imports: [AuditModule, ChangesModule, ConnectionsModule, SyncModule, EvidenceModule, OrganizationsModule],
  providers: [RetentionJob],
  exports: [RetentionJob],
})
export class RetentionModule {}
