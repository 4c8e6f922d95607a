import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { type AnyBulkWriteOperation, type Model, type QueryFilter, Types } from 'mongoose';
import { TenantRepository, toObjectId } from '#src/common/tenancy/tenant.repository';
import { EvidenceDocument } from './evidence.schema';
import { type IndexedRow } from './current-index';
import { type Evidence } from './evidence.types';

/** A current row as the organization-wide stream reads it. */
export interface RowOfType {
  readonly id: string;
  readonly connectionId: string;
  readonly type: string;
  readonly sourceId: string;
  readonly data: Record<string, unknown>;
  readonly collectedAt: Date;
}

export interface EvidenceQuery {
  readonly type?: string;
  readonly control?: string;
  readonly connectionId?: string;
  readonly asOf?: Date;
  readonly currentOnly?: boolean;
  readonly beforeId?: string;
}

/** Streams read a whole type of a connection or organization: longer than the default query bound. */
const STREAM_MAX_TIME_MS = 600_000;
/** Documents per round trip of a stream: a few thousand small projected rows. */
const STREAM_BATCH = 2000;

/** Updates per bulk command: FerretDB 1.x deadlocks on one command with ~100 matching updates (ADR 8). */
const CLOSE_BATCH = 25;

/**
 * This process's bulk closes, one command at a time. FerretDB 1.x holds a backend connection for every
 * matched statement until its command ends, so concurrent commands add up: seven of 25 at once wedge the
 * database on SQLite (ADR 8).
 */
let closing: Promise<unknown> = Promise.resolve();
function oneAtATime<T>(work: () => Promise<T>): Promise<T> {
  const turn = closing.then(work, work);
  closing = turn.catch(() => undefined);
  return turn;
}

/**
 * The newest of two current rows of the same item. Two rows of one item can both be current after a write
 * was interrupted between inserting the successor and closing its predecessor: the newest one wins.
 */
