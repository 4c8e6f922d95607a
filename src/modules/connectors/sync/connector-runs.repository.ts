import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { type Model, Types } from 'mongoose';
import { TenantRepository, toObjectId } from '#src/common/tenancy/tenant.repository';
import {
  type CollectorStats,
  ConnectorRunDocument,
  type RunStatus,
  type RunTrigger,
} from './connector-run.schema';

export interface ConnectorRun {
  readonly id: string;
  readonly connectionId: string;
  readonly trigger: RunTrigger;
  readonly status: RunStatus;
  readonly startedAt: Date;
  readonly finishedAt: Date | null;
  readonly stats: readonly CollectorStats[];
  readonly grantedScopes: readonly string[];
  readonly error: { code: string; message: string } | null;
}

/** Run history reads for a bundle cover a whole audit period. */
const RUN_STREAM_MAX_TIME_MS = 300_000;
const IDS_PER_QUERY = 500;

@Injectable()
export class ConnectorRunsRepository extends TenantRepository<ConnectorRunDocument> {
  constructor(@InjectModel(ConnectorRunDocument.name) model: Model<ConnectorRunDocument>) {
    super(model);
  }

  async start(fields: {
    connectionId: string;
    trigger: RunTrigger;
    owner: string;
    grantedScopes: readonly string[];
  }): Promise<ConnectorRun> {
    const now = new Date();
    const doc = await this.model.create(
      this.owned({
        connectionId: new Types.ObjectId(fields.connectionId),
        trigger: fields.trigger,
        owner: fields.owner,
        status: 'RUNNING' as const,
        startedAt: now,
        heartbeatAt: now,
        grantedScopes: [...fields.grantedScopes],
      }),
    );
    return toRun(doc.toObject());
  }

  async progress(id: string, stats: readonly CollectorStats[]): Promise<void> {
    await this.model.updateOne(this.scope({ _id: new Types.ObjectId(id), status: 'RUNNING' }), {
      $set: { stats: [...stats], heartbeatAt: new Date() },
    });
  }

  /** Records a run's outcome; false when it is no longer RUNNING (another instance marked it ABANDONED). */
  async finish(
    id: string,
    status: Exclude<RunStatus, 'RUNNING' | 'ABANDONED'>,
    stats: readonly CollectorStats[],
    error: { code: string; message: string } | null,
  ): Promise<boolean> {
    const result = await this.model.updateOne(
      this.scope({ _id: new Types.ObjectId(id), status: 'RUNNING' }),
      { $set: { status, stats: [...stats], error, finishedAt: new Date() } },
    );
    return result.modifiedCount === 1;
  }

  /** RUNNING runs whose heartbeat stopped before `cutoff`: their instance may be gone. */
  async findStale(cutoff: Date): Promise<ConnectorRun[]> {
    const docs = await this.model
      .find(this.scope({ status: 'RUNNING', heartbeatAt: { $lt: cutoff } }))
      .lean<ConnectorRunDocument[]>();
    return docs.map(toRun);
  }

  /** The connection's RUNNING runs (more than one only after crashes). */
  async findAllRunning(connectionId: string): Promise<ConnectorRun[]> {
    const docs = await this.model
      .find(this.scope({ connectionId: new Types.ObjectId(connectionId), status: 'RUNNING' }))
      .lean<ConnectorRunDocument[]>();
    return docs.map(toRun);
  }

  /**
   * Marks a RUNNING run ABANDONED; true if this call did. Callers hold the connection's sync lease, so no
   * two instances race on it.
   */
  async markAbandoned(id: string, at: Date): Promise<boolean> {
    const result = await this.model.updateOne(
      this.scope({ _id: new Types.ObjectId(id), status: 'RUNNING' }),
      {
        $set: {
          status: 'ABANDONED',
          finishedAt: at,
          error: { code: 'ABANDONED', message: 'The instance running this sync stopped before finishing' },
        },
      },
    );
    return result.modifiedCount === 1;
  }

  /** Retention: the connection's finished runs, except those in `keep` (runs retained evidence points to). */
  async deleteForConnection(connectionId: string, keep: readonly string[] = []): Promise<number> {
    const result = await this.model.deleteMany(
      this.scope({
        connectionId: new Types.ObjectId(connectionId),
        status: { $ne: 'RUNNING' },
        ...(keep.length === 0 ? {} : { _id: { $nin: keep.map((id) => new Types.ObjectId(id)) } }),
      }),
    );
    return result.deletedCount;
  }

