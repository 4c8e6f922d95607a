/**
 * The field that held a connection's external tenant before connectors were generic: Okta was the only
 * connector, and its domain was stored under Okta's name. Read once per document by the start-up migration
 * (`ConnectionsRepository.onModuleInit`); nothing else reads or writes it.
 */
export const LEGACY_TENANT_FIELD = 'oktaDomain';
