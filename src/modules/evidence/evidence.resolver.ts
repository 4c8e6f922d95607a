import { Args, ArgsType, Field, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import { IsOptional, ValidateNested } from 'class-validator';
import { type Connection, PageArgs, paginateById } from '#src/common/graphql/relay';
import { Roles } from '#src/common/tenancy/decorators';
import { type Assessment } from './assessments.repository';
import { AssessmentsService } from './assessments.service';
import {
  AssessmentConnection,
  AssessmentIdInput,
  AssessmentModel,
  AttachEvidenceInput,
  CreateAssessmentInput,
  EvidenceConnection,
  EvidenceFilter,
  EvidenceModel,
} from './evidence.model';
import { EvidenceService } from './evidence.service';
import { type Evidence } from './evidence.types';

@ArgsType()
class EvidenceArgs extends PageArgs {
  @Field(() => EvidenceFilter, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => EvidenceFilter)
  filter?: EvidenceFilter;
}

@Resolver(() => EvidenceModel)
export class EvidenceResolver {
  constructor(
    private readonly evidenceService: EvidenceService,
    private readonly assessmentsService: AssessmentsService,
  ) {}

  @Query(() => EvidenceConnection, {
    description: 'Evidence rows, newest first; filter by type, control, connection, point in time',
  })
  async evidence(@Args() args: EvidenceArgs): Promise<Connection<Evidence>> {
    return paginateById(args, (limit, beforeId) =>
      this.evidenceService.page(
        { ...(args.filter ?? {}), ...(beforeId === undefined ? {} : { beforeId }) },
        limit,
      ),
    );
  }

  @Query(() => AssessmentConnection)
  async assessments(@Args() args: PageArgs): Promise<Connection<Assessment>> {
    return paginateById(args, (limit, beforeId) => this.assessmentsService.page(limit, beforeId));
  }

  @Query(() => AssessmentModel, { description: 'NOT_FOUND for a missing or foreign id' })
  assessment(@Args('id', { type: () => ID }) id: string): Promise<Assessment> {
    return this.assessmentsService.get(id);
  }

  @Mutation(() => AssessmentModel, { description: 'Creates a DRAFT SOC 2 assessment (ADMIN)' })
  @Roles('ADMIN')
  createAssessment(@Args('input') input: CreateAssessmentInput): Promise<Assessment> {
    return this.assessmentsService.create(input);
  }

  @Mutation(() => AssessmentModel, { description: 'Attaches evidence to a DRAFT assessment (ADMIN)' })
  @Roles('ADMIN')
  attachEvidence(@Args('input') input: AttachEvidenceInput): Promise<Assessment> {
    return this.assessmentsService.attach(input.assessmentId, input.evidenceIds);
  }

  @Mutation(() => AssessmentModel, {
    description: 'Approves an assessment: it and its evidence are frozen (ADMIN)',
  })
  @Roles('ADMIN')
  approveAssessment(@Args('input') input: AssessmentIdInput): Promise<Assessment> {
    return this.assessmentsService.approve(input.assessmentId);
  }
}
