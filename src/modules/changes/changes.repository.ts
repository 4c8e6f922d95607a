import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { type Model, type QueryFilter, Types } from 'mongoose';
import { TenantRepository, toObjectId } from '#src/common/tenancy/tenant.repository';
import { type ChangeKind } from '#src/modules/connectors/connector-driver.port';
import { ChangeDocument, type StoredFieldChange } from './change.schema';

/** A change as the feed reports it. */
export interface Change {
  readonly id: string;
  readonly connectionId: string;
  readonly connectorKey: string;
  readonly runId: string;
  readonly kind: ChangeKind;
  readonly risky: boolean;
  readonly evidenceType: string;
  readonly sourceId: string;
  readonly label: string;
  readonly summary: string;
  readonly fields: readonly StoredFieldChange[];
  readonly beforeEvidenceId: string | null;
  readonly afterEvidenceId: string | null;
  readonly detectedAt: Date;
}

export type NewChange = Omit<Change, 'id'> & { readonly key: string };

/** Changes of the organization in context. */
@Injectable()
export class ChangesRepository extends TenantRepository<ChangeDocument> {
  constructor(@InjectModel(ChangeDocument.name) model: Model<ChangeDocument>) {
    super(model);
  }

  /** Inserts the changes not recorded yet (same `key`); returns those inserted now. */
  async insertNew(changes: readonly NewChange[]): Promise<Change[]> {
    if (changes.length === 0) return [];
    const docs = changes.map((c) =>
      this.owned({
        _id: new Types.ObjectId(),
        ...c,
        connectionId: new Types.ObjectId(c.connectionId),
        runId: new Types.ObjectId(c.runId),
        beforeEvidenceId: c.beforeEvidenceId === null ? null : new Types.ObjectId(c.beforeEvidenceId),
        afterEvidenceId: c.afterEvidenceId === null ? null : new Types.ObjectId(c.afterEvidenceId),
        fields: c.fields.map((f) => ({ ...f })),
      }),
    );
    const failed = new Set<number>();
    try {
      await this.model.insertMany(docs, { ordered: false, rawResult: false });
    } catch (error) {
      const writeErrors = (
        error as {
          writeErrors?: { code?: number; index?: number; err?: { index?: number; code?: number } }[];
        }
      ).writeErrors;
      if (writeErrors === undefined) throw error;
      for (const e of writeErrors) {
        const code = e.code ?? e.err?.code;
        if (code !== 11000) throw error;
        failed.add(e.index ?? e.err?.index ?? -1);
      }
    }
    return docs.filter((_, i) => !failed.has(i)).map((doc) => toChange(doc as unknown as ChangeDocument));
  }

  /** Changes of a connection detected at or after `since`, newest first. */
  async page(
    filter: { connectionId?: string; since?: Date; risky?: boolean },
    limit: number,
    beforeId?: string,
  ): Promise<Change[]> {
    const query: QueryFilter<ChangeDocument> = {};
    if (filter.connectionId !== undefined) {
      const id = toObjectId(filter.connectionId);
      if (id === undefined) return [];
      query.connectionId = id;
    }
    if (filter.since !== undefined) query.detectedAt = { $gte: filter.since };
    if (filter.risky !== undefined) query.risky = filter.risky;
    if (beforeId !== undefined) {
      const id = toObjectId(beforeId);
      if (id === undefined) return [];
      query._id = { $lt: id };
    }
    const docs = await this.model
      .find(this.scope(query))
      .sort({ _id: -1 })
      .limit(limit)
      .lean<ChangeDocument[]>();
    return docs.map(toChange);
  }

  /** Retention: removes a purged connection's changes. */
  async deleteForConnection(connectionId: string): Promise<number> {
    const result = await this.model.deleteMany(
      this.scope({ connectionId: new Types.ObjectId(connectionId) }),
    );
    return result.deletedCount;
  }
}

function toChange(doc: ChangeDocument): Change {
  return {
    id: doc._id.toHexString(),
    connectionId: doc.connectionId.toHexString(),
    connectorKey: doc.connectorKey,
    runId: doc.runId.toHexString(),
    kind: doc.kind,
    risky: doc.risky,
    evidenceType: doc.evidenceType,
    sourceId: doc.sourceId,
    label: doc.label,
    summary: doc.summary,
    fields: doc.fields.map(({ field, before, after }) => ({ field, before, after })),
    beforeEvidenceId: doc.beforeEvidenceId?.toHexString() ?? null,
    afterEvidenceId: doc.afterEvidenceId?.toHexString() ?? null,
    detectedAt: doc.detectedAt,
  };
}
