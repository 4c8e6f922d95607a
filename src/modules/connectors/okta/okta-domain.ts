import { HostInputError, parsePublicHost, type VendorOrigin } from '#src/common/net/outbound-guard';
import { ConnectorInputError } from '#src/modules/connectors/connector-driver.port';

/**
 * An Okta org's domain as typed by an admin: `acme.okta.com`, `acme.oktapreview.com` or a custom domain,
 * optionally as `https://host`; an allow-listed insecure host (`OKTA_ALLOWED_INSECURE_HOSTS`) may use http
 * and a port. Refusals are ConnectorInputErrors on the external tenant.
 */
export function parseOktaDomain(input: string, allowedInsecureHosts: readonly string[]): VendorOrigin {
  try {
    return parsePublicHost(input, allowedInsecureHosts, 'acme.okta.com');
  } catch (error) {
    if (error instanceof HostInputError) throw new ConnectorInputError('externalTenant', error.reason);
    throw error;
  }
}
