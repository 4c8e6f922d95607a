import {
  Args,
  Field,
  Float,
  ID,
  Int,
  ObjectType,
  Parent,
  Query,
  ResolveField,
  Resolver,
} from '@nestjs/graphql';
import { AssessmentModel } from '#src/modules/evidence/evidence.model';
import { type Continuity } from './continuity.calculator';
import { type ConnectionContinuity } from './continuity.service';
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

@ObjectType('ConnectionContinuity')
export class ConnectionContinuityModel {
  @Field(() => ID) connectionId: string;
  @Field() connectorKey: string;
  @Field() externalTenant: string;
  @Field(() => ContinuityModel) continuity: ContinuityModel;
}

@Resolver(() => AssessmentModel)
export class AssessmentContinuityResolver {
  constructor(private readonly service: ContinuityService) {}

  @ResolveField(() => [ConnectionContinuityModel], {
    description:
      "Each of the organization's connections (revoked ones included) over the assessment's period, up to now (its last 18 months at most)",
  })
  continuity(@Parent() assessment: AssessmentModel): Promise<ConnectionContinuity[]> {
    return this.service.overPeriod(assessment.periodStart, assessment.periodEnd);
  }
}
