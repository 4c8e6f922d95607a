import { Inject, Injectable } from '@nestjs/common';
import { type AppConfig } from '#src/config/app-config';
import { APP_CONFIG } from '#src/config/config.module';
import { originOf } from '#src/common/net/outbound-guard';
import {
  type AccessTokenSource,
  type Collector,
  type ConnectorDriver,
  type DriverConnection,
} from '#src/modules/connectors/connector-driver.port';
import { ConnectorRegistry } from '#src/modules/connectors/connector.registry';
import { type ConnectorDefinition } from '#src/modules/connectors/connector-definition';
import { DeprovisioningCollector } from './collectors/deprovisioning.collector';
import { PasswordPolicyCollector } from './collectors/password-policy.collector';
import { UserMfaCollector } from './collectors/user-mfa.collector';
import { DEFAULT_CLIENT_OPTIONS, OktaConnectionSession } from './okta-api.client';
import { OKTA_CONNECTOR_KEY } from './okta.definition';

/** The Okta driver: its three collectors share one API session (rate limits, concurrency cap, token). */
@Injectable()
export class OktaDriver implements ConnectorDriver {
  readonly definition: ConnectorDefinition;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    registry: ConnectorRegistry,
  ) {
    this.definition = registry.get(OKTA_CONNECTOR_KEY);
  }

  collectors(connection: DriverConnection, tokens: AccessTokenSource): Collector[] {
    const session = new OktaConnectionSession(
      originOf(connection.oktaDomain, this.config.oktaAllowedInsecureHosts),
      tokens,
      {
        ...DEFAULT_CLIENT_OPTIONS,
        timeoutMs: this.config.oktaHttpTimeoutMs,
        concurrency: this.config.sync.oktaConcurrency,
        backoffBaseMs: this.config.sync.retryBaseMs,
      },
    );
    const client = session.client.bind(session);
    return [
      new UserMfaCollector(client, this.config.sync.factorSweepIntervalMs),
      new PasswordPolicyCollector(client),
      new DeprovisioningCollector(client),
    ];
  }
}
