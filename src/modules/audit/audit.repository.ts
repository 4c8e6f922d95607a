import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { type Model, type QueryFilter, Types } from 'mongoose';
import { TenantRepository, toObjectId } from '#src/common/tenancy/tenant.repository';
import { type AuditEntry, type AuditEntryContent } from './audit-chain';
import { type AuditAction, AuditLogDocument } from './audit.schema';

export interface AuditLogQuery {
  readonly action?: AuditAction;
  /** Any of these actions (with `action`, both must hold). */
  readonly actions?: readonly AuditAction[];
  readonly targetType?: string;
  readonly targetId?: string;
  readonly from?: Date;
  readonly to?: Date;
  /** Keyset: entries with a smaller `seq` than this (newest first). */
  readonly beforeSeq?: number;
}

type AuditLean = AuditLogDocument;

/** Only the audit service uses this repository; other modules go through `AuditService`. */
/** Reading a whole chain sorts it (FerretDB 1.x): longer than the default query bound. */
const CHAIN_MAX_TIME_MS = 120_000;

@Injectable()
export class AuditRepository extends TenantRepository<AuditLogDocument> implements OnModuleInit {
  constructor(@InjectModel(AuditLogDocument.name) model: Model<AuditLogDocument>) {
    super(model);
  }

  async onModuleInit(): Promise<void> {
    await this.model.init();
  }

  async head(): Promise<{ seq: number; hash: string; at: Date } | undefined> {
    const doc = await this.model
      .findOne(this.scope(), { seq: 1, hash: 1, at: 1 })
      .sort({ seq: -1 })
      .lean<AuditLean>();
    return doc === null ? undefined : { seq: doc.seq, hash: doc.hash, at: doc.at };
  }

  async findBySeq(seq: number): Promise<{ seq: number; hash: string } | undefined> {
    const doc = await this.model.findOne(this.scope({ seq }), { seq: 1, hash: 1 }).lean<AuditLean>();
    return doc === null ? undefined : { seq: doc.seq, hash: doc.hash };
  }

  /** Inserts one link; a duplicate `{organizationId, seq}` (a concurrent append won) rejects with code 11000. */
  async insert(entry: AuditEntryContent & { hash: string }): Promise<AuditEntry> {
    const doc = await this.model.create(
      this.owned({
        seq: entry.seq,
        at: entry.at,
        actor: entry.actor,
        action: entry.action,
        target: entry.target,
        details: entry.details,
        prevHash: entry.prevHash,
        hash: entry.hash,
      }),
    );
    return toEntry(doc.toObject());
  }

  async findById(id: string): Promise<AuditEntry | undefined> {
    const objectId = toObjectId(id);
    if (objectId === undefined) return undefined;
    const doc = await this.model.findOne(this.scope({ _id: objectId })).lean<AuditLean>();
    return doc === null ? undefined : toEntry(doc);
  }

  async page(query: AuditLogQuery, limit: number): Promise<AuditEntry[]> {
    const filter: QueryFilter<AuditLogDocument> = {};
    if (query.action !== undefined) filter.action = query.action;
    else if (query.actions !== undefined) filter.action = { $in: [...query.actions] };
    if (query.targetType !== undefined) filter['target.type'] = query.targetType;
    if (query.targetId !== undefined) filter['target.id'] = query.targetId;
    if (query.from !== undefined || query.to !== undefined) {
      filter.at = { ...(query.from ? { $gte: query.from } : {}), ...(query.to ? { $lt: query.to } : {}) };
    }
    if (query.beforeSeq !== undefined) filter.seq = { $lt: query.beforeSeq };
    const docs = await this.model.find(this.scope(filter)).sort({ seq: -1 }).limit(limit).lean<AuditLean[]>();
    return docs.map(toEntry);
  }

  /**
   * The chain in `seq` order (up to entry `uptoSeq`, or whole), streamed; the cursor is closed however the
   * reader stops.
   */
  async *chain(uptoSeq?: number): AsyncGenerator<AuditEntry> {
    const cursor = this.model
      .find(this.scope(uptoSeq === undefined ? {} : { seq: { $lte: uptoSeq } }))
      .sort({ seq: 1 })
      .maxTimeMS(CHAIN_MAX_TIME_MS)
      .lean<AuditLean[]>()
      .cursor();
    try {
      for await (const doc of cursor) yield toEntry(doc);
    } finally {
      await cursor.close();
    }
  }
}

function toEntry(doc: AuditLean & { organizationId: Types.ObjectId }): AuditEntry {
  return {
    id: doc._id.toHexString(),
    organizationId: doc.organizationId.toHexString(),
    seq: doc.seq,
    at: doc.at,
    actor: { type: doc.actor.type, id: doc.actor.id },
    action: doc.action,
    target: { type: doc.target.type, id: doc.target.id },
    details: doc.details ?? {},
    prevHash: doc.prevHash,
    hash: doc.hash,
  };
}
