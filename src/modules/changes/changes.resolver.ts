import { Args, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { type Connection, paginateById } from '#src/common/graphql/relay';
import { ConnectionsService } from '#src/modules/connections/connections.service';
import { EvidenceModel } from '#src/modules/evidence/evidence.model';
import { EvidenceService } from '#src/modules/evidence/evidence.service';
import { type Evidence } from '#src/modules/evidence/evidence.types';
import { ChangeConnection, ChangeModel, ChangesArgs, FieldChangeModel } from './change.model';
import { type Change, ChangesService } from './changes.service';

@Resolver(() => ChangeModel)
export class ChangesResolver {
  constructor(
    private readonly feed: ChangesService,
    private readonly connections: ConnectionsService,
    private readonly evidence: EvidenceService,
  ) {}

  @Query(() => ChangeConnection, {
    description: "A connection's change feed, newest first (NOT_FOUND for a missing or foreign connection)",
  })
  async changes(@Args() args: ChangesArgs): Promise<Connection<Change>> {
    await this.connections.get(args.connectionId, { includeRevoked: true });
    return paginateById(args, (limit, beforeId) =>
      this.feed.page({ connectionId: args.connectionId, since: args.since }, limit, beforeId),
    );
  }

  @ResolveField(() => EvidenceModel, {
    nullable: true,
    description: 'The evidence row before the change (null for an item seen for the first time)',
  })
  before(@Parent() change: Change): Promise<Evidence | undefined> {
    return this.row(change.beforeEvidenceId);
  }

  @ResolveField(() => EvidenceModel, {
    nullable: true,
    description: 'The evidence row after the change (null for an item that left the collection)',
  })
  after(@Parent() change: Change): Promise<Evidence | undefined> {
    return this.row(change.afterEvidenceId);
  }

  @ResolveField(() => [FieldChangeModel], { description: 'The fields that changed, with their values' })
  fields(@Parent() change: Change): FieldChangeModel[] {
    return change.fields.map((f) => ({
      field: f.field,
      before: JSON.parse(f.before) as unknown,
      after: JSON.parse(f.after) as unknown,
    }));
  }

  private async row(id: string | null): Promise<Evidence | undefined> {
    return id === null ? undefined : this.evidence.byId(id);
  }
}
