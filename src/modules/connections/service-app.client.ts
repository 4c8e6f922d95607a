import { DomainError } from '#src/common/errors/domain.error';
import {
  type ConnectorDriver,
  type ServiceAppAuth,
  type ServiceAppClient,
} from '#src/modules/connectors/connector-driver.port';
import { signingKey } from '#src/modules/connectors/oauth/jwk';
import { type Connection, type ConnectionCredentials } from './connection.types';

/** The driver's service-app side; BAD_USER_INPUT when its connector has none. */
export function serviceAppAuth(driver: ConnectorDriver): ServiceAppAuth {
  const auth = driver.auth.serviceApp;
  if (auth === undefined)
    throw new DomainError(
      'BAD_USER_INPUT',
      `${driver.definition.name} does not support service-app connections`,
    );
  return auth;
}

/** A service-app connection's client, its keys opened from its credentials. */
export function serviceAppClient(
  connection: Pick<Connection, 'id' | 'externalTenant' | 'clientId'>,
  creds: ConnectionCredentials,
): ServiceAppClient {
  if (creds.serviceApp === undefined)
    throw new DomainError('CONNECTOR_UNAVAILABLE', 'The service-app connection has no keys');
  return {
    connectionId: connection.id,
    externalTenant: connection.externalTenant,
    clientId: connection.clientId,
    keys: { client: signingKey(creds.serviceApp.clientKey), dpop: signingKey(creds.serviceApp.dpopKey) },
    dpop: creds.accessTokenType === 'DPoP',
  };
}

/** The admin must change the vendor app (key, method, scopes, grant) for these to go away. */
export const ADMIN_FIXABLE_CODES: readonly string[] = [
  'invalid_client',
  'invalid_scope',
  'unauthorized_client',
];
