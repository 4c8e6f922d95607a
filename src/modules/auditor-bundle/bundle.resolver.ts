import {
  Args,
  Field,
  Float,
  ID,
  Int,
  Mutation,
  ObjectType,
  Parent,
  Query,
  registerEnumType,
  ResolveField,
  Resolver,
} from '@nestjs/graphql';
import { Roles } from '#src/common/tenancy/decorators';
import { AssessmentIdInput, AssessmentModel } from '#src/modules/evidence/evidence.model';
import { EXPORT_STATUSES, type ExportStatus } from './bundle-export.schema';
import { type BundleExport } from './bundle-exports.repository';
import { BundleExportsService } from './bundle-exports.service';
import { exportDownloadPath } from './bundle.controller';

const ExportStatusEnum = Object.fromEntries(EXPORT_STATUSES.map((s) => [s, s])) as {
  [K in ExportStatus]: K;
};
registerEnumType(ExportStatusEnum, {
  name: 'AssessmentExportStatus',
  description:
    'RUNNING, READY (downloadable), FAILED, or EXPIRED (superseded by newer exports; bytes removed)',
});

@ObjectType('Population', {
  description: "An evidence type's population over an assessment period, with how it was collected (IPE)",
})
export class PopulationModel {
  @Field() type: string;
  @Field(() => Int, { description: 'Rows valid at some moment of the period (each version of an item)' })
  rows: number;
  @Field(() => Int, { description: 'Distinct items (per connection and source id)' }) items: number;
  @Field(() => Int, { description: 'Distinct runs that wrote those rows' }) runs: number;
  @Field(() => [String]) connectorKeys: string[];
  @Field(() => [String]) controls: string[];
  @Field(() => [String], { description: 'The API endpoints the runs read it from' }) endpoints: string[];
  @Field(() => [String], { description: 'The filters of those requests' }) filters: string[];
}

@ObjectType('AssessmentExport')
export class AssessmentExportModel {
  @Field(() => ID) id: string;
  @Field(() => ID) assessmentId: string;
  @Field(() => ExportStatusEnum) status: ExportStatus;
  @Field() requestedBy: string;
  @Field() createdAt: Date;
  @Field(() => Date, { nullable: true }) finishedAt: Date | null;
  @Field(() => Int, { description: 'Evidence rows written so far (live while RUNNING)' }) rows: number;
  @Field(() => Float, { description: 'Size of the ZIP in bytes (READY)' }) bytes: number;
  @Field(() => String, { nullable: true, description: 'SHA-256 of the ZIP, hex (READY)' }) sha256:
    string | null;
  @Field(() => String, { nullable: true, description: 'SHA-256 of manifest.json, as audited (READY)' })
  manifestSha256: string | null;
  @Field(() => Boolean, { nullable: true, description: 'The assessment was not APPROVED when exported' })
  draft: boolean | null;
  @Field(() => [PopulationModel], { description: 'The populations the bundle holds (READY)' })
  populations: PopulationModel[];
  @Field(() => String, { nullable: true }) error: string | null;
  @Field(() => String, {
    nullable: true,
    description: 'Where to download it (READY): GET with the same bearer token as GraphQL',
  })
  downloadPath: string | null;
}

type ExportView = BundleExport & { downloadPath: string | null };

function view(found: BundleExport): ExportView {
  return { ...found, downloadPath: found.status === 'READY' ? exportDownloadPath(found.id) : null };
}

@Resolver(() => AssessmentExportModel)
export class BundleExportsResolver {
  constructor(private readonly exports: BundleExportsService) {}

  @Mutation(() => AssessmentExportModel, {
    description:
      "Starts writing the assessment's auditor bundle (docs/EVIDENCE_FORMAT.md); poll `assessmentExport` until READY (ADMIN, AUDITOR)",
  })
  @Roles('ADMIN', 'AUDITOR')
  async exportAssessment(@Args('input') input: AssessmentIdInput): Promise<ExportView> {
    return view(await this.exports.start(input.assessmentId));
  }

  @Query(() => AssessmentExportModel, { description: 'An export, by id (ADMIN, AUDITOR)' })
  @Roles('ADMIN', 'AUDITOR')
  async assessmentExport(@Args('id', { type: () => ID }) id: string): Promise<ExportView> {
    return view(await this.exports.get(id));
  }
}

@Resolver(() => AssessmentModel)
export class AssessmentExportsResolver {
  constructor(private readonly bundles: BundleExportsService) {}

  @ResolveField(() => [AssessmentExportModel], {
    description: "The assessment's latest exports, newest first (ADMIN, AUDITOR)",
  })
  @Roles('ADMIN', 'AUDITOR')
  async exports(@Parent() assessment: AssessmentModel): Promise<ExportView[]> {
    return (await this.bundles.ofAssessment(assessment.id)).map(view);
  }
}
