import { Field, ID, InputType, ObjectType, registerEnumType } from '@nestjs/graphql';
import { IsIn, IsMongoId, IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { ConnectionType } from '#src/common/graphql/relay';
import { type ConnectorDefinition } from '#src/modules/connectors/connector-definition';
import {
  CLIENT_AUTH_METHODS,
  type ClientAuthMethod,
  CONNECTION_AUTH_MODES,
  CONNECTION_STATUSES,
  type ConnectionAuthMode,
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
    "How the app sends the client secret to the vendor's token endpoint: the vendor app's client authentication",
  valuesMap: {
    CLIENT_SECRET_BASIC: {
      description: 'In an HTTP Basic Authorization header (the usual default for web apps)',
    },
    CLIENT_SECRET_POST: { description: 'In the form body' },
  },
});

export const ConnectionAuthModeEnum = Object.fromEntries(CONNECTION_AUTH_MODES.map((m) => [m, m])) as {
  [K in ConnectionAuthMode]: K;
};
registerEnumType(ConnectionAuthModeEnum, {
  name: 'ConnectionAuthMode',
  description: 'How a connection authorizes at the vendor',
  valuesMap: {
    OAUTH_PKCE: {
      description:
        "An admin's OAuth grant (authorization code with PKCE): refreshed, and re-authorized when the vendor's grant lifetime ends",
    },
    SERVICE_APP: {
      description:
        'A service app (client credentials with a private-key client assertion, DPoP when required): no refresh token, no re-authorization',
    },
  },
});

/** The public key of a service app, to register at the vendor. Not a secret; the private half is never shown. */
@ObjectType('ServiceAppKey')
export class ServiceAppKeyModel {
  @Field({ description: 'Key id (equal to the thumbprint); client assertions name it' }) kid: string;
  @Field({ description: 'RFC 7638 SHA-256 JWK thumbprint, base64url' }) thumbprint: string;
  @Field({ description: 'Signature algorithm (RS256)' }) alg: string;
  @Field({ description: "The public JWK as JSON: paste it into the vendor app's public keys" })
  publicJwk: string;
  @Field({ description: 'When this key pair was generated' }) createdAt: Date;
}

/** A connection as clients see it. There is no field for any secret or token, by construction. */
@ObjectType('Connection')
export class ConnectionModel {
  @Field(() => ID) id: string;
  @Field() connectorKey: string;
  @Field({
    description: "The customer's account at the vendor, as the connector names it (a domain, a tenant id)",
  })
  externalTenant: string;
  @Field() clientId: string;
  @Field(() => ClientAuthMethodEnum, {
    description:
      'Refresh and revocation use the same method (OAUTH_PKCE; a SERVICE_APP authenticates with its private key)',
  })
  clientAuthMethod: ClientAuthMethod;
  @Field(() => ConnectionAuthModeEnum) authMode: ConnectionAuthMode;
  @Field(() => ServiceAppKeyModel, {
    nullable: true,
    description: 'SERVICE_APP: the public key to register at the vendor app (null otherwise)',
  })
  serviceAppKey: ServiceAppKeyModel | null;
  @Field(() => ServiceAppKeyModel, {
    nullable: true,
    description:
      'SERVICE_APP after rotateServiceAppKey: the new public key to add to the vendor app; activateServiceApp switches to it',
  })
  serviceAppPendingKey: ServiceAppKeyModel | null;
  @Field(() => ConnectionStatusEnum) status: ConnectionStatus;
  @Field(() => String, { nullable: true, description: 'Why the connection is not (yet) working, when known' })
  statusReason: string | null;
  @Field(() => [String]) grantedScopes: string[];
  @Field(() => Date, { nullable: true }) authorizedAt: Date | null;
  @Field(() => Date, {
    nullable: true,
    description:
      "The authorization expires then (the connector's grant lifetime): re-authorize before this. Null for a SERVICE_APP, which does not expire",
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
    serviceAppKey: connection.serviceAppKey === null ? null : { ...connection.serviceAppKey },
    serviceAppPendingKey:
      connection.serviceAppPendingKey === null ? null : { ...connection.serviceAppPendingKey },
    grantedScopes: [...connection.grantedScopes],
    stale: live && now - reference.getTime() > definition.staleThresholdMs,
  };
}

/** The GraphQL name predates the generic connect; `reauthorizeConnection` returns it for every connector. */
@ObjectType('ConnectOktaPayload')
export class ConnectOktaPayload {
  @Field(() => ConnectionModel) connection: ConnectionModel;
  @Field({
    description:
      "Send the admin's browser here to authorize at the vendor (valid for 10 minutes, single use)",
  })
  authorizeUrl: string;
}

@ObjectType('ConnectIntegrationPayload')
export class ConnectIntegrationPayload {
  @Field(() => ConnectionModel) connection: ConnectionModel;
  @Field({
    description:
      "Send the admin's browser here to authorize at the vendor (valid for 10 minutes, single use)",
  })
  authorizeUrl: string;
}

export const CLIENT_ID_PATTERN = /^[A-Za-z0-9._-]+$/;

/** The client credentials every OAuth connector's connect input carries. */
@InputType({ isAbstract: true })
export abstract class ClientCredentialsInput {
  @Field({ description: 'Client ID of the vendor app made for this connection' })
  @IsString()
  @IsNotEmpty({ message: 'clientId is required' })
  @MaxLength(200)
  @Matches(CLIENT_ID_PATTERN, { message: 'clientId must contain only letters, digits, ".", "_" and "-"' })
  clientId: string;

  @Field({ description: 'Client secret of the vendor app; stored encrypted, never returned' })
  @IsString()
  @IsNotEmpty({ message: 'clientSecret is required' })
  @MaxLength(512, { message: 'clientSecret must be at most 512 characters' })
  clientSecret: string;

  @Field(() => ClientAuthMethodEnum, {
    nullable: true,
    description: 'As set on the vendor app (default CLIENT_SECRET_BASIC)',
  })
  @IsOptional()
  @IsIn(CLIENT_AUTH_METHODS, {
    message: 'clientAuthMethod must be CLIENT_SECRET_BASIC or CLIENT_SECRET_POST',
  })
  clientAuthMethod?: ClientAuthMethod | null;
}

@InputType()
export class ConnectIntegrationInput extends ClientCredentialsInput {
  @Field({ description: 'The integration to connect: a catalog key (`integrations`)' })
  @IsString()
  @IsNotEmpty({ message: 'integrationKey is required' })
  @MaxLength(64)
  integrationKey: string;

  @Field({
    description:
      "Your account at the vendor, as the integration's setup steps describe it (a domain, a tenant id)",
  })
  @IsString()
  @IsNotEmpty({ message: 'externalTenant is required' })
  @MaxLength(260)
  externalTenant: string;
}

@InputType()
export class ConnectionIdInput {
  @Field(() => ID)
  @IsString()
  @IsMongoId({ message: 'connectionId must be a connection id' })
  connectionId: string;
}
