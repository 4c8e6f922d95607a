import { Args, ArgsType, Field, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { IsString, MaxLength } from 'class-validator';
import { ConnectionModel, toConnectionModel } from '#src/modules/connections/connection.model';
import { ConnectionsService } from '#src/modules/connections/connections.service';
import { type ConnectorDefinition } from './connector-definition';
import { ConnectorRegistry } from './connector.registry';
import { IntegrationModel } from './integration.model';

const CONNECTIONS_PER_INTEGRATION = 100;

@ArgsType()
class IntegrationArgs {
  @Field()
  @IsString()
  @MaxLength(100)
  key: string;
}

@Resolver(() => IntegrationModel)
export class IntegrationsResolver {
  constructor(
    private readonly registry: ConnectorRegistry,
    private readonly connectionsService: ConnectionsService,
  ) {}

  @Query(() => [IntegrationModel], { description: 'The integration catalog' })
  integrations(): ConnectorDefinition[] {
    return this.registry.all();
  }

  @Query(() => IntegrationModel, {
    nullable: true,
    description: 'One integration by its catalog key; null when unknown',
  })
  integration(@Args() args: IntegrationArgs): ConnectorDefinition | null {
    return this.registry.find(args.key) ?? null;
  }

  @ResolveField(() => [ConnectionModel], { description: "The caller's live connections to this integration" })
  async connections(@Parent() definition: ConnectorDefinition): Promise<ConnectionModel[]> {
    const rows = await this.connectionsService.page(
      { includeRevoked: false, connectorKey: definition.key },
      CONNECTIONS_PER_INTEGRATION,
    );
    return rows.map((c) => toConnectionModel(c, definition));
  }
}
