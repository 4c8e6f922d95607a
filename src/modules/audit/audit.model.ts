import { Field, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { IsDate, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { JSONScalar } from '#src/common/graphql/json.scalar';
import { ConnectionType } from '#src/common/graphql/relay';
import { AUDIT_ACTIONS, type AuditAction } from './audit.schema';

export const AuditActionEnum = Object.fromEntries(AUDIT_ACTIONS.map((a) => [a, a])) as {
  [K in AuditAction]: K;
};
registerEnumType(AuditActionEnum, { name: 'AuditAction' });

export enum ActorTypeEnum {
  user = 'user',
  system = 'system',
}
registerEnumType(ActorTypeEnum, { name: 'ActorType' });

@ObjectType('AuditActor')
export class AuditActorModel {
  @Field(() => ActorTypeEnum) type: 'user' | 'system';
  @Field() id: string;
}

@ObjectType('AuditTarget')
export class AuditTargetModel {
  @Field() type: string;
  @Field() id: string;
}

@ObjectType('AuditLogEntry')
export class AuditLogEntryModel {
  @Field(() => ID) id: string;
  @Field(() => Int) seq: number;
  @Field() at: Date;
  @Field(() => AuditActorModel) actor: AuditActorModel;
  @Field(() => AuditActionEnum) action: AuditAction;
  @Field(() => AuditTargetModel) target: AuditTargetModel;
  @Field(() => JSONScalar) details: Record<string, unknown>;
  @Field() hash: string;
  @Field() prevHash: string;
}

export const AuditLogEntryConnection = ConnectionType(AuditLogEntryModel, 'AuditLogEntry');

@ObjectType('AuditChainVerification')
export class AuditChainVerificationModel {
  @Field({ description: 'True when every link of the chain holds' }) ok: boolean;
  @Field(() => Int, { description: 'Entries checked (up to and including the first broken one)' })
  checked: number;
  @Field(() => Int, { nullable: true }) firstBrokenSeq: number | null;
  @Field({
    description:
      'Entries the last signed checkpoint vouches for are missing from the end of the chain (deleted newest entries)',
  })
  truncated: boolean;
  @Field(() => Int, { nullable: true, description: 'The first missing seq, when truncated' })
  missingFromSeq: number | null;
  @Field(() => Int, {
    nullable: true,
    description: 'The last missing seq (the checkpoint’s), when truncated',
  })
  missingToSeq: number | null;
  @Field(() => Int, {
    nullable: true,
    description: 'The seq of the last signed checkpoint; null before the first',
  })
  checkpointSeq: number | null;
  @Field(() => Date, { nullable: true }) checkpointAt: Date | null;
  @Field(() => Boolean, {
    nullable: true,
    description: "The checkpoint's Ed25519 signature verifies with the organization's signing key",
  })
  checkpointSignatureValid: boolean | null;
}

@InputType()
export class AuditLogFilter {
  @Field(() => AuditActionEnum, { nullable: true })
  @IsOptional()
  @IsIn(AUDIT_ACTIONS)
  action?: AuditAction;

  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  targetType?: string;

  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  targetId?: string;

  @Field({ nullable: true, description: 'Entries at or after this time' })
  @IsOptional()
  @IsDate()
  from?: Date;

  @Field({ nullable: true, description: 'Entries before this time' })
  @IsOptional()
  @IsDate()
  to?: Date;
}
