import { Inject } from '@nestjs/common';
import { Args, ArgsType, Field, Mutation, Query, Resolver, Subscription } from '@nestjs/graphql';
import { IsIn, IsOptional } from 'class-validator';
import { PUB_SUB, type PubSubEngine, type TenantEvent } from '#src/common/graphql/pubsub';
import { type Connection, PageArgs, paginateById } from '#src/common/graphql/relay';
import { Roles } from '#src/common/tenancy/decorators';
import { type GraphqlRequestContext } from '#src/common/tenancy/request-context';
import { type Alert, ALERTS_CHANNEL, AlertsService } from './alerts.service';
import { type CheckResult } from './checks/check.types';
import { CONTROLS, type ControlDefinition } from './controls.catalog';
import { type CoverageResult } from './coverage.calculator';
import {
  AlertConnection,
  AlertModel,
  AlertStatusFilterEnum,
  CheckExceptionModel,
  CheckResultModel,
  CheckSettingsModel,
  ControlModel,
  CoverageModel,
  CreateCheckExceptionInput,
  UpdateCheckSettingsInput,
} from './coverage.model';
import { type CheckSettings, CoverageService, type StoredException } from './coverage.service';

@ArgsType()
class AlertsArgs extends PageArgs {
  @Field(() => AlertStatusFilterEnum, { nullable: true, description: 'OPEN (default), RESOLVED or ALL' })
  @IsOptional()
  @IsIn(['OPEN', 'RESOLVED', 'ALL'])
  status?: 'OPEN' | 'RESOLVED' | 'ALL';
}

@Resolver(() => CoverageModel)
export class CoverageResolver {
  constructor(
    private readonly coverageService: CoverageService,
    private readonly alertsService: AlertsService,
    @Inject(PUB_SUB) private readonly pubSub: PubSubEngine,
  ) {}

  @Query(() => [ControlModel], { description: 'The SOC 2 controls this connector serves' })
  controls(): readonly ControlDefinition[] {
    return CONTROLS;
  }

  @Query(() => CoverageModel, { description: 'Per-control coverage and the organization’s percentage' })
  coverage(): Promise<CoverageResult> {
    return this.coverageService.coverage();
  }

  @Query(() => [CheckResultModel], { description: 'Automated checks over the current evidence' })
  checks(): Promise<CheckResult[]> {
    return this.coverageService.checks();
  }

  @Query(() => [CheckExceptionModel], { description: 'Exceptions, active and expired (for auditors)' })
  checkExceptions(): Promise<StoredException[]> {
    return this.coverageService.listExceptions();
  }

  @Query(() => CheckSettingsModel)
  checkSettings(): Promise<CheckSettings> {
    return this.coverageService.settings();
  }

  @Query(() => AlertConnection, { description: 'Alerts, newest first' })
  async alerts(@Args() args: AlertsArgs): Promise<Connection<Alert>> {
    return paginateById(args, (limit, beforeId) =>
      this.alertsService.page(args.status ?? 'OPEN', limit, beforeId),
    );
  }

  @Mutation(() => CheckExceptionModel, {
    description: 'Excepts one item from one check until a date within a year (ADMIN)',
  })
  @Roles('ADMIN')
  createCheckException(@Args('input') input: CreateCheckExceptionInput): Promise<StoredException> {
    return this.coverageService.createException(input);
  }

  @Mutation(() => CheckSettingsModel, {
    description: 'Changes the password baseline or the dormancy limit (ADMIN)',
  })
  @Roles('ADMIN')
  updateCheckSettings(@Args('input') input: UpdateCheckSettingsInput): Promise<CheckSettings> {
    return this.coverageService.updateSettings(input);
  }

  @Subscription(() => AlertModel, {
    description: "Alerts opened or resolved in the caller's organization",
    filter: (event: TenantEvent<Alert>, _args: unknown, context: GraphqlRequestContext) =>
      context.principal !== undefined && event.organizationId === context.principal.organizationId,
    resolve: (event: TenantEvent<Alert>) => event.payload,
  })
  staleAlerts(): AsyncIterator<TenantEvent<Alert>> {
    return this.pubSub.asyncIterableIterator<TenantEvent<Alert>>(ALERTS_CHANNEL);
  }
}
