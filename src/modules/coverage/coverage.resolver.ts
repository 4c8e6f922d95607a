import {
  Args,
  ArgsType,
  Context,
  Field,
  Mutation,
  Parent,
  Query,
  ResolveField,
  Resolver,
  Subscription,
} from '@nestjs/graphql';
import { IsIn, IsOptional } from 'class-validator';
import { DomainError } from '#src/common/errors/domain.error';
import { type TenantEvent } from '#src/common/graphql/pubsub';
import { TenantEvents } from '#src/common/graphql/tenant-events';
import {
  type Connection,
  decodeCursor,
  encodeCursor,
  PageArgs,
  pageSize,
  paginateById,
  toConnection,
} from '#src/common/graphql/relay';
import { Roles } from '#src/common/tenancy/decorators';
import { type GraphqlRequestContext } from '#src/common/tenancy/request-context';
import { type Alert, ALERTS_CHANNEL, AlertsService } from './alerts.service';
import { type CheckItem } from './checks/check.types';
import { type ControlDefinition } from './controls.catalog';
import { type CoverageResult } from './coverage.calculator';
import {
  AlertConnection,
  AlertModel,
  AlertStatusFilterEnum,
  CheckExceptionModel,
  CheckItemConnection,
  CheckItemModel,
  CheckResultModel,
  CheckSettingsModel,
  ControlModel,
  CoverageModel,
  CreateCheckExceptionInput,
  UpdateCheckSettingsInput,
} from './coverage.model';
import {
  type CheckReport,
  type CheckSettings,
  CoverageService,
  type StoredException,
} from './coverage.service';

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
    private readonly events: TenantEvents,
  ) {}

  @Query(() => [ControlModel], { description: 'The SOC 2 controls this connector serves' })
  controls(): readonly ControlDefinition[] {
    return this.coverageService.controls();
  }

  @Query(() => CoverageModel, { description: 'Per-control coverage and the organization’s percentage' })
  coverage(): Promise<CoverageResult> {
    return this.coverageService.coverage();
  }

  @Query(() => [CheckResultModel], { description: 'Automated checks over the current evidence' })
  checks(): Promise<CheckReport[]> {
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
  staleAlerts(@Context() context: GraphqlRequestContext): AsyncIterator<TenantEvent<Alert>> {
    return this.events.subscribe<Alert>(ALERTS_CHANNEL, context.principal?.organizationId);
  }
}

/** A check's failing items, read only when asked for: a page at a time, or (deprecated) all of them. */
@Resolver(() => CheckResultModel)
export class CheckResultResolver {
  constructor(private readonly coverageService: CoverageService) {}

  @ResolveField(() => [CheckItemModel], {
    deprecationReason:
      'Unbounded: as many items as the organization has users. Use failingItems (paged) and failingCount.',
  })
  failing(@Parent() check: CheckReport): Promise<CheckItem[]> {
    return this.coverageService.failingItems(check, 0, check.failingCount);
  }

  @ResolveField(() => CheckItemConnection, {
    description: 'The failing items, a page at a time (items whose exception expired come first)',
  })
  async failingItems(@Parent() check: CheckReport, @Args() args: PageArgs): Promise<Connection<CheckItem>> {
    const limit = pageSize(args.first);
    const offset = args.after === undefined ? 0 : afterPosition(args.after);
    const items = await this.coverageService.failingItems(check, offset, limit + 1);
    const positions = new Map(items.map((item, i) => [item, offset + i]));
    return toConnection(items, limit, (item) => encodeCursor([positions.get(item) ?? offset]));
  }
}

/** The position after the one a failing-items cursor names. */
function afterPosition(cursor: string): number {
  const position = decodeCursor(cursor, ['number'])[0] as number;
  if (!Number.isSafeInteger(position) || position < 0) {
    throw new DomainError('BAD_USER_INPUT', 'Invalid pagination cursor', { field: 'after' });
  }
  return position + 1;
}
