import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { CryptoModule } from '#src/common/crypto/crypto.module';
import { AuditModule } from '#src/modules/audit/audit.module';
import { OrganizationsModule } from '#src/modules/organizations/organizations.module';
import { AuditCheckpointsRepository } from './audit-checkpoints.repository';
import {
  AuditCheckpointDocument,
  AuditCheckpointSchema,
  SigningKeyDocument,
  SigningKeySchema,
} from './audit-seal.schema';
import { AuditSealResolver } from './audit-seal.resolver';
import { AuditSealService } from './audit-seal.service';
import { SigningKeysRepository } from './signing-keys.repository';
import { SigningKeyService } from './signing-key.service';

/**
 * The organization's signing key and the audit chain's signed checkpoints. Apart from the audit module,
 * which it listens to (`audit.appended`): sealing the key needs the organization's data key, and the
 * organizations module itself writes audit entries.
 */
@Module({
  imports: [
    MongooseModule.forFeature([
      { name: SigningKeyDocument.name, schema: SigningKeySchema },
      { name: AuditCheckpointDocument.name, schema: AuditCheckpointSchema },
    ]),
    AuditModule,
    CryptoModule,
    OrganizationsModule,
  ],
  providers: [
    SigningKeysRepository,
    AuditCheckpointsRepository,
    SigningKeyService,
    AuditSealService,
    AuditSealResolver,
  ],
  exports: [SigningKeyService, AuditSealService],
})
export class AuditSealModule {}
