import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { type Model, Types } from 'mongoose';
import { TenantRepository } from '#src/common/tenancy/tenant.repository';
import { type CheckItem, type CheckKey } from './checks/check.types';
import { CheckFailuresDocument } from './coverage.schema';

/** Items per stored chunk: a chunk is about 100 kB, and a page of up to 100 items reads one or two. */
export const FAILURES_CHUNK = 1000;
/** A generation is kept at least this long after it was made, whichever generation the state points at. */
const GENERATION_GRACE_MS = 10 * 60_000;

/** A new generation id: an ObjectId's hex, whose first 8 digits are its time, so ids order by time. */
export function newGeneration(): string {
  return new Types.ObjectId().toHexString();
}

/**
 * The failing items of the organization's checks, one generation per refresh. A refresh writes its
 * generation in full (inserts only) before `coverage_state` points at it, so a reader never sees a
 * generation half written; older generations are deleted afterwards.
 */
@Injectable()
export class CheckFailuresRepository extends TenantRepository<CheckFailuresDocument> {
  constructor(@InjectModel(CheckFailuresDocument.name) model: Model<CheckFailuresDocument>) {
    super(model);
  }

  async write(generation: string, check: CheckKey, items: readonly CheckItem[]): Promise<void> {
    const chunks: Omit<CheckFailuresDocument, 'organizationId'>[] = [];
    for (let start = 0; start < items.length; start += FAILURES_CHUNK) {
      chunks.push({
        generation,
        check,
        chunk: chunks.length,
        items: items.slice(start, start + FAILURES_CHUNK).map(({ sourceId, label, reason }) => ({
          sourceId,
          label,
          reason,
        })),
      });
    }
    if (chunks.length > 0)
      await this.model.insertMany(
        chunks.map((c) => this.owned(c)),
        { ordered: false },
      );
  }

  /** Up to `limit` items from position `offset` (one read per chunk touched). */
  async slice(generation: string, check: CheckKey, offset: number, limit: number): Promise<CheckItem[]> {
    const items: CheckItem[] = [];
    const first = Math.floor(offset / FAILURES_CHUNK);
    const last = Math.floor((offset + limit - 1) / FAILURES_CHUNK);
    for (let chunk = first; chunk <= last; chunk += 1) {
      const doc = await this.model
        .findOne(this.scope({ generation, check, chunk }), { items: 1 })
        .lean<Pick<CheckFailuresDocument, 'items'>>();
      if (doc === null) break;
      const from = chunk === first ? offset - chunk * FAILURES_CHUNK : 0;
      items.push(...(doc.items.slice(from) as unknown as CheckItem[]));
    }
    return items.slice(0, limit);
  }

  /**
   * Deletes the generations older than `current` (the one `coverage_state` points at now) that were made
   * more than a grace period ago. Two refreshes can race (after a sync and after an exception, say) and
   * FerretDB has no transactions: a refresh writes its chunks and points the state at them within a few
   * milliseconds, so the grace keeps a generation until any refresh that wrote it has long pointed at it.
   */
  async deleteOlderThan(current: string): Promise<void> {
    // The wall clock, not a refresh's `now` (which a caller may set): generations are made on the wall clock.
    const graceEnd = Types.ObjectId.createFromTime(
      Math.floor((Date.now() - GENERATION_GRACE_MS) / 1000),
    ).toHexString();
    const bound = current < graceEnd ? current : graceEnd;
    await this.model.deleteMany(this.scope({ generation: { $lt: bound } }));
  }
}
