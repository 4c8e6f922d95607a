import {
  Args,
  ArgsType,
  Context,
  Field,
  ID,
  Int,
  Mutation,
  Parent,
  Query,
  ResolveField,
  Resolver,
  Subscription,
} from '@nestjs/graphql';
import { Transform } from 'class-transformer';
import { IsDate, IsIn, IsOptional } from 'class-validator';
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
import { type Alert } from './alerts.repository';
import { ALERTS_CHANNEL, AlertsService } from './alerts.service';
import { CHECK_KEYS, type CheckItem, type CheckKey } from './checks/check.types';
import { type ControlDefinition } from './controls.catalog';
import {
  AlertConnection,
  AlertModel,
  AlertStatusFilterEnum,
  CheckExceptionModel,
  CheckItemConnection,
  CheckItemModel,
  CheckKeyEnum,
  CheckResultModel,
  CheckSettingsModel,
  ControlModel,
  type CoverageAt,
  CoverageModel,
  CreateCheckExceptionInput,
  UpdateCheckSettingsInput,
} from './coverage.model';
import { type StoredException } from './check-exceptions.repository';
import { type CheckReport, type CheckSettings, CoverageService } from './coverage.service';

@ArgsType()
class AlertsArgs extends PageArgs {
  @Field(() => AlertStatusFilterEnum, { nullable: true, description: 'OPEN (default), RESOLVED or ALL' })
  @IsOptional()
  @IsIn(['OPEN', 'RESOLVED', 'ALL'])
  status?: 'OPEN' | 'RESOLVED' | 'ALL';
}

@ArgsType()
class ChecksArgs {
  @Field(() => CheckKeyEnum, {
    nullable: true,
    description: 'Only this check (to page through its failingItems with a cursor)',
  })
  @Transform(({ value }: { value: unknown }) => (value === null ? undefined : value))
  @IsOptional()
  @IsIn(CHECK_KEYS)
  key?: CheckKey;

  @Field(() => Date, {
    nullable: true,
    description:
      'The checks as they were at this instant, rebuilt from history (BAD_USER_INPUT in the future or before the organization existed); absent: now',
  })
  @Transform(({ value }: { value: unknown }) => (value === null ? undefined : value))
  @IsOptional()
  @IsDate()
  asOf?: Date;
}

@ArgsType()
class CoverageArgs {
  @Field(() => Date, {
    nullable: true,
    description:
      'Coverage as it was at this instant, rebuilt from history (BAD_USER_INPUT in the future or before the organization existed); absent: now',
  })
  @Transform(({ value }: { value: unknown }) => (value === null ? undefined : value))
  @IsOptional()
  @IsDate()
  asOf?: Date;
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
  async coverage(@Args() args: CoverageArgs): Promise<CoverageAt> {
    return args.asOf === undefined
      ? await this.coverageService.coverage()
      : { ...(await this.coverageService.coverageAt(args.asOf)), at: args.asOf };
  }

  @ResolveField(() => Int, {
    description:
      'Risky changes (RISKY_CHANGE alerts) no ADMIN has acknowledged yet; with asOf, those open at that instant',
  })
  riskyChanges(@Parent() coverage: CoverageAt): Promise<number> {
    return this.alertsService.countUnacknowledged(coverage.at);
  }

  @Query(() => [CheckResultModel], {
    description: 'Automated checks over the current evidence (or, with asOf, over the evidence valid then)',
  })
  async checks(@Args() args: ChecksArgs): Promise<CheckReport[]> {
    const all =
      args.asOf === undefined
        ? await this.coverageService.checks()
        : await this.coverageService.checksAt(args.asOf);
    return args.key === undefined ? all : all.filter((check) => check.key === args.key);
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

  @Mutation(() => AlertModel, {
    description:
      'Acknowledges a RISKY_CHANGE alert (ADMIN): it resolves, names who acknowledged it, and is audited (ALERT_ACKNOWLEDGE)',
  })
  @Roles('ADMIN')
  acknowledgeAlert(@Args('id', { type: () => ID }) id: string): Promise<Alert> {
    return this.alertsService.acknowledge(id);
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
    const offset = args.after === undefined ? 0 : afterPosition(args.after, check);
    const items = await this.coverageService.failingItems(check, offset, limit + 1);
    const positions = new Map(items.map((item, i) => [item, offset + i]));
    return toConnection(items, limit, (item) =>
      encodeCursor([...listOf(check), positions.get(item) ?? offset]),
    );
  }
}

/**
 * What a failing-items cursor is a position in: the check, the stored generation and how many items were
 * reopened in front of it. A refresh or an exception expiring between two pages changes the list.
 */
function listOf(check: CheckReport): [string, string, number] {
  return [check.key, check.generation ?? '', check.reopened.length];
}

/** The position after the one a failing-items cursor names, in the check's list as it is now. */
function afterPosition(cursor: string, check: CheckReport): number {
  const [key, generation, reopened, position] = decodeCursor(cursor, [
    'string',
    'string',
    'number',
    'number',
  ]);
  if (typeof position !== 'number' || !Number.isSafeInteger(position) || position < 0 || key !== check.key) {
    throw new DomainError('BAD_USER_INPUT', 'Invalid pagination cursor', { field: 'after' });
  }
  const [, currentGeneration, currentReopened] = listOf(check);
  if (generation !== currentGeneration || reopened !== currentReopened) {
    throw new DomainError(
      'BAD_USER_INPUT',
      'The failing items were recomputed since this cursor was issued: start again from the first page',
      { field: 'after' },
    );
  }
  return position + 1;
}
