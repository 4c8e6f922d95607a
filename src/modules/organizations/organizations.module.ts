import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { DATA_KEY_SOURCE } from '#src/common/crypto/envelope.service';
import { AuditModule } from '#src/modules/audit/audit.module';
import { OrganizationResolver } from './organization.resolver';
import { OrganizationDocument, OrganizationSchema } from './organization.schema';
import { OrganizationsService } from './organizations.service';
import { OrganizationsSystemRepository } from './organizations-system.repository';
import { OrganizationsSystemService } from './organizations-system.service';

@Module({
  imports: [
    MongooseModule.forFeature([{ name: OrganizationDocument.name, schema: OrganizationSchema }]),
    AuditModule,
  ],
  providers: [
    OrganizationsSystemRepository,
    OrganizationsSystemService,
    OrganizationsService,
    OrganizationResolver,
    { provide: DATA_KEY_SOURCE, useExisting: OrganizationsSystemRepository },
  ],
  exports: [OrganizationsService, OrganizationsSystemService, DATA_KEY_SOURCE],
})
export class OrganizationsModule {}
