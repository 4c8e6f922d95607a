import { ArgsType, Field, ID, ObjectType, registerEnumType } from '@nestjs/graphql';
import { IsDate, IsMongoId, IsOptional } from 'class-validator';
import { asEnum } from '#src/common/graphql/enums';
import { JSONScalar } from '#src/common/graphql/json.scalar';
import { ConnectionType, PageArgs } from '#src/common/graphql/relay';
import { CHANGE_KINDS, type ChangeKind } from '#src/modules/connectors/connector-driver.port';

export const ChangeKindEnum = asEnum<ChangeKind>(CHANGE_KINDS);
registerEnumType(ChangeKindEnum, { name: 'ChangeKind' });

@ObjectType('FieldChange')
export class FieldChangeModel {
  @Field({ description: 'The field, as a path in the evidence data (e.g. "complexity.minLength")' })
  field: string;
  @Field(() => JSONScalar, { nullable: true }) before: unknown;
  @Field(() => JSONScalar, { nullable: true }) after: unknown;
}

@ObjectType('Change', {
  description: 'A change found by comparing an item’s evidence before and after a sync (the change feed)',
})
export class ChangeModel {
  @Field(() => ID) id: string;
  @Field(() => ChangeKindEnum) kind: ChangeKind;
  @Field({ description: 'Risky changes open a RISKY_CHANGE alert until an ADMIN acknowledges it' })
  risky: boolean;
  @Field(() => ID) connectionId: string;
  @Field() connectorKey: string;
  @Field(() => ID, { description: 'The sync that found it' }) runId: string;
  @Field() evidenceType: string;
  @Field({ description: 'The item at the vendor (e.g. a user id)' }) sourceId: string;
  @Field({ description: 'The item as people name it (e.g. a login)' }) label: string;
  @Field() summary: string;
  @Field() detectedAt: Date;
}

export const ChangeConnection = ConnectionType(ChangeModel, 'Change');

@ArgsType()
export class ChangesArgs extends PageArgs {
  @Field(() => ID) @IsMongoId({ message: 'connectionId must be a connection id' }) connectionId: string;
  @Field({ nullable: true, description: 'Only changes detected at or after this instant' })
  @IsOptional()
  @IsDate()
  since?: Date;
}
