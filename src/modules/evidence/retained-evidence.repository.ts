import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { type Model, Types } from 'mongoose';
import { TenantRepository } from '#src/common/tenancy/tenant.repository';
import { EvidenceDocument } from './evidence.schema';

/**
 * What retention must keep besides evidence: the runs that a connection's remaining evidence rows (attached
 * to an assessment, or locked) were collected by. Reads the evidence collection; never writes it.
 */
@Injectable()
export class RetainedEvidenceRepository extends TenantRepository<EvidenceDocument> {
  constructor(@InjectModel(EvidenceDocument.name) model: Model<EvidenceDocument>) {
    super(model);
  }

  /** The distinct `runId`s of the connection's evidence rows that still exist. */
  async runIdsOf(connectionId: string): Promise<string[]> {
    // A projected stream rather than `distinct`: FerretDB 1.x refuses `distinct` with `maxTimeMS`.
    const ids = new Set<string>();
    const cursor = this.model
      .find(this.scope({ connectionId: new Types.ObjectId(connectionId) }), { runId: 1 })
      .lean<Pick<EvidenceDocument, '_id' | 'runId'>[]>()
      .cursor();
    for await (const doc of cursor) ids.add(doc.runId.toHexString());
    return [...ids];
  }
}