  /** Finish times of the connection's successful runs in [since, until), oldest first (bounded). */
  async successesBetween(connectionId: string, since: Date, until: Date, limit: number): Promise<Date[]> {
    const docs = await this.model
      .find(
        this.scope({
          connectionId: new Types.ObjectId(connectionId),
          status: 'SUCCEEDED',
          finishedAt: { $gte: since, $lt: until },
        }),
        { finishedAt: 1 },
      )
      .sort({ finishedAt: 1 })
      .limit(limit)
      .lean<{ finishedAt: Date }[]>()
      .maxTimeMS(30_000);
    return docs.map((d) => d.finishedAt);
  }

  /** The finish time of the connection's last successful run before `before`. */
  async lastSuccessBefore(connectionId: string, before: Date): Promise<Date | undefined> {
    const doc = await this.model
      .findOne(
        this.scope({
          connectionId: new Types.ObjectId(connectionId),
          status: 'SUCCEEDED',
          finishedAt: { $lt: before },
        }),
        { finishedAt: 1 },
      )
      .sort({ finishedAt: -1 })
      .lean<{ finishedAt: Date }>()
      .maxTimeMS(30_000);
    return doc?.finishedAt ?? undefined;
  }

  /** Runs of any connection that started by `end` and finished (or are running) after `start`, streamed. */
  async *overlapping(start: Date, end: Date): AsyncGenerator<ConnectorRun> {
    const cursor = this.model
      .find(
        this.scope({
          startedAt: { $lte: end },
          $or: [{ finishedAt: null }, { finishedAt: { $gte: start } }],
        }),
      )
      .maxTimeMS(RUN_STREAM_MAX_TIME_MS)
      .batchSize(500)
      .lean<ConnectorRunDocument[]>()
      .cursor();
    try {
      for await (const doc of cursor) yield toRun(doc);
    } finally {
      await cursor.close();
    }
  }

  /** The runs with these ids (unknown ids are skipped), in batches: `$in` scans on FerretDB 1.x. */
  async *byIds(ids: readonly string[]): AsyncGenerator<ConnectorRun> {
    for (let start = 0; start < ids.length; start += IDS_PER_QUERY) {
      const batch = ids.slice(start, start + IDS_PER_QUERY).flatMap((id) => toObjectId(id) ?? []);
      const docs = await this.model
        .find(this.scope({ _id: { $in: batch } }))
        .maxTimeMS(RUN_STREAM_MAX_TIME_MS)
        .lean<ConnectorRunDocument[]>();
      for (const doc of docs) yield toRun(doc);
    }
  }

  /** The connection's latest run that had finished before `before` (whatever its outcome), or undefined. */
  async lastFinishedBefore(connectionId: string, before: Date): Promise<ConnectorRun | undefined> {
    const doc = await this.model
      .findOne(
        this.scope({
          connectionId: new Types.ObjectId(connectionId),
          status: { $ne: 'RUNNING' },
          finishedAt: { $lt: before },
        }),
      )
      .sort({ finishedAt: -1 })
      .lean<ConnectorRunDocument>()
      .maxTimeMS(30_000);
    return doc === null ? undefined : toRun(doc);
  }

  async findRunning(connectionId: string): Promise<ConnectorRun | undefined> {
    const doc = await this.model
      .findOne(this.scope({ connectionId: new Types.ObjectId(connectionId), status: 'RUNNING' }))
      .sort({ _id: -1 })
      .lean<ConnectorRunDocument>();
    return doc === null ? undefined : toRun(doc);
  }

  async findById(id: string): Promise<ConnectorRun | undefined> {
    const _id = toObjectId(id);
    if (_id === undefined) return undefined;
    const doc = await this.model.findOne(this.scope({ _id })).lean<ConnectorRunDocument>();
    return doc === null ? undefined : toRun(doc);
  }

  async page(connectionId: string, limit: number, beforeId?: string): Promise<ConnectorRun[]> {
    const filter = {
      connectionId: new Types.ObjectId(connectionId),
      ...(beforeId === undefined ? {} : { _id: { $lt: toObjectId(beforeId) } }),
    };
    const docs = await this.model
      .find(this.scope(filter))
      .sort({ _id: -1 })
      .limit(limit)
      .lean<ConnectorRunDocument[]>();
    return docs.map(toRun);
  }
}

function toRun(doc: ConnectorRunDocument): ConnectorRun {
  return {
    id: doc._id.toHexString(),
    connectionId: doc.connectionId.toHexString(),
    trigger: doc.trigger,
    status: doc.status,
    startedAt: doc.startedAt,
    finishedAt: doc.finishedAt ?? null,
    stats: doc.stats ?? [],
    grantedScopes: doc.grantedScopes ?? [],
    error: doc.error ?? null,
  };
}
