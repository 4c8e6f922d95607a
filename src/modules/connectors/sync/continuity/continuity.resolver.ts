import { Args, Field, Float, ID, Int, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { type Continuity } from './continuity.calculator';
import { ContinuityService } from './continuity.service';

@ObjectType('Period')
export class PeriodModel {
  @Field() from: Date;
  @Field() to: Date;
}

@ObjectType('Continuity')
export class ContinuityModel {
  @Field(() => [PeriodModel], {
    description: 'Intervals between successful syncs longer than the cadence (10 minutes of grace)',
  })
  gaps: PeriodModel[];
  @Field(() => [PeriodModel], {
    description: 'When the last successful sync was older than the stale threshold',
  })
  stale: PeriodModel[];
  @Field(() => [PeriodModel]) needsReauth: PeriodModel[];
  @Field(() => [PeriodModel]) revoked: PeriodModel[];
  @Field(() => Float, {
    description: 'Whole hours of the window with at least one successful sync, in percent',
  })
  hoursCoveredPercent: number;
  @Field(() => Int) successfulSyncs: number;
}

@Resolver(() => ContinuityModel)
export class ContinuityResolver {
  constructor(private readonly service: ContinuityService) {}

  @Query(() => ContinuityModel, {
    description:
      'How continuously a connection synced in [from, to): gaps, stale periods, NEEDS_REAUTH and REVOKED periods, hours covered (at most 18 months; NOT_FOUND for a foreign id)',
  })
  continuity(
    @Args('connectionId', { type: () => ID }) connectionId: string,
    @Args('from') from: Date,
    @Args('to') to: Date,
  ): Promise<Continuity> {
    return this.service.of(connectionId, from, to);
  }
}
