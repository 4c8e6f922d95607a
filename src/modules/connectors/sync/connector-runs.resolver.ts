import { Args, ArgsType, Field, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { IsMongoId } from 'class-validator';
import { DomainError } from '#src/common/errors/domain.error';
import { type Connection, PageArgs, paginateById } from '#src/common/graphql/relay';
import { Roles } from '#src/common/tenancy/decorators';
import { ConnectionsService } from '#src/modules/connections/connections.service';
import { ConnectorRunConnection, ConnectorRunModel, SyncConnectionInput } from './connector-run.model';
import { type ConnectorRun } from './connector-runs.repository';
import { SyncService } from './sync.service';

@ArgsType()
class ConnectorRunsArgs extends PageArgs {
  @Field(() => ID) @IsMongoId({ message: 'connectionId must be a connection id' }) connectionId: string;
}

@Resolver(() => ConnectorRunModel)
export class ConnectorRunsResolver {
  constructor(
    private readonly sync: SyncService,
    private readonly connectionsService: ConnectionsService,
  ) {}

  @Query(() => ConnectorRunConnection, {
    description: "A connection's sync runs, newest first (live counts while RUNNING)",
  })
  async connectorRuns(@Args() args: ConnectorRunsArgs): Promise<Connection<ConnectorRun>> {
    await this.connectionsService.get(args.connectionId, { includeRevoked: true });
    return paginateById(args, (limit, beforeId) => this.sync.page(args.connectionId, limit, beforeId));
  }

  @Mutation(() => ConnectorRunModel, {
    description: 'Syncs a connection now, or returns the run in progress (ADMIN)',
  })
  @Roles('ADMIN')
  async syncConnection(@Args('input') input: SyncConnectionInput): Promise<ConnectorRun> {
    const { run } = await this.sync.start(input.connectionId, 'manual');
    if (run === undefined)
      throw new DomainError('CONFLICT', 'A sync of this connection is finishing; try again in a moment');
    return run;
  }
}
