import { Field, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import {
  IsBoolean,
  IsDate,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { ConnectionType } from '#src/common/graphql/relay';
import { CHECK_KEYS, type CheckKey, type CheckStatus } from './checks/check.types';
import { type ControlStatus, type CoverageResult } from './coverage.calculator';
import { asEnum } from '#src/common/graphql/enums';
import { ALERT_KINDS, type AlertKind } from './coverage.schema';

export const ControlStatusEnum = asEnum<ControlStatus>(['COVERED', 'DEGRADED', 'MISSING']);
registerEnumType(ControlStatusEnum, { name: 'ControlStatus' });
export const CheckStatusEnum = asEnum<CheckStatus>(['PASS', 'FAIL', 'INCONCLUSIVE']);
registerEnumType(CheckStatusEnum, { name: 'CheckStatus' });
export const CheckKeyEnum = asEnum<CheckKey>(CHECK_KEYS);
registerEnumType(CheckKeyEnum, { name: 'CheckKey' });
export const AlertKindEnum = asEnum<AlertKind>(ALERT_KINDS);
registerEnumType(AlertKindEnum, { name: 'AlertKind' });
export const AlertStatusFilterEnum = asEnum<'OPEN' | 'RESOLVED' | 'ALL'>(['OPEN', 'RESOLVED', 'ALL']);
registerEnumType(AlertStatusFilterEnum, { name: 'AlertStatusFilter' });

@ObjectType('Control')
export class ControlModel {
  @Field({ description: 'e.g. "CC6.1"' }) id: string;
  @Field() title: string;
  @Field() description: string;
  @Field(() => [String]) evidenceTypes: string[];
}

@ObjectType('ControlCoverage')
export class ControlCoverageModel {
  @Field(() => ControlModel) control: ControlModel;
  @Field(() => ControlStatusEnum) status: ControlStatus;
  @Field() reason: string;
  @Field(() => Int) evidenceCount: number;
  @Field(() => Date, { nullable: true }) lastSuccessfulSyncAt: Date | null;
}

@ObjectType('Coverage')
export class CoverageModel {
  @Field({ description: 'Share of controls COVERED, 0 to 100' }) percent: number;
  @Field(() => [ControlCoverageModel]) controls: ControlCoverageModel[];
}

/** A coverage result with the instant it describes (undefined: now), for fields resolved apart. */
export type CoverageAt = CoverageResult & { readonly at?: Date };

@ObjectType('CheckItem')
export class CheckItemModel {
  @Field() sourceId: string;
  @Field() label: string;
  @Field() reason: string;
}

@ObjectType('ExceptedCheckItem')
export class ExceptedCheckItemModel extends CheckItemModel {
  @Field(() => ID) exceptionId: string;
  @Field() expiresAt: Date;
}

@ObjectType('CheckResult')
export class CheckResultModel {
  @Field(() => CheckKeyEnum) key: CheckKey;
  @Field() title: string;
  @Field({ description: 'The control the check supports' }) control: string;
  @Field(() => CheckStatusEnum) status: CheckStatus;
  @Field() reason: string;
  @Field(() => [ExceptedCheckItemModel]) excepted: ExceptedCheckItemModel[];
  @Field(() => Int) evaluated: number;
  @Field(() => Int, { description: 'How many items fail (excepted items not counted)' }) failingCount: number;
}

export const CheckItemConnection = ConnectionType(CheckItemModel, 'CheckItem');

@ObjectType('CheckException')
export class CheckExceptionModel {
  @Field(() => ID) id: string;
  @Field(() => CheckKeyEnum) check: CheckKey;
  @Field() sourceId: string;
  @Field() reason: string;
  @Field() expiresAt: Date;
  @Field() approvedBy: string;
  @Field() createdAt: Date;
  @Field({ description: 'False once expired: the item fails the check again' }) active: boolean;
}

@ObjectType('Alert')
export class AlertModel {
  @Field(() => ID) id: string;
  @Field(() => AlertKindEnum) kind: AlertKind;
  @Field(() => ID) connectionId: string;
  @Field() openedAt: Date;
  @Field(() => Date, { nullable: true }) resolvedAt: Date | null;
  @Field() message: string;
  @Field(() => ID, { nullable: true, description: 'RISKY_CHANGE: the change it is about (`changes`)' })
  changeId: string | null;
  @Field(() => String, {
    nullable: true,
    description: 'RISKY_CHANGE: who acknowledged it (an ADMIN); its resolvedAt is when',
  })
  acknowledgedBy: string | null;
}

export const AlertConnection = ConnectionType(AlertModel, 'Alert');

@ObjectType('PasswordBaseline')
export class PasswordBaselineModel {
  @Field(() => Int) minLength: number;
  @Field() requireLowerCase: boolean;
  @Field() requireUpperCase: boolean;
  @Field() requireNumber: boolean;
  @Field(() => Int) maxLockoutAttempts: number;
  @Field(() => Int) minHistoryCount: number;
}

@ObjectType('CheckSettings')
export class CheckSettingsModel {
  @Field(() => PasswordBaselineModel) passwordBaseline: PasswordBaselineModel;
  @Field(() => Int) dormantDays: number;
  @Field(() => Int, { description: 'Most Super Admins the super_admins_limited check allows' })
  maxSuperAdmins: number;
}

@InputType()
export class CreateCheckExceptionInput {
  @Field(() => CheckKeyEnum) @IsIn(CHECK_KEYS) check: CheckKey;
  @Field({ description: "The excepted item: the evidence row's source id, e.g. a user id at the vendor" })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  sourceId: string;
  @Field() @IsString() @IsNotEmpty() @MaxLength(1000) reason: string;
  @Field({ description: 'At most one year ahead' }) @IsDate() expiresAt: Date;
}

@InputType()
export class UpdateCheckSettingsInput {
  @Field(() => Int, { nullable: true }) @IsOptional() @IsInt() @Min(1) @Max(256) minLength?: number;
  @Field({ nullable: true }) @IsOptional() @IsBoolean() requireLowerCase?: boolean;
  @Field({ nullable: true }) @IsOptional() @IsBoolean() requireUpperCase?: boolean;
  @Field({ nullable: true }) @IsOptional() @IsBoolean() requireNumber?: boolean;
  @Field(() => Int, { nullable: true }) @IsOptional() @IsInt() @Min(1) @Max(100) maxLockoutAttempts?: number;
  @Field(() => Int, { nullable: true }) @IsOptional() @IsInt() @Min(0) @Max(24) minHistoryCount?: number;
  @Field(() => Int, { nullable: true }) @IsOptional() @IsInt() @Min(1) @Max(3650) dormantDays?: number;
  @Field(() => Int, { nullable: true, description: 'Most Super Admins allowed (1 to 100)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  maxSuperAdmins?: number;
}
