import { DomainError } from '#src/common/errors/domain.error';
import { HostInputError } from '#src/common/net/outbound-guard';
import { type ConnectorDriver, ConnectorInputError } from '#src/modules/connectors/connector-driver.port';

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
