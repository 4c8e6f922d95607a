import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { type AnyBulkWriteOperation, type Model, type QueryFilter, Types } from 'mongoose';
import { TenantRepository, toObjectId } from '#src/common/tenancy/tenant.repository';
import { EvidenceDocument } from './evidence.schema';
import { type Evidence } from './evidence.types';

export interface EvidenceQuery {
  readonly type?: string;
  readonly control?: string;
  readonly connectionId?: string;
  readonly asOf?: Date;
  readonly currentOnly?: boolean;
  readonly beforeId?: string;
}

export interface CurrentRow {
  readonly id: string;
  readonly fingerprint: string;
  readonly data: Record<string, unknown>;
}

/** Evidence rows of the organization in context. Content is written once; only lifecycle fields change. */
@Injectable()
export class EvidenceRepository extends TenantRepository<EvidenceDocument> implements OnModuleInit {
  constructor(@InjectModel(EvidenceDocument.name) model: Model<EvidenceDocument>) {
    super(model);
  }

  async onModuleInit(): Promise<void> {
    await this.model.init();
  }

  /** The current rows of `type` for these source ids (one page of a collection). */
  async current(
    connectionId: string,
    type: string,
    sourceIds: readonly string[],
  ): Promise<Map<string, CurrentRow>> {
    if (sourceIds.length === 0) return new Map();
    const docs = await this.model
      .find(
        this.scope({
          connectionId: new Types.ObjectId(connectionId),
          type,
          sourceId: { $in: [...sourceIds] },
          validUntil: null,
        }),
        {
          sourceId: 1,
          fingerprint: 1,
          data: 1,
        },
      )
      .lean<Pick<EvidenceDocument, '_id' | 'sourceId' | 'fingerprint' | 'data'>[]>();
    return new Map(
      docs.map((d) => [d.sourceId, { id: d._id.toHexString(), fingerprint: d.fingerprint, data: d.data }]),
    );
  }

  async insertMany(
    rows: readonly Omit<
      EvidenceDocument,
      '_id' | 'organizationId' | 'slot' | 'validUntil' | 'assessmentIds' | 'locked'
    >[],
  ): Promise<void> {
    if (rows.length === 0) return;
    await this.model.insertMany(
      rows.map((row) =>
        this.owned({ ...row, slot: row.fingerprint, validUntil: null, assessmentIds: [], locked: false }),
      ),
      { ordered: true },
    );
  }

  /** Ends the validity of current rows (changed or vanished items): lifecycle fields only. */
  async close(ids: readonly string[], at: Date): Promise<number> {
    if (ids.length === 0) return 0;
    const ops: AnyBulkWriteOperation<EvidenceDocument>[] = ids.map((id) => ({
      updateOne: {
        filter: this.scope({ _id: new Types.ObjectId(id), validUntil: null }),
        update: { $set: { validUntil: at, slot: `closed:${id}` } },
      },
    }));
    const result = await this.model.bulkWrite(ops, { ordered: false });
    return result.modifiedCount;
  }

  /** Streams the ids and source ids of every current row of `type` for the connection. */
  async *currentSourceIds(
    connectionId: string,
    type: string,
  ): AsyncGenerator<{ id: string; sourceId: string }> {
    const cursor = this.model
      .find(this.scope({ connectionId: new Types.ObjectId(connectionId), type, validUntil: null }), {
        sourceId: 1,
      })
      .lean<Pick<EvidenceDocument, '_id' | 'sourceId'>[]>()
      .cursor();
    for await (const doc of cursor) yield { id: doc._id.toHexString(), sourceId: doc.sourceId };
  }

  async page(query: EvidenceQuery, limit: number): Promise<Evidence[]> {
    const filter: QueryFilter<EvidenceDocument> = {};
    if (query.type !== undefined) filter.type = query.type;
    if (query.control !== undefined) filter.controls = query.control;
    if (query.connectionId !== undefined)
      filter.connectionId = toObjectId(query.connectionId) ?? new Types.ObjectId('000000000000000000000000');
    if (query.currentOnly === true) filter.validUntil = null;
    if (query.asOf !== undefined) {
      filter.collectedAt = { $lte: query.asOf };
      filter.$or = [{ validUntil: null }, { validUntil: { $gt: query.asOf } }];
    }
    if (query.beforeId !== undefined) filter._id = { $lt: toObjectId(query.beforeId) };
    const docs = await this.model
      .find(this.scope(filter))
      .sort({ _id: -1 })
      .limit(limit)
      .lean<EvidenceDocument[]>();
    return docs.map(toEvidence);
  }

  async findByIds(ids: readonly string[]): Promise<Evidence[]> {
    const objectIds = ids.map(toObjectId).filter((id): id is Types.ObjectId => id !== undefined);
    if (objectIds.length === 0) return [];
    const docs = await this.model.find(this.scope({ _id: { $in: objectIds } })).lean<EvidenceDocument[]>();
    return docs.map(toEvidence);
  }

  async attach(ids: readonly string[], assessmentId: string): Promise<void> {
    await this.model.updateMany(this.scope({ _id: { $in: ids.map((id) => new Types.ObjectId(id)) } }), {
      $addToSet: { assessmentIds: new Types.ObjectId(assessmentId) },
    });
  }

  async lock(ids: readonly string[]): Promise<void> {
    await this.model.updateMany(this.scope({ _id: { $in: ids.map((id) => new Types.ObjectId(id)) } }), {
      $set: { locked: true },
    });
  }

  /**
   * Retention purge of a revoked connection's history: every row not locked by an approved assessment and
   * attached to no assessment. Locked rows are never matched (the schema also refuses any other delete).
   */
  async purgeUnattached(connectionId: string): Promise<number> {
    const result = await this.model.deleteMany(
      this.scope({
        connectionId: new Types.ObjectId(connectionId),
        locked: false,
        assessmentIds: { $size: 0 },
      }),
    );
    return result.deletedCount;
  }

  async *currentRowsOfType(
    type: string,
  ): AsyncGenerator<{ connectionId: string; sourceId: string; data: Record<string, unknown> }> {
    const cursor = this.model
      .find(this.scope({ type, validUntil: null }), { connectionId: 1, sourceId: 1, data: 1 })
      .lean<Pick<EvidenceDocument, 'connectionId' | 'sourceId' | 'data'>[]>()
      .cursor();
    for await (const doc of cursor)
      yield { connectionId: doc.connectionId.toHexString(), sourceId: doc.sourceId, data: doc.data };
  }

  async countCurrent(connectionId: string, type: string): Promise<number> {
    return this.model.countDocuments(
      this.scope({ connectionId: new Types.ObjectId(connectionId), type, validUntil: null }),
    );
  }
}

export function toEvidence(doc: EvidenceDocument): Evidence {
  return {
    id: doc._id.toHexString(),
    connectionId: doc.connectionId.toHexString(),
    runId: doc.runId.toHexString(),
    connectorKey: doc.connectorKey,
    type: doc.type,
    sourceId: doc.sourceId,
    controls: doc.controls,
    data: doc.data,
    fingerprint: doc.fingerprint,
    collectedAt: doc.collectedAt,
    validUntil: doc.validUntil ?? null,
    locked: doc.locked ?? false,
    assessmentIds: (doc.assessmentIds ?? []).map((id) => id.toHexString()),
  };
}
