import { Args, Field, InputType, Mutation, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { Roles } from '#src/common/tenancy/decorators';
import {
  ClientCredentialsInput,
  ConnectionModel,
  ConnectOktaPayload,
  toConnectionModel,
} from '#src/modules/connections/connection.model';
import { ConnectionsService } from '#src/modules/connections/connections.service';
import { ConnectorRegistry } from '#src/modules/connectors/connector.registry';
import { OKTA_CONNECTOR_KEY } from './okta.definition';

@InputType()
export class ConnectOktaInput extends ClientCredentialsInput {
  @Field({ description: 'Your Okta domain, e.g. acme.okta.com' })
  @IsString()
  @IsNotEmpty({ message: 'oktaDomain is required, e.g. acme.okta.com' })
  @MaxLength(260)
  oktaDomain: string;
}

/**
 * Okta's own GraphQL entry points, kept for clients written before the generic ones: `connectOkta` is
 * `connectIntegration` with the Okta key (errors name `oktaDomain`), and `Connection.oktaDomain` is
 * `externalTenant`.
 */
@Resolver(() => ConnectionModel)
export class OktaConnectResolver {
  constructor(
    private readonly connections: ConnectionsService,
    private readonly registry: ConnectorRegistry,
  ) {}

  @Mutation(() => ConnectOktaPayload, {
    description: 'Starts connecting an Okta org (ADMIN); connectIntegration with integrationKey "okta"',
  })
  @Roles('ADMIN')
  async connectOkta(@Args('input') input: ConnectOktaInput): Promise<ConnectOktaPayload> {
    const { oktaDomain, ...credentials } = input;
    const { connection, authorizeUrl } = await this.connections.connect(
      OKTA_CONNECTOR_KEY,
      { ...credentials, externalTenant: oktaDomain },
      { externalTenant: 'oktaDomain', clientId: 'clientId', clientSecret: 'clientSecret' },
    );
    return {
      connection: toConnectionModel(connection, this.registry.get(connection.connectorKey)),
      authorizeUrl,
    };
  }

  @ResolveField(() => String, {
    deprecationReason: 'Okta-specific: use externalTenant, which holds the same domain for Okta.',
  })
  oktaDomain(@Parent() connection: ConnectionModel): string {
    return connection.externalTenant;
  }
}
