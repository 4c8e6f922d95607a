import { Args, Field, ObjectType, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { ConnectionModel, ConnectionStatusEnum } from '#src/modules/connections/connection.model';
import { type Connection } from '#src/modules/connections/connection.types';
import { ConnectionsService } from '#src/modules/connections/connections.service';
import { OrganizationsService } from '#src/modules/organizations/organizations.service';
import { ConnectorRunModel } from '../connector-run.model';
import { type ConnectionStateAt, ContinuityService } from './continuity.service';

@ObjectType('ConnectionState', {
  description:
    'A connection as it was at one instant, derived from its run history and audited status changes',
})
export class ConnectionStateModel {
  @Field({ description: 'The instant described' }) at: Date;
  @Field(() => ConnectionStatusEnum, {
    nullable: true,
    description: 'Its status then; null when the connection did not exist yet',
  })
  status: Connection['status'] | null;
  @Field(() => Date, {
    nullable: true,
    description: 'Its last authorization (connect or re-authorize) by then',
  })
  authorizedAt: Date | null;
  @Field(() => Date, { nullable: true, description: 'The last successful sync that had finished by then' })
  lastSuccessfulSyncAt: Date | null;
  @Field({
    description:
      'Live then, with no successful sync within the connector’s stale threshold (as `Connection.stale`)',
  })
  stale: boolean;
  @Field(() => ConnectorRunModel, {
    nullable: true,
    description: 'The last run that had finished by then, whatever its outcome',
  })
  lastFinishedRun: ConnectorRunModel | null;
}

@Resolver(() => ConnectionModel)
export class ConnectionStateResolver {
  constructor(
    private readonly continuity: ContinuityService,
    private readonly connections: ConnectionsService,
    private readonly organizations: OrganizationsService,
  ) {}

  @ResolveField(() => ConnectionStateModel, {
    description:
      'The connection as it was at `asOf`: status, last successful sync and staleness then (BAD_USER_INPUT in the future or before the organization existed)',
    complexity: 5,
  })
  async stateAt(@Parent() parent: ConnectionModel, @Args('asOf') asOf: Date): Promise<ConnectionStateAt> {
    await this.organizations.assertInHistory(asOf);
    const connection = await this.connections.get(parent.id, { includeRevoked: true });
    return this.continuity.stateAt(connection, asOf);
  }
}
