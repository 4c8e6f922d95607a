import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { type Model, Types } from 'mongoose';
import { DomainError } from '#src/common/errors/domain.error';
import { OrgContext } from '#src/common/tenancy/org-context';
import { TenantRepository, toObjectId } from '#src/common/tenancy/tenant.repository';
import { AuditService } from '#src/modules/audit/audit.service';
import { AssessmentDocument, type AssessmentStatus } from './evidence.schema';
import { EvidenceRepository } from './evidence.repository';

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

/** Assessments: create, attach evidence while DRAFT, approve (which locks the attached evidence). */
@Injectable()
export class AssessmentsService {
  constructor(
    private readonly assessments: AssessmentsRepository,
    private readonly evidence: EvidenceRepository,
    private readonly audit: AuditService,
  ) {}

  create(input: { name: string; periodStart: Date; periodEnd: Date }): Promise<Assessment> {
    if (input.periodEnd.getTime() <= input.periodStart.getTime()) {
      throw new DomainError('BAD_USER_INPUT', 'periodEnd must be after periodStart', { field: 'periodEnd' });
    }
    return this.assessments.insert({ ...input, createdBy: OrgContext.actor().id });
  }

  async get(id: string): Promise<Assessment> {
    const assessment = await this.assessments.findById(id);
    if (assessment === undefined) throw DomainError.notFound('Assessment');
    return assessment;
  }

  page(limit: number, beforeId?: string): Promise<Assessment[]> {
    return this.assessments.page(limit, beforeId);
  }

  async attach(id: string, evidenceIds: readonly string[]): Promise<Assessment> {
    const assessment = await this.get(id);
    if (assessment.status !== 'DRAFT')
      throw new DomainError('CONFLICT', 'An approved assessment cannot change');
    const found = await this.evidence.findByIds(evidenceIds);
    if (found.length !== new Set(evidenceIds).size) throw DomainError.notFound('Evidence');
    await this.evidence.attach(evidenceIds, id);
    if (!(await this.assessments.addEvidence(id, evidenceIds)))
      throw new DomainError('CONFLICT', 'An approved assessment cannot change');
    return this.get(id);
  }

  async approve(id: string): Promise<Assessment> {
    const assessment = await this.get(id);
    if (assessment.status !== 'DRAFT')
      throw new DomainError('CONFLICT', 'The assessment is already approved');
    // Lock first: if approval then fails, rows are merely protected early, never left unprotected.
    await this.evidence.lock(assessment.evidenceIds);
    if (!(await this.assessments.approve(id, OrgContext.actor().id)))
      throw new DomainError('CONFLICT', 'The assessment is already approved');
    await this.audit.append({
      action: 'ASSESSMENT_APPROVE',
      target: { type: 'assessment', id },
      details: { name: assessment.name, evidenceCount: assessment.evidenceIds.length },
    });
    return this.get(id);
  }
}
