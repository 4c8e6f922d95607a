import { Module } from '@nestjs/common';
import { OrganizationsModule } from '#src/modules/organizations/organizations.module';
import { EnvelopeService } from './envelope.service';

/** Envelope encryption for modules that keep secrets (connections). */
@Module({
  imports: [OrganizationsModule],
  providers: [EnvelopeService],
  exports: [EnvelopeService],
})
export class CryptoModule {}
