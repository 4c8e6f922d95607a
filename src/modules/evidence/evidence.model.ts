import { Field, ID, InputType, ObjectType, registerEnumType } from '@nestjs/graphql';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsBoolean,
  IsDate,
  IsMongoId,
  IsNotEmpty,
  IsOptional,
  IsString,
  MaxLength,
} from 'class-validator';
import { JSONScalar } from '#src/common/graphql/json.scalar';
import { ConnectionType } from '#src/common/graphql/relay';
import { ASSESSMENT_STATUSES, type AssessmentStatus } from './evidence.schema';

@ObjectType('Evidence')
export class EvidenceModel {
  @Field(() => ID) id: string;
  @Field(() => ID) connectionId: string;
  @Field(() => ID) runId: string;
  @Field() connectorKey: string;
  @Field() type: string;
  @Field() sourceId: string;
  @Field(() => [String]) controls: string[];
  @Field(() => JSONScalar) data: Record<string, unknown>;
  @Field() fingerprint: string;
  @Field() collectedAt: Date;
  @Field(() => Date, {
    nullable: true,
    description: 'When this observation stopped being current; null while current',
  })
  validUntil: Date | null;
  @Field({ description: 'Attached to an approved assessment: can be neither deleted nor purged' })
  locked: boolean;
  @Field(() => [ID], { description: 'The assessments this row is attached to' })
  assessmentIds: string[];
}

export const EvidenceConnection = ConnectionType(EvidenceModel, 'Evidence');

@InputType()
export class EvidenceFilter {
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(100) type?: string;
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(20) control?: string;
  @Field(() => ID, { nullable: true }) @IsOptional() @IsMongoId() connectionId?: string;
  @Field({ nullable: true, description: 'Rows valid at this instant' }) @IsOptional() @IsDate() asOf?: Date;
  @Field({ nullable: true, description: 'Only rows still current' })
  @IsOptional()
  @IsBoolean()
  currentOnly?: boolean;
}

export const AssessmentStatusEnum = Object.fromEntries(ASSESSMENT_STATUSES.map((s) => [s, s])) as {
  [K in AssessmentStatus]: K;
};
registerEnumType(AssessmentStatusEnum, { name: 'AssessmentStatus' });

@ObjectType('Assessment')
export class AssessmentModel {
  @Field(() => ID) id: string;
  @Field() framework: string;
  @Field() name: string;
  @Field() periodStart: Date;
  @Field() periodEnd: Date;
  @Field(() => AssessmentStatusEnum) status: AssessmentStatus;
  @Field(() => [ID]) evidenceIds: string[];
  @Field(() => String, { nullable: true }) approvedBy: string | null;
  @Field(() => Date, { nullable: true }) approvedAt: Date | null;
  @Field() createdAt: Date;
}

export const AssessmentConnection = ConnectionType(AssessmentModel, 'Assessment');

@InputType()
export class CreateAssessmentInput {
  @Field() @IsString() @IsNotEmpty() @MaxLength(200) name: string;
  @Field() @IsDate() periodStart: Date;
  @Field() @IsDate() periodEnd: Date;
}

@InputType()
export class AttachEvidenceInput {
  @Field(() => ID) @IsMongoId() assessmentId: string;
  @Field(() => [ID]) @ArrayMinSize(1) @ArrayMaxSize(1000) @IsMongoId({ each: true }) evidenceIds: string[];
}

@InputType()
export class AssessmentIdInput {
  @Field(() => ID) @IsMongoId() assessmentId: string;
}
