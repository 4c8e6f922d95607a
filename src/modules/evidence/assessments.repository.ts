import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { type Model, Types } from 'mongoose';
import { TenantRepository, toObjectId } from '#src/common/tenancy/tenant.repository';
import { AssessmentDocument, type AssessmentStatus } from './evidence.schema';

export interface Assessment {
  readonly id: string;
  readonly framework: string;
  readonly name: string;
  readonly periodStart: Date;
  readonly periodEnd: Date;
  readonly status: AssessmentStatus;
  readonly evidenceIds: readonly string[];
  readonly approvedBy: string | null;
  readonly approvedAt: Date | null;
  readonly createdAt: Date;
}

@Injectable()
export class AssessmentsRepository extends TenantRepository<AssessmentDocument> {
  constructor(@InjectModel(AssessmentDocument.name) model: Model<AssessmentDocument>) {
    super(model);
  }

  async insert(fields: {
    name: string;
    periodStart: Date;
    periodEnd: Date;
    createdBy: string;
  }): Promise<Assessment> {
    const doc = await this.model.create(
      this.owned({ ...fields, framework: 'SOC2', status: 'DRAFT' as const }),
    );
    return toAssessment(doc.toObject());
  }

  async findById(id: string): Promise<Assessment | undefined> {
    const _id = toObjectId(id);
    if (_id === undefined) return undefined;
    const doc = await this.model.findOne(this.scope({ _id })).lean<AssessmentDocument>();
    return doc === null ? undefined : toAssessment(doc);
  }

  async page(limit: number, beforeId?: string): Promise<Assessment[]> {
    const filter = beforeId === undefined ? {} : { _id: { $lt: toObjectId(beforeId) } };
    const docs = await this.model
      .find(this.scope(filter))
      .sort({ _id: -1 })
      .limit(limit)
      .lean<AssessmentDocument[]>();
    return docs.map(toAssessment);
  }

  /** Only a DRAFT matches: an approved assessment cannot change (the schema also refuses other filters). */
  async addEvidence(id: string, evidenceIds: readonly string[]): Promise<boolean> {
    const result = await this.model.updateOne(this.scope({ _id: new Types.ObjectId(id), status: 'DRAFT' }), {
      $addToSet: { evidenceIds: { $each: evidenceIds.map((e) => new Types.ObjectId(e)) } },
    });
    return result.matchedCount === 1;
  }

  async approve(id: string, approvedBy: string): Promise<boolean> {
    const result = await this.model.updateOne(this.scope({ _id: new Types.ObjectId(id), status: 'DRAFT' }), {
      $set: { status: 'APPROVED', approvedBy, approvedAt: new Date() },
    });
    return result.matchedCount === 1;
  }
}

function toAssessment(doc: AssessmentDocument): Assessment {
  return {
    id: doc._id.toHexString(),
    framework: doc.framework,
    name: doc.name,
    periodStart: doc.periodStart,
    periodEnd: doc.periodEnd,
    status: doc.status,
    evidenceIds: (doc.evidenceIds ?? []).map((e) => e.toHexString()),
    approvedBy: doc.approvedBy ?? null,
    approvedAt: doc.approvedAt ?? null,
    createdAt: doc.createdAt,
  };
}
