import { type ConnectorModule } from './connector-driver.port';
import { OktaModule } from './okta/okta.module';

/** The connectors this deployment offers: one line per connector (docs/CONNECTORS.md). */
export const INSTALLED_CONNECTORS: readonly ConnectorModule[] = [OktaModule];
