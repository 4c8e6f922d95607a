import { Module } from '@nestjs/common';
import { type AppConfig } from '#src/config/app-config';
import { APP_CONFIG } from '#src/config/config.module';
import { ConnectorRegistry } from './connector.registry';
import { OktaOAuthAdapter } from './okta/okta-oauth.adapter';
import { OktaTokenClient } from './okta/okta-token.client';

/** The catalog and the Okta driver's OAuth parts. Depends on nothing tenant-specific. */
@Module({
  providers: [
    ConnectorRegistry,
    {
      provide: OktaOAuthAdapter,
      inject: [APP_CONFIG],
      useFactory: (c: AppConfig) => new OktaOAuthAdapter(c.oktaHttpTimeoutMs),
    },
    {
      provide: OktaTokenClient,
      inject: [APP_CONFIG],
      useFactory: (c: AppConfig) => new OktaTokenClient(c.oktaHttpTimeoutMs),
    },
  ],
  exports: [ConnectorRegistry, OktaOAuthAdapter, OktaTokenClient],
})
export class ConnectorsModule {}
