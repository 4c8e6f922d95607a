import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { ClaimDocument, ClaimSchema } from './claim.schema';
import { ClaimsRepository } from './claims.repository';
import { LeaseLock } from './lease-lock';
import { LeaseRepository } from './lease.repository';
import { LeaseDocument, LeaseSchema } from './lease.schema';
import { OnceClaims } from './once-claim';

@Module({
  imports: [
    MongooseModule.forFeature([
      { name: LeaseDocument.name, schema: LeaseSchema },
      { name: ClaimDocument.name, schema: ClaimSchema },
    ]),
  ],
  providers: [LeaseRepository, LeaseLock, ClaimsRepository, OnceClaims],
  exports: [LeaseLock, OnceClaims],
})
export class LeaseModule {}
