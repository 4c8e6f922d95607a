import { Module } from '@nestjs/common';
import { ConnectionsModule } from '#src/modules/connections/connections.module';
import { IntegrationsResolver } from './integrations.resolver';

/** The catalog queries, which also show the caller's connections. */
@Module({
  imports: [ConnectionsModule],
  providers: [IntegrationsResolver],
})
export class IntegrationsModule {}
