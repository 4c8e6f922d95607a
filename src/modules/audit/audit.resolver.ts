import { Args, Context, ID, Query, Resolver, Subscription } from '@nestjs/graphql';
import { ArgsType, Field } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import { IsOptional, ValidateNested } from 'class-validator';
import { DomainError } from '#src/common/errors/domain.error';
import { type TenantEvent } from '#src/common/graphql/pubsub';
import { TenantEvents } from '#src/common/graphql/tenant-events';
import {
  type Connection,
  decodeCursor,
  encodeCursor,
  PageArgs,
  pageSize,
  toConnection,
} from '#src/common/graphql/relay';
import { type GraphqlRequestContext } from '#src/common/tenancy/request-context';
import { type AuditEntry } from './audit-chain';
import { AuditLogEntryConnection, AuditLogEntryModel, AuditLogFilter } from './audit.model';
import { AUDIT_APPENDED, AuditService } from './audit.service';

@ArgsType()
class AuditLogArgs extends PageArgs {
  @Field(() => AuditLogFilter, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => AuditLogFilter)
  filter?: AuditLogFilter;
}

@Resolver(() => AuditLogEntryModel)
export class AuditResolver {
  constructor(
    private readonly audit: AuditService,
    private readonly events: TenantEvents,
  ) {}

  @Query(() => AuditLogEntryConnection, { description: "The organization's audit log, newest first" })
  async auditLog(@Args() args: AuditLogArgs): Promise<Connection<AuditEntry>> {
    const limit = pageSize(args.first);
    const beforeSeq =
      args.after === undefined ? undefined : (decodeCursor(args.after, ['number'])[0] as number);
    const rows = await this.audit.page(
      { ...(args.filter ?? {}), ...(beforeSeq === undefined ? {} : { beforeSeq }) },
      limit + 1,
    );
    return toConnection(rows, limit, (entry) => encodeCursor([entry.seq]));
  }

  @Query(() => AuditLogEntryModel, { description: 'One audit entry; NOT_FOUND for a missing or foreign id' })
  async auditLogEntry(@Args('id', { type: () => ID }) id: string): Promise<AuditEntry> {
    const entry = await this.audit.findById(id);
    if (entry === undefined) throw DomainError.notFound('Audit entry');
    return entry;
  }

  @Subscription(() => AuditLogEntryModel, {
    description: "Audit entries as they are appended in the caller's organization",
    filter: (event: TenantEvent<AuditEntry>, _args: unknown, context: GraphqlRequestContext) =>
      context.principal !== undefined && event.organizationId === context.principal.organizationId,
    resolve: (event: TenantEvent<AuditEntry>) => event.payload,
  })
  auditLogAppended(@Context() context: GraphqlRequestContext): AsyncIterator<TenantEvent<AuditEntry>> {
    return this.events.subscribe<AuditEntry>(AUDIT_APPENDED, context.principal?.organizationId);
  }
}
