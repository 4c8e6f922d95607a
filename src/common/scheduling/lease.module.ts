import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { LeaseLock } from './lease-lock';
import { LeaseDocument, LeaseSchema } from './lease.schema';
import { ClaimDocument, ClaimSchema, OnceClaims } from './once-claim';

@Module({
  imports: [
    MongooseModule.forFeature([
      { name: LeaseDocument.name, schema: LeaseSchema },
      { name: ClaimDocument.name, schema: ClaimSchema },
    ]),
  ],
  providers: [LeaseLock, OnceClaims],
  exports: [LeaseLock, OnceClaims],
})
export class LeaseModule {}
