import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { type Model, Types } from 'mongoose';
import { TenantRepository } from '#src/common/tenancy/tenant.repository';
import { OAuthAttemptDocument, type OAuthPurpose } from './connection.schema';

export interface OAuthAttempt {
  readonly id: string;
  readonly connectionId: string;
  readonly userId: string;
  readonly purpose: OAuthPurpose;
  readonly codeVerifier: string | null;
  readonly expiresAt: Date;
  readonly usedAt: Date | null;
}

@Injectable()
export class OAuthAttemptsRepository extends TenantRepository<OAuthAttemptDocument> implements OnModuleInit {
  constructor(@InjectModel(OAuthAttemptDocument.name) model: Model<OAuthAttemptDocument>) {
    super(model);
  }

  async onModuleInit(): Promise<void> {
    await this.model.init();
  }

  async insert(fields: {
    id: string;
    connectionId: string;
    userId: string;
    purpose: OAuthPurpose;
    stateHash: string;
    codeVerifier: string;
    expiresAt: Date;
  }): Promise<void> {
    await this.model.create(
      this.owned({
        ...fields,
        _id: new Types.ObjectId(fields.id),
        connectionId: new Types.ObjectId(fields.connectionId),
      }),
    );
  }

  async findByStateHash(stateHash: string): Promise<OAuthAttempt | undefined> {
    const doc = await this.model.findOne(this.scope({ stateHash })).lean<OAuthAttemptDocument>();
    return doc === null ? undefined : toAttempt(doc);
  }

  /**
   * Records that the attempt was used and drops its verifier. Not the single-use guard itself: callers
   * claim `oauth-attempt:<id>` first (a conditional update is not atomic on FerretDB 1.x, docs/adr/0007).
   */
  async markUsed(id: string): Promise<void> {
    await this.model.updateOne(this.scope({ _id: new Types.ObjectId(id) }), {
      $set: { usedAt: new Date(), codeVerifier: null },
    });
  }
}

function toAttempt(doc: OAuthAttemptDocument): OAuthAttempt {
  return {
    id: doc._id.toHexString(),
    connectionId: doc.connectionId.toHexString(),
    userId: doc.userId,
    purpose: doc.purpose,
    codeVerifier: doc.codeVerifier ?? null,
    expiresAt: doc.expiresAt,
    usedAt: doc.usedAt ?? null,
  };
}
