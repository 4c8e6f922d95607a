import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { type Model, Types } from 'mongoose';
import { TenantRepository } from '#src/common/tenancy/tenant.repository';
import { ConnectionCredentialsDocument } from './connection.schema';

/** Sealed credentials per connection. Only `ConnectionCredentialsStore` uses this. */
@Injectable()
export class CredentialsRepository
  extends TenantRepository<ConnectionCredentialsDocument>
  implements OnModuleInit
{
  constructor(@InjectModel(ConnectionCredentialsDocument.name) model: Model<ConnectionCredentialsDocument>) {
    super(model);
  }

  async onModuleInit(): Promise<void> {
    await this.model.init();
  }

  async put(connectionId: string, sealed: string): Promise<void> {
    const filter = this.scope({ connectionId: new Types.ObjectId(connectionId) });
    await this.model.updateOne(filter, { $set: { sealed } }, { upsert: true });
  }

  async get(connectionId: string): Promise<string | undefined> {
    const doc = await this.model
      .findOne(this.scope({ connectionId: new Types.ObjectId(connectionId) }))
      .lean<ConnectionCredentialsDocument>();
    return doc?.sealed;
  }

  async remove(connectionId: string): Promise<void> {
    await this.model.deleteOne(this.scope({ connectionId: new Types.ObjectId(connectionId) }));
  }
}
