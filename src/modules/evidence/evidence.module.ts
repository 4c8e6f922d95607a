import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { LeaseModule } from '#src/common/scheduling/lease.module';
import { AuditModule } from '#src/modules/audit/audit.module';
import { AssessmentsRepository } from './assessments.repository';
import { AssessmentsService } from './assessments.service';
import { EvidenceRetentionService } from './evidence-retention.service';
import { EvidenceRepository } from './evidence.repository';
import { EvidenceResolver } from './evidence.resolver';
import { AssessmentDocument, AssessmentSchema, EvidenceDocument, EvidenceSchema } from './evidence.schema';
import { EvidenceService } from './evidence.service';
import { RetainedEvidenceRepository } from './retained-evidence.repository';

@Module({
  imports: [
    MongooseModule.forFeature([
      { name: EvidenceDocument.name, schema: EvidenceSchema },
      { name: AssessmentDocument.name, schema: AssessmentSchema },
    ]),
    AuditModule,
    LeaseModule,
  ],
  providers: [
    EvidenceRepository,
    EvidenceService,
    AssessmentsRepository,
    AssessmentsService,
    EvidenceResolver,
    RetainedEvidenceRepository,
    EvidenceRetentionService,
  ],
  exports: [EvidenceService, EvidenceRetentionService, AssessmentsService],
})
export class EvidenceModule {}
