import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { LeaseLock } from './lease-lock';
import { LeaseDocument, LeaseSchema } from './lease.schema';

@Module({
  imports: [MongooseModule.forFeature([{ name: LeaseDocument.name, schema: LeaseSchema }])],
  providers: [LeaseLock],
  exports: [LeaseLock],
})
export class LeaseModule {}
