import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DomainError } from '#src/common/errors/domain.error';
import { exceedsAuditPeriod } from '#src/common/util/audit-period';
import { LeaseLock } from '#src/common/scheduling/lease-lock';
import { OnceClaims } from '#src/common/scheduling/once-claim';
import { OrgContext } from '#src/common/tenancy/org-context';
import { AuditService } from '#src/modules/audit/audit.service';
import { type Assessment, AssessmentsRepository } from './assessments.repository';

export type { Assessment } from './assessments.repository';
import { EvidenceRepository } from './evidence.repository';

/** A holder does a few database writes; the TTL only bounds how long a crashed holder blocks others. */
const LEASE_TTL_MS = 30_000;
const LEASE_WAIT_MS = 10_000;

/**
 * Assessments: create, attach evidence while DRAFT, approve (which locks the attached evidence).
 * Attaching and approving one assessment run one at a time under the lease `assessment:<id>`, and approval
 * happens once, ever (claim `assessment-approve:<id>`): conditional updates are not atomic on FerretDB 1.x
 * (docs/adr/0007). So every row an approved assessment lists is locked, and it is audited once.
 */
@Injectable()
export class AssessmentsService {
  private readonly instance = randomBytes(6).toString('hex');

  constructor(
    private readonly assessments: AssessmentsRepository,
    private readonly evidence: EvidenceRepository,
    private readonly audit: AuditService,
    private readonly claims: OnceClaims,
    private readonly leases: LeaseLock,
  ) {}

  create(input: { name: string; periodStart: Date; periodEnd: Date }): Promise<Assessment> {
    if (input.periodEnd.getTime() <= input.periodStart.getTime()) {
      throw new DomainError('BAD_USER_INPUT', 'periodEnd must be after periodStart', { field: 'periodEnd' });
    }
    if (exceedsAuditPeriod(input.periodStart, input.periodEnd)) {
      throw new DomainError('BAD_USER_INPUT', 'The period may be at most 18 months long', {
        field: 'periodEnd',
      });
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
    if ((await this.get(id)).status !== 'DRAFT')
      throw new DomainError('CONFLICT', 'An approved assessment cannot change');
    const found = await this.evidence.findByIds(evidenceIds);
    if (found.length !== new Set(evidenceIds).size) throw DomainError.notFound('Evidence');
    await this.exclusive(id, async () => {
      // Checked again holding the lease: an approval may have finished since.
      if ((await this.get(id)).status !== 'DRAFT')
        throw new DomainError('CONFLICT', 'An approved assessment cannot change');
      await this.evidence.attach(evidenceIds, id);
      if (!(await this.assessments.addEvidence(id, evidenceIds)))
        throw new DomainError('CONFLICT', 'An approved assessment cannot change');
    });
    return this.get(id);
  }

  async approve(id: string): Promise<Assessment> {
    if ((await this.get(id)).status !== 'DRAFT')
      throw new DomainError('CONFLICT', 'The assessment is already approved');
    const approved = await this.exclusive(id, async () => {
      const assessment = await this.get(id);
      if (assessment.status !== 'DRAFT' || !(await this.claims.claim(`assessment-approve:${id}`)))
        throw new DomainError('CONFLICT', 'The assessment is already approved');
      // No attach can run now: lock exactly the final list, then freeze the assessment.
      await this.evidence.lock(assessment.evidenceIds);
      await this.assessments.approve(id, OrgContext.actor().id);
      return assessment;
    });
    await this.audit.append({
      action: 'ASSESSMENT_APPROVE',
      target: { type: 'assessment', id },
      details: { name: approved.name, evidenceCount: approved.evidenceIds.length },
    });
    return this.get(id);
  }

  private async exclusive<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const key = `assessment:${id}`;
    const owner = `${this.instance}:${randomBytes(4).toString('hex')}`;
    if (!(await this.leases.acquire(key, owner, LEASE_TTL_MS, LEASE_WAIT_MS)))
      throw new DomainError('CONFLICT', 'The assessment is being changed right now; try again');
    try {
      return await fn();
    } finally {
      await this.leases.release(key, owner);
    }
  }
}
