import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { CryptoModule } from '#src/common/crypto/crypto.module';
import { LeaseModule } from '#src/common/scheduling/lease.module';
import { AuditModule } from '#src/modules/audit/audit.module';
import { AccessTokenProvider } from './access-token.provider';
import { ConnectionAuthLock } from './connection-auth-lock';
import {
  ConnectionCredentialsDocument,
  ConnectionCredentialsSchema,
  ConnectionDocument,
  ConnectionSchema,
  OAuthAttemptDocument,
  OAuthAttemptSchema,
} from './connection.schema';
import { ConnectionsRepository } from './connections.repository';
import { ConnectionsResolver } from './connections.resolver';
import { ConnectionsService } from './connections.service';
import { CredentialsRepository } from './credentials.repository';
import { ConnectionCredentialsStore } from './credentials.store';
import { OAuthAttemptsRepository } from './oauth-attempts.repository';
import { OAuthCallbackController } from './oauth-callback.controller';
import { OAuthFlowService } from './oauth-flow.service';
import { ServiceAppFlowService } from './service-app-flow.service';
import { DpopNonces } from '#src/modules/connectors/oauth/dpop';

@Module({
  imports: [
    MongooseModule.forFeature([
      { name: ConnectionDocument.name, schema: ConnectionSchema },
      { name: ConnectionCredentialsDocument.name, schema: ConnectionCredentialsSchema },
      { name: OAuthAttemptDocument.name, schema: OAuthAttemptSchema },
    ]),
    AuditModule,
    CryptoModule,
    LeaseModule,
  ],
  providers: [
    ConnectionsRepository,
    CredentialsRepository,
    OAuthAttemptsRepository,
    ConnectionCredentialsStore,
    OAuthFlowService,
    ConnectionsService,
    AccessTokenProvider,
    ConnectionsResolver,
    ConnectionAuthLock,
    ServiceAppFlowService,
    // The latest DPoP nonces per connection and server, shared by activation, token fetches and API calls.
    { provide: DpopNonces, useFactory: () => new DpopNonces() },
  ],
  controllers: [OAuthCallbackController],
  exports: [ConnectionsService, AccessTokenProvider, ServiceAppFlowService],
})
export class ConnectionsModule {}
