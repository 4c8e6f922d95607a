import { Module } from '@nestjs/common';
import { ConnectionsModule } from '#src/modules/connections/connections.module';
import { driverToken } from '#src/modules/connectors/connector-driver.port';
import { OktaChangesResolver } from './okta-changes.resolver';
import { OktaConnectResolver } from './okta-connect.resolver';
import { OktaServiceAppResolver } from './okta-service-app.resolver';
import { OKTA_CONNECTOR_KEY } from './okta.definition';
import { OktaDriver } from './okta.driver';

/**
 * Registers the Okta driver under its connector key (see `ConnectorsModule.forRoot`), and Okta's own
 * GraphQL entry points (`connectOkta`, `connectOktaServiceApp`, `Connection.oktaDomain`, `oktaChanges`).
 */
@Module({
  imports: [ConnectionsModule],
  providers: [
    OktaDriver,
    { provide: driverToken(OKTA_CONNECTOR_KEY), useExisting: OktaDriver },
    OktaConnectResolver,
    OktaChangesResolver,
    OktaServiceAppResolver,
  ],
  exports: [driverToken(OKTA_CONNECTOR_KEY)],
})
export class OktaModule {
  static readonly connectorKey = OKTA_CONNECTOR_KEY;
  static readonly resolvers = [OktaConnectResolver, OktaServiceAppResolver, OktaChangesResolver];
}
