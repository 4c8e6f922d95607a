import { Module } from '@nestjs/common';
import { ConnectorRegistry } from './connector.registry';
import { OktaOAuthAdapter } from './okta/okta-oauth.adapter';
import { OktaTokenClient } from './okta/okta-token.client';

/** The catalog and the Okta driver's OAuth parts. Depends on nothing tenant-specific. */
@Module({
  providers: [
    ConnectorRegistry,
    { provide: OktaOAuthAdapter, useFactory: () => new OktaOAuthAdapter() },
    { provide: OktaTokenClient, useFactory: () => new OktaTokenClient() },
  ],
  exports: [ConnectorRegistry, OktaOAuthAdapter, OktaTokenClient],
})
export class ConnectorsModule {}
