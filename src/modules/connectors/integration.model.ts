import { Field, ObjectType } from '@nestjs/graphql';

@ObjectType('TitledText')
export class TitledTextModel {
  @Field() title: string;
  @Field() body: string;
}

@ObjectType('OptionalScope', { description: 'A scope the customer may grant for more evidence' })
export class OptionalScopeModel {
  @Field() scope: string;
  @Field({ description: 'What granting it adds' }) why: string;
}

/** A connector in the catalog ("All integrations"), with the caller's connections to it. */
@ObjectType('Integration')
export class IntegrationModel {
  @Field() key: string;
  @Field() name: string;
  @Field() category: string;
  @Field() authMethod: string;
  @Field({ description: 'ISO-8601 duration, e.g. PT1H' }) syncCadence: string;
  @Field({ description: 'ISO-8601 duration after which a connection without a successful sync is stale' })
  staleThreshold: string;
  @Field(() => [String]) controls: string[];
  @Field(() => [String]) evidenceTypes: string[];
  @Field(() => [String]) requiredScopes: string[];
  @Field(() => [OptionalScopeModel], {
    description: 'Scopes requested beside the required ones; the connection works without them',
  })
  optionalScopes: OptionalScopeModel[];
  @Field(() => [TitledTextModel]) setupSteps: TitledTextModel[];
  @Field({ description: "The sign-in redirect URI to register in the vendor's app" })
  redirectUri: string;
  @Field(() => [TitledTextModel]) securityModel: TitledTextModel[];
}
