import { Field, ID, InputType, ObjectType, registerEnumType } from '@nestjs/graphql';
import { IsIn, IsMongoId, IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { ConnectionType } from '#src/common/graphql/relay';
import { type ConnectorDefinition } from '#src/modules/connectors/connector-definition';
import {
  CLIENT_AUTH_METHODS,
  type ClientAuthMethod,
  CONNECTION_STATUSES,
  type ConnectionStatus,
} from './connection.schema';
import { type Connection } from './connection.types';

export const ConnectionStatusEnum = Object.fromEntries(CONNECTION_STATUSES.map((s) => [s, s])) as {
  [K in ConnectionStatus]: K;
};
registerEnumType(ConnectionStatusEnum, { name: 'ConnectionStatus' });
export const ClientAuthMethodEnum = Object.fromEntries(CLIENT_AUTH_METHODS.map((m) => [m, m])) as {
  [K in ClientAuthMethod]: K;
};
registerEnumType(ClientAuthMethodEnum, {
  name: 'ClientAuthMethod',
  description:
    "How the app sends the client secret to Okta's token endpoint: the Okta app's Client authentication",
  valuesMap: {
    CLIENT_SECRET_BASIC: {
      description: 'In an HTTP Basic Authorization header (Okta’s default for web apps)',
    },
    CLIENT_SECRET_POST: { description: 'In the form body' },
  },
});

/** A connection as clients see it. There is no field for any secret or token, by construction. */
@ObjectType('Connection')
export class ConnectionModel {
  @Field(() => ID) id: string;
  @Field() connectorKey: string;
  @Field({
    description:
      "The customer's account at the vendor, as the connector names it (Okta: the org's domain, e.g. acme.okta.com)",
  })
  externalTenant: string;
  @Field({ deprecationReason: 'Okta-specific: use externalTenant, which holds the same domain for Okta.' })
  oktaDomain: string;
  @Field() clientId: string;
  @Field(() => ClientAuthMethodEnum, { description: 'Refresh and revocation use the same method' })
  clientAuthMethod: ClientAuthMethod;
  @Field(() => ConnectionStatusEnum) status: ConnectionStatus;
  @Field(() => String, { nullable: true, description: 'Why the connection is not (yet) working, when known' })
  statusReason: string | null;
  @Field(() => [String]) grantedScopes: string[];
  @Field(() => Date, { nullable: true }) authorizedAt: Date | null;
  @Field(() => Date, {
    nullable: true,
    description: 'Okta refresh tokens last 90 days: re-authorize before this',
  })
  reauthDueAt: Date | null;
  @Field(() => Date, { nullable: true }) lastSyncAt: Date | null;
  @Field(() => Date, { nullable: true }) lastSuccessfulSyncAt: Date | null;
  @Field(() => Date, { nullable: true }) nextSyncAt: Date | null;
  @Field({ description: 'No successful sync within the connector’s stale threshold' }) stale: boolean;
  @Field() createdAt: Date;
  @Field(() => Date, { nullable: true }) deletedAt: Date | null;
}

export const ConnectionConnection = ConnectionType(ConnectionModel, 'Connection');

export function toConnectionModel(
  connection: Connection,
  definition: ConnectorDefinition,
  now = Date.now(),
): ConnectionModel {
  const reference = connection.lastSuccessfulSyncAt ?? connection.authorizedAt ?? connection.createdAt;
  const live = connection.status === 'ACTIVE' || connection.status === 'NEEDS_REAUTH';
  return {
    ...connection,
    externalTenant: connection.oktaDomain,
    grantedScopes: [...connection.grantedScopes],
    stale: live && now - reference.getTime() > definition.staleThresholdMs,
  };
}

@ObjectType('ConnectOktaPayload')
export class ConnectOktaPayload {
  @Field(() => ConnectionModel) connection: ConnectionModel;
  @Field({
    description: "Send the admin's browser here to authorize at Okta (valid for 10 minutes, single use)",
  })
  authorizeUrl: string;
}

@InputType()
export class ConnectOktaInput {
  @Field({ description: 'Your Okta domain, e.g. acme.okta.com' })
  @IsString()
  @IsNotEmpty({ message: 'oktaDomain is required, e.g. acme.okta.com' })
  @MaxLength(260)
  oktaDomain: string;

  @Field({ description: 'Client ID of the Okta OIDC web app' })
  @IsString()
  @IsNotEmpty({ message: 'clientId is required' })
  @MaxLength(200)
  @Matches(/^[A-Za-z0-9._-]+$/, { message: 'clientId must contain only letters, digits, ".", "_" and "-"' })
  clientId: string;

  @Field({ description: 'Client secret of the Okta app; stored encrypted, never returned' })
  @IsString()
  @IsNotEmpty({ message: 'clientSecret is required' })
  @MaxLength(512, { message: 'clientSecret must be at most 512 characters' })
  clientSecret: string;

  @Field(() => ClientAuthMethodEnum, {
    nullable: true,
    description: 'As set on the Okta app (default CLIENT_SECRET_BASIC, Okta’s default)',
  })
  @IsOptional()
  @IsIn(CLIENT_AUTH_METHODS, {
    message: 'clientAuthMethod must be CLIENT_SECRET_BASIC or CLIENT_SECRET_POST',
  })
  clientAuthMethod?: ClientAuthMethod | null;
}

@InputType()
export class ConnectionIdInput {
  @Field(() => ID)
  @IsString()
  @IsMongoId({ message: 'connectionId must be a connection id' })
  connectionId: string;
}
