import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { ConnectionsModule } from '#src/modules/connections/connections.module';
import { EvidenceModule } from '#src/modules/evidence/evidence.module';
import { ChangeDocument, ChangeSchema } from './change.schema';
import { ChangesRepository } from './changes.repository';
import { ChangesResolver } from './changes.resolver';
import { ChangesService } from './changes.service';

/** The change feed: changes found at each sync, per organization (ADR 14). */
@Module({
  imports: [
    MongooseModule.forFeature([{ name: ChangeDocument.name, schema: ChangeSchema }]),
    ConnectionsModule,
    EvidenceModule,
  ],
  providers: [ChangesRepository, ChangesService, ChangesResolver],
  exports: [ChangesService],
})
export class ChangesModule {}
