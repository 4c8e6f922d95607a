import { Args, Field, InputType, Mutation, ObjectType, Resolver } from '@nestjs/graphql';
import { IsNotEmpty, IsString, Matches, MaxLength } from 'class-validator';
import { Roles } from '#src/common/tenancy/decorators';
import {
  CLIENT_ID_PATTERN,
  ConnectionModel,
  ServiceAppKeyModel,
  toConnectionModel,
} from '#src/modules/connections/connection.model';
import { ServiceAppFlowService } from '#src/modules/connections/service-app-flow.service';
import { ConnectorRegistry } from '#src/modules/connectors/connector.registry';
import { OKTA_CONNECTOR_KEY } from './okta.definition';

@InputType()
export class ConnectOktaServiceAppInput {
  @Field({ description: 'Your Okta domain, e.g. acme.okta.com' })
  @IsString()
  @IsNotEmpty({ message: 'oktaDomain is required, e.g. acme.okta.com' })
  @MaxLength(260)
  oktaDomain: string;

  @Field({ description: 'Client ID of the API Services app made for this connection' })
  @IsString()
  @IsNotEmpty({ message: 'clientId is required' })
  @MaxLength(200)
  @Matches(CLIENT_ID_PATTERN, { message: 'clientId must contain only letters, digits, ".", "_" and "-"' })
  clientId: string;
}

@ObjectType('ConnectServiceAppPayload')
export class ConnectServiceAppPayload {
  @Field(() => ConnectionModel, { description: 'PENDING_AUTHORIZATION until activateServiceApp succeeds' })
  connection: ConnectionModel;
  @Field(() => ServiceAppKeyModel, {
    description: "The public key to paste into the app's public keys (the private half never leaves us)",
  })
  publicKey: ServiceAppKeyModel;
}

/** Connecting Okta as an API Services app (client credentials, `private_key_jwt`, DPoP when required). */
@Resolver(() => ConnectionModel)
export class OktaServiceAppResolver {
  constructor(
    private readonly flow: ServiceAppFlowService,
    private readonly registry: ConnectorRegistry,
  ) {}

  @Mutation(() => ConnectServiceAppPayload, {
    description:
      'Starts connecting an Okta org as an API Services app (ADMIN): generates the key pair and returns the public key to register; then activateServiceApp',
  })
  @Roles('ADMIN')
  async connectOktaServiceApp(
    @Args('input') input: ConnectOktaServiceAppInput,
  ): Promise<ConnectServiceAppPayload> {
    const connection = await this.flow.start(
      OKTA_CONNECTOR_KEY,
      { externalTenant: input.oktaDomain, clientId: input.clientId },
      { externalTenant: 'oktaDomain', clientId: 'clientId', clientSecret: 'clientSecret' },
    );
    const model = toConnectionModel(connection, this.registry.get(connection.connectorKey));
    if (model.serviceAppKey === null) throw new Error('a service-app connection without its key');
    return { connection: model, publicKey: model.serviceAppKey };
  }
}
