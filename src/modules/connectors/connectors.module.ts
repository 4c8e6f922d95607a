import { type DynamicModule, Module } from '@nestjs/common';
import {
  CONNECTOR_DRIVERS,
  type ConnectorDriver,
  type ConnectorModule,
  driverToken,
} from './connector-driver.port';
import { ConnectorRegistry } from './connector.registry';

/**
 * The connector platform: every installed connector's module, and the registry over their drivers (a
 * multi-provider: each module provides its driver under `driverToken(key)`, gathered into
 * `CONNECTOR_DRIVERS`). Global: imported once, by the application module, with the installed connectors.
 */
@Module({})
export class ConnectorsModule {
  static forRoot(connectors: readonly ConnectorModule[]): DynamicModule {
    return {
      module: ConnectorsModule,
      global: true,
      imports: [...connectors],
      providers: [
        {
          provide: CONNECTOR_DRIVERS,
          inject: connectors.map((c) => driverToken(c.connectorKey)),
          useFactory: (...drivers: ConnectorDriver[]) =>
            drivers.map((driver, i) => {
              const registered = connectors[i]?.connectorKey;
              if (driver.definition.key !== registered)
                throw new Error(`${registered} registered a driver whose key is ${driver.definition.key}`);
              return driver;
            }),
        },
        ConnectorRegistry,
      ],
      exports: [ConnectorRegistry],
    };
  }
}
