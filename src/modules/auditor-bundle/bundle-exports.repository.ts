import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { type Model, Types } from 'mongoose';
import { TenantRepository, toObjectId } from '#src/common/tenancy/tenant.repository';
import { type PopulationSummary } from '#src/verifier/bundle-manifest';
import { BundleExportDocument, type ExportStatus } from './bundle-export.schema';

export interface BundleExport {
  readonly id: string;
  readonly assessmentId: string;
  readonly status: ExportStatus;
  readonly requestedBy: string;
  readonly createdAt: Date;
  readonly heartbeatAt: Date;
  readonly finishedAt: Date | null;
  readonly rows: number;
  readonly bytes: number;
  readonly chunks: number;
  readonly sha256: string | null;
  readonly manifestSha256: string | null;
  readonly draft: boolean | null;
  readonly populations: readonly PopulationSummary[];
  readonly error: string | null;
}

export interface FinishedExport {
  readonly bytes: number;
  readonly chunks: number;
  readonly sha256: string;
  readonly manifestSha256: string;
  readonly draft: boolean;
  readonly rows: number;
  readonly populations: readonly PopulationSummary[];
}

const QUERY_MAX_TIME_MS = 30_000;

/** The organization in context's bundle exports and their bytes. */
@Injectable()
export class BundleExportsRepository extends TenantRepository<BundleExportDocument> implements OnModuleInit {
  constructor(@InjectModel(BundleExportDocument.name) model: Model<BundleExportDocument>) {
    super(model);
  }

  async onModuleInit(): Promise<void> {
    await this.model.init();
  }

  /** Starts an export; undefined when one is already running for the organization (the unique slot). */
  async insertRunning(assessmentId: string, requestedBy: string): Promise<BundleExport | undefined> {
    const now = new Date();
    try {
      const doc = await this.model.create(
        this.owned({
          assessmentId: new Types.ObjectId(assessmentId),
          status: 'RUNNING' as const,
          slot: 'running',
          requestedBy,
          createdAt: now,
          heartbeatAt: now,
        }),
      );
      return toExport(doc.toObject());
    } catch (error) {
      if ((error as { code?: unknown }).code === 11000) return undefined;
      throw error;
    }
  }

  async findRunning(): Promise<BundleExport | undefined> {
    const doc = await this.model
      .findOne(this.scope({ slot: 'running' }))
      .lean<BundleExportDocument>()
      .maxTimeMS(QUERY_MAX_TIME_MS);
    return doc === null ? undefined : toExport(doc);
  }

  async findById(id: string): Promise<BundleExport | undefined> {
    const _id = toObjectId(id);
    if (_id === undefined) return undefined;
    const doc = await this.model
      .findOne(this.scope({ _id }))
      .lean<BundleExportDocument>()
      .maxTimeMS(QUERY_MAX_TIME_MS);
    return doc === null ? undefined : toExport(doc);
  }

  /** The assessment's exports, newest first. */
  async ofAssessment(assessmentId: string, limit: number): Promise<BundleExport[]> {
    const docs = await this.model
      .find(this.scope({ assessmentId: new Types.ObjectId(assessmentId) }))
      .sort({ _id: -1 })
      .limit(limit)
      .lean<BundleExportDocument[]>()
      .maxTimeMS(QUERY_MAX_TIME_MS);
    return docs.map(toExport);
  }

  async heartbeat(id: string, rows: number): Promise<void> {
    await this.model.updateOne(this.scope({ _id: new Types.ObjectId(id), status: 'RUNNING' }), {
      $set: { heartbeatAt: new Date(), rows },
    });
  }

  /** READY, unless it is no longer RUNNING (taken over as interrupted): false then. */
  async markReady(id: string, result: FinishedExport): Promise<boolean> {
    const updated = await this.model.updateOne(
      this.scope({ _id: new Types.ObjectId(id), status: 'RUNNING' }),
      {
        $set: {
          ...result,
          status: 'READY',
          slot: `done:${id}`,
          finishedAt: new Date(),
          populations: [...result.populations],
        },
      },
    );
    return updated.modifiedCount === 1;
  }

  /** FAILED, if it is still RUNNING (a finished export stays as it finished). */
  async markFailed(id: string, error: string): Promise<void> {
    await this.model.updateOne(this.scope({ _id: new Types.ObjectId(id), status: 'RUNNING' }), {
      $set: { status: 'FAILED', slot: `done:${id}`, finishedAt: new Date(), error },
    });
  }

  /** A superseded export: its bytes are removed (`deleteChunks`), its record and audit entry stay. */
  async markExpired(id: string): Promise<void> {
    await this.model.updateOne(this.scope({ _id: new Types.ObjectId(id), status: 'READY' }), {
      $set: { status: 'EXPIRED' },
    });
  }
}

function toExport(doc: BundleExportDocument): BundleExport {
  return {
    id: doc._id.toHexString(),
    assessmentId: doc.assessmentId.toHexString(),
    status: doc.status,
    requestedBy: doc.requestedBy,
    createdAt: doc.createdAt,
    heartbeatAt: doc.heartbeatAt,
    finishedAt: doc.finishedAt ?? null,
    rows: doc.rows ?? 0,
    bytes: doc.bytes ?? 0,
    chunks: doc.chunks ?? 0,
    sha256: doc.sha256 ?? null,
    manifestSha256: doc.manifestSha256 ?? null,
    draft: doc.draft ?? null,
    populations: (doc.populations ?? []) as PopulationSummary[],
    error: doc.error ?? null,
  };
}
