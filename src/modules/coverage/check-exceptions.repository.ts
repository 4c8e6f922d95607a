import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { type Model } from 'mongoose';
import { OnceClaims } from '#src/common/scheduling/once-claim';
import { TenantRepository } from '#src/common/tenancy/tenant.repository';
import { type CheckException } from './checks/check.types';
import { CheckExceptionDocument } from './coverage.schema';

export interface StoredException extends CheckException {
  readonly reason: string;
  readonly approvedBy: string;
  readonly createdAt: Date;
  readonly active: boolean;
}

@Injectable()
export class CheckExceptionsRepository extends TenantRepository<CheckExceptionDocument> {
  constructor(
    @InjectModel(CheckExceptionDocument.name) model: Model<CheckExceptionDocument>,
    private readonly claims: OnceClaims,
  ) {
    super(model);
  }

  async insert(
    fields: Omit<CheckExceptionDocument, '_id' | 'organizationId' | 'expiryAuditedAt'>,
  ): Promise<StoredException> {
    const doc = await this.model.create(this.owned(fields));
    return toException(doc.toObject());
  }

  async all(): Promise<StoredException[]> {
    const docs = await this.model.find(this.scope()).sort({ createdAt: -1 }).lean<CheckExceptionDocument[]>();
    return docs.map((doc) => toException(doc));
  }

  /**
   * The exceptions in force at `at`: created at or before it and expiring after it. Exceptions are never
   * deleted (the schema refuses it), so this is exact for any past instant.
   */
  async inForceAt(at: Date): Promise<StoredException[]> {
    const docs = await this.model
      .find(this.scope({ createdAt: { $lte: at }, expiresAt: { $gt: at } }))
      .sort({ createdAt: -1 })
      .lean<CheckExceptionDocument[]>();
    return docs.map((doc) => toException(doc, at));
  }

  /**
   * Expired exceptions whose expiry has not been audited yet, each returned to exactly one caller across
   * instances (a claim, not a conditional update: see OnceClaims); marks them audited.
   */
  async claimNewlyExpired(now: Date): Promise<StoredException[]> {
    const docs = await this.model
      .find(this.scope({ expiresAt: { $lte: now }, expiryAuditedAt: null }))
      .lean<CheckExceptionDocument[]>();
    const claimed: StoredException[] = [];
    for (const doc of docs) {
      if (!(await this.claims.claim(`exception-expiry:${doc._id.toHexString()}`))) continue;
      await this.model.updateOne(this.scope({ _id: doc._id }), { $set: { expiryAuditedAt: now } });
      claimed.push(toException(doc));
    }
    return claimed;
  }
}

/** `active`: not expired at `now`. */
function toException(doc: CheckExceptionDocument, now = new Date()): StoredException {
  return {
    id: doc._id.toHexString(),
    check: doc.check,
    sourceId: doc.sourceId,
    reason: doc.reason,
    expiresAt: doc.expiresAt,
    approvedBy: doc.approvedBy,
    createdAt: doc.createdAt,
    active: doc.expiresAt.getTime() > now.getTime(),
  };
}
