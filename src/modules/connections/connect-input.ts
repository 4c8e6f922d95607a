import { DomainError } from '#src/common/errors/domain.error';
import { HostInputError } from '#src/common/net/outbound-guard';
import { type ConnectorDriver, ConnectorInputError } from '#src/modules/connectors/connector-driver.port';
import { type Connection } from './connection.types';
import { type ConnectionsRepository, DuplicateConnectionError } from './connections.repository';

/** The input field names a connect entry point uses, for errors that name the field (`extensions.field`). */
export type ConnectFieldNames = Readonly<Record<ConnectorInputError['field'], string>>;

export const GENERIC_FIELDS: ConnectFieldNames = {
  externalTenant: 'externalTenant',
  clientId: 'clientId',
  clientSecret: 'clientSecret',
};

/** The external tenant as the driver normalizes it; BAD_USER_INPUT naming the field as `fields` calls it. */
export function parseExternalTenant(
  driver: ConnectorDriver,
  externalTenant: string,
  fields: ConnectFieldNames,
): string {
  try {
    return driver.auth.parseExternalTenant(externalTenant);
  } catch (error) {
    const refused =
      error instanceof ConnectorInputError
        ? { field: fields[error.field], reason: error.reason }
        : error instanceof HostInputError
          ? { field: fields.externalTenant, reason: error.reason }
          : undefined;
    if (refused === undefined) throw error;
    throw new DomainError('BAD_USER_INPUT', `${refused.field}: ${refused.reason}`, { field: refused.field });
  }
}

/** Stores a new connection; one still live to the same account is a CONFLICT naming the tenant field. */
export async function insertNewConnection(
  connections: ConnectionsRepository,
  fields: Parameters<ConnectionsRepository['insert']>[0],
  names: ConnectFieldNames,
): Promise<Connection> {
  try {
    return await connections.insert(fields);
  } catch (error) {
    if (!(error instanceof DuplicateConnectionError)) throw error;
    const field = names.externalTenant;
    throw new DomainError(
      'CONFLICT',
      `${field}: an active connection to ${fields.externalTenant} already exists`,
      {
        field,
      },
    );
  }
}