export function newer<T extends { readonly id: string; readonly collectedAt: Date }>(a: T, b: T): T {
  const byTime = a.collectedAt.getTime() - b.collectedAt.getTime();
  if (byTime !== 0) return byTime > 0 ? a : b;
  return a.id > b.id ? a : b;
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

  /**
   * Streams every current row of these types for the connection, projected to what a run's diff needs (see
   * `CurrentIndex`) and the `carries` fields of its data: one cursor per run, in large batches, closed
   * when done.
   */
  async *currentRows(
    connectionId: string,
    types: readonly string[],
    fields: readonly string[],
  ): AsyncGenerator<
    Omit<IndexedRow, 'carried' | 'watched'> & { type: string; data?: Record<string, unknown> }
  > {
    const projection: Record<string, 1> = { type: 1, sourceId: 1, fingerprint: 1, collectedAt: 1 };
    for (const field of fields) projection[`data.${field}`] = 1;
    const cursor = this.model
      .find(
        this.scope({
          connectionId: new Types.ObjectId(connectionId),
          type: { $in: [...types] },
          validUntil: null,
        }),
        projection,
      )
      .maxTimeMS(STREAM_MAX_TIME_MS)
      .batchSize(STREAM_BATCH)
      .lean<Pick<EvidenceDocument, '_id' | 'type' | 'sourceId' | 'fingerprint' | 'collectedAt' | 'data'>[]>()
      .cursor();
    try {
      for await (const doc of cursor) {
        const data = doc.data ?? {};
        yield {
          id: doc._id.toHexString(),
          type: doc.type,
          sourceId: doc.sourceId,
          fingerprint: doc.fingerprint,
          collectedAt: doc.collectedAt,
          ...(fields.length === 0 ? {} : { data }),
        };
      }
    } finally {
      await cursor.close();
    }
  }

  async insertMany(
    rows: readonly Omit<
      EvidenceDocument,
      'organizationId' | 'slot' | 'validUntil' | 'assessmentIds' | 'locked'
    >[],
  ): Promise<void> {
    if (rows.length === 0) return;
    await this.model.insertMany(
      rows.map((row) =>
        this.owned({ ...row, slot: row.fingerprint, validUntil: null, assessmentIds: [], locked: false }),
      ),
      // Unordered: the server need not stop at the first failure, and may apply the batch in any order.
      { ordered: false },
    );
  }

  /** Ends the validity of current rows (changed or vanished items): lifecycle fields only. */
  async close(ids: readonly string[], at: Date): Promise<number> {
    let closed = 0;
    for (let start = 0; start < ids.length; start += CLOSE_BATCH) {
      const ops: AnyBulkWriteOperation<EvidenceDocument>[] = ids
        .slice(start, start + CLOSE_BATCH)
        .map((id) => ({
          updateOne: {
            filter: this.scope({ _id: new Types.ObjectId(id), validUntil: null }),
            update: { $set: { validUntil: at, slot: `closed:${id}` } },
          },
        }));
      closed += (await oneAtATime(() => this.model.bulkWrite(ops, { ordered: false }))).modifiedCount;
    }
    return closed;
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
    const rows: Evidence[] = [];
    let beforeId = query.beforeId === undefined ? undefined : toObjectId(query.beforeId);
    for (;;) {
      const want = limit - rows.length;
      const docs = await this.model
        .find(this.scope(beforeId === undefined ? filter : { ...filter, _id: { $lt: beforeId } }))
        .sort({ _id: -1 })
        .limit(want)
        .lean<EvidenceDocument[]>();
      const page = docs.map(toEvidence);
      const superseded = await this.superseded(page, query.asOf);
      rows.push(...page.filter((row) => !superseded.has(row.id)));
      if (rows.length >= limit || docs.length < want) return rows;
      beforeId = docs.at(-1)?._id;
    }
  }

  /**
   * Ids of rows of `page` that read as current (at `asOf`, or now) although a newer row of the same item
   * is current too: left by a write interrupted between inserting a successor and closing its predecessor,
   * until the next sync heals it. Readers show the newest only.
   */
  private async superseded(page: readonly Evidence[], asOf: Date | undefined): Promise<Set<string>> {
    const open = page.filter((row) => row.validUntil === null);
    if (open.length === 0) return new Set();
    const others = await this.model
      .find(
        this.scope({
          connectionId: {
            $in: [...new Set(open.map((r) => r.connectionId))].map((id) => new Types.ObjectId(id)),
          },
          sourceId: { $in: [...new Set(open.map((r) => r.sourceId))] },
          validUntil: null,
          ...(asOf === undefined ? {} : { collectedAt: { $lte: asOf } }),
        }),
        { connectionId: 1, type: 1, sourceId: 1, collectedAt: 1 },
      )
      .lean<Pick<EvidenceDocument, '_id' | 'connectionId' | 'type' | 'sourceId' | 'collectedAt'>[]>();
    const newest = new Map<string, { id: string; collectedAt: Date }>();
    for (const doc of others) {
      const key = `${doc.connectionId.toHexString()}\u0000${doc.type}\u0000${doc.sourceId}`;
      const candidate = { id: doc._id.toHexString(), collectedAt: doc.collectedAt };
      const seen = newest.get(key);
      newest.set(key, seen === undefined ? candidate : newer(seen, candidate));
    }
    return new Set(
      open
        .filter((row) => {
          const winner = newest.get(`${row.connectionId}\u0000${row.type}\u0000${row.sourceId}`);
          return winner !== undefined && winner.id !== row.id;
        })
        .map((row) => row.id),
    );
  }

  /** One row by id (an equality on `_id`: FerretDB 1.x answers an `$in` by scanning the collection). */
  async findById(id: string): Promise<Evidence | undefined> {
    const _id = toObjectId(id);
    if (_id === undefined) return undefined;
    const doc = await this.model.findOne(this.scope({ _id })).lean<EvidenceDocument>();
    return doc === null ? undefined : toEvidence(doc);
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

  /**
   * Every row of `type` valid at some moment of [start, end] (its population for that period), whole, in
   * the order stored: one cursor, in batches, closed when done. Sorting would make FerretDB 1.x hold and
   * sort the whole population in memory.
   */
  async *population(type: string, start: Date, end: Date): AsyncGenerator<Evidence> {
    const cursor = this.model
      .find(
        this.scope({
          type,
          collectedAt: { $lte: end },
          $or: [{ validUntil: null }, { validUntil: { $gt: start } }],
        }),
      )
      .maxTimeMS(STREAM_MAX_TIME_MS)
      .batchSize(STREAM_BATCH / 4)
      .lean<EvidenceDocument[]>()
      .cursor();
    try {
      for await (const doc of cursor) yield toEvidence(doc);
    } finally {
      await cursor.close();
    }
  }

  /**
   * Streams every current row of the organization (all types), with `fields` of its data; with `asOf`,
   * every row valid then instead (collected at or before it, and not closed by then).
   */
  async *currentRowsOfOrganization(fields: readonly string[], asOf?: Date): AsyncGenerator<RowOfType> {
    const projection: Record<string, 1> = { connectionId: 1, type: 1, sourceId: 1, collectedAt: 1 };
    for (const field of fields) projection[`data.${field}`] = 1;
    const filter: QueryFilter<EvidenceDocument> =
      asOf === undefined
        ? { validUntil: null }
        : { collectedAt: { $lte: asOf }, $or: [{ validUntil: null }, { validUntil: { $gt: asOf } }] };
    const cursor = this.model
      .find(this.scope(filter), projection)
      .maxTimeMS(STREAM_MAX_TIME_MS)
      .batchSize(STREAM_BATCH)
      .lean<Pick<EvidenceDocument, '_id' | 'connectionId' | 'type' | 'sourceId' | 'data' | 'collectedAt'>[]>()
      .cursor();
    try {
      for await (const doc of cursor)
        yield {
          id: doc._id.toHexString(),
          connectionId: doc.connectionId.toHexString(),
          type: doc.type,
          sourceId: doc.sourceId,
          data: doc.data ?? {},
          collectedAt: doc.collectedAt,
        };
    } finally {
      await cursor.close();
    }
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
