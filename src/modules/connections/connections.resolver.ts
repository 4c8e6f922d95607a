import { Args, ArgsType, Field, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { IsBoolean, IsOptional } from 'class-validator';
import { type Connection as Page, PageArgs, paginateById } from '#src/common/graphql/relay';
import { Roles } from '#src/common/tenancy/decorators';
import { ConnectorRegistry } from '#src/modules/connectors/connector.registry';
import { type Connection } from './connection.types';
import {
  ConnectionConnection,
  ConnectionIdInput,
  ConnectionModel,
  ConnectIntegrationInput,
  ConnectIntegrationPayload,
  ConnectOktaPayload,
  toConnectionModel,
} from './connection.model';
import { ConnectionsService } from './connections.service';
import { ServiceAppFlowService } from './service-app-flow.service';

@ArgsType()
class ConnectionsArgs extends PageArgs {
  @Field(() => Boolean, { nullable: true, description: 'Include revoked connections (history)' })
  @IsOptional()
  @IsBoolean()
  includeRevoked?: boolean;
}

@Resolver(() => ConnectionModel)
export class ConnectionsResolver {
  constructor(
    private readonly service: ConnectionsService,
    private readonly serviceApps: ServiceAppFlowService,
    private readonly registry: ConnectorRegistry,
  ) {}

  @Query(() => ConnectionConnection, { description: "The organization's connections, newest first" })
  async connections(@Args() args: ConnectionsArgs): Promise<Page<ConnectionModel>> {
    return paginateById(args, async (limit, beforeId) =>
      (
        await this.service.page(
          { includeRevoked: args.includeRevoked === true, ...(beforeId === undefined ? {} : { beforeId }) },
          limit,
        )
      ).map((c) => this.model(c)),
    );
  }

  @Query(() => ConnectionModel, {
    description: 'One connection (revoked ones included); NOT_FOUND for a missing or foreign id',
  })
  async connection(@Args('id', { type: () => ID }) id: string): Promise<ConnectionModel> {
    return this.model(await this.service.get(id, { includeRevoked: true }));
  }

  @Mutation(() => ConnectIntegrationPayload, {
    description:
      "Starts connecting your account at an integration's vendor (ADMIN); NOT_FOUND for an unknown integration",
  })
  @Roles('ADMIN')
  async connectIntegration(
    @Args('input') input: ConnectIntegrationInput,
  ): Promise<ConnectIntegrationPayload> {
    const { integrationKey, ...command } = input;
    const { connection, authorizeUrl } = await this.service.connect(integrationKey, command);
    return { connection: this.model(connection), authorizeUrl };
  }

  @Mutation(() => ConnectOktaPayload, {
    description: "Runs the vendor's authorization again for a connection (ADMIN)",
  })
  @Roles('ADMIN')
  async reauthorizeConnection(@Args('input') input: ConnectionIdInput): Promise<ConnectOktaPayload> {
    const { connection, authorizeUrl } = await this.service.reauthorize(input.connectionId);
    return { connection: this.model(connection), authorizeUrl };
  }

  @Mutation(() => ConnectionModel, {
    description:
      'Activates (or verifies again) a service-app connection (ADMIN): gets a token with the client-credentials grant and its private key, checks the scopes, and makes it ACTIVE. Refused with the reason (the key not registered, the wrong client authentication, missing scopes), leaving it as it was',
  })
  @Roles('ADMIN')
  async activateServiceApp(@Args('input') input: ConnectionIdInput): Promise<ConnectionModel> {
    return this.model(await this.serviceApps.activate(input.connectionId));
  }

  @Mutation(() => ConnectionModel, {
    description:
      'Makes a new key pair for a service-app connection (ADMIN): its public key is Connection.serviceAppPendingKey; add it to the vendor app, then activateServiceApp switches to it. Until then the current key stays in use',
  })
  @Roles('ADMIN')
  async rotateServiceAppKey(@Args('input') input: ConnectionIdInput): Promise<ConnectionModel> {
    return this.model(await this.serviceApps.rotate(input.connectionId));
  }

  @Mutation(() => ConnectionModel, {
    description: 'Disconnects: revokes at the vendor, deletes credentials, keeps history (ADMIN)',
  })
  @Roles('ADMIN')
  async revokeConnection(@Args('input') input: ConnectionIdInput): Promise<ConnectionModel> {
    return this.model(await this.service.revoke(input.connectionId));
  }

  private model(connection: Connection): ConnectionModel {
    return toConnectionModel(connection, this.registry.get(connection.connectorKey));
  }
}
