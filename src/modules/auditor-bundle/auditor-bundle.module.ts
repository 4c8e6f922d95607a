import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AuditModule } from '#src/modules/audit/audit.module';
import { AuditSealModule } from '#src/modules/audit-seal/audit-seal.module';
import { ConnectionsModule } from '#src/modules/connections/connections.module';
import { SyncModule } from '#src/modules/connectors/sync/sync.module';
import { CoverageModule } from '#src/modules/coverage/coverage.module';
import { EvidenceModule } from '#src/modules/evidence/evidence.module';
import { OrganizationsModule } from '#src/modules/organizations/organizations.module';
import {
  BundleChunkDocument,
  BundleChunkSchema,
  BundleExportDocument,
  BundleExportSchema,
} from './bundle-export.schema';
import { BundleBuilder } from './bundle.builder';
import { BundleController } from './bundle.controller';
import { BundleChunksRepository } from './bundle-chunks.repository';
import { BundleExportsRepository } from './bundle-exports.repository';
import { AssessmentExportsResolver, BundleExportsResolver } from './bundle.resolver';
import { BundleExportsService } from './bundle-exports.service';

/** The auditor bundle: an assessment's evidence, populations, runs, continuity, coverage and audit chain. */
@Module({
  imports: [
    MongooseModule.forFeature([
      { name: BundleExportDocument.name, schema: BundleExportSchema },
      { name: BundleChunkDocument.name, schema: BundleChunkSchema },
    ]),
    AuditModule,
    AuditSealModule,
    ConnectionsModule,
    CoverageModule,
    EvidenceModule,
    OrganizationsModule,
    SyncModule,
  ],
  controllers: [BundleController],
  providers: [
    BundleExportsRepository,
    BundleChunksRepository,
    BundleBuilder,
    BundleExportsService,
    BundleExportsResolver,
    AssessmentExportsResolver,
  ],
  exports: [BundleExportsService],
})
export class AuditorBundleModule {}
