import { Injectable } from '@nestjs/common';
import { Types } from 'mongoose';
import { type EvidenceQuery, EvidenceRepository } from './evidence.repository';
import { type Evidence, type EvidenceItem, fingerprint, type WriteCounts } from './evidence.types';

export interface CollectionTarget {
  readonly connectionId: string;
  readonly connectorKey: string;
  readonly runId: string;
  readonly collectedAt: Date;
}

/**
 * The only way evidence is written. Per batch: unchanged item → nothing; new item → new row; changed item
 * → new row and the previous row closed. After a *complete* collection of a type, `closeVanished` ends
 * the rows of items no longer seen; a failed or partial collection never calls it.
 */
@Injectable()
export class EvidenceService {
  constructor(private readonly evidence: EvidenceRepository) {}

  async write(target: CollectionTarget, type: string, items: readonly EvidenceItem[]): Promise<WriteCounts> {
    const counts: WriteCounts = { inserted: 0, closed: 0, unchanged: 0 };
    if (items.length === 0) return counts;
    const unique = new Map(items.map((item) => [item.sourceId, item]));
    const current = await this.evidence.current(target.connectionId, type, [...unique.keys()]);
    const inserts: Parameters<EvidenceRepository['insertMany']>[0][number][] = [];
    const closes: string[] = [];
    for (const item of unique.values()) {
      const print = fingerprint(item);
      const previous = current.get(item.sourceId);
      if (previous?.fingerprint === print) {
        counts.unchanged += 1;
        continue;
      }
      if (previous !== undefined) closes.push(previous.id);
      inserts.push({
        connectionId: new Types.ObjectId(target.connectionId),
        runId: new Types.ObjectId(target.runId),
        connectorKey: target.connectorKey,
        type,
        sourceId: item.sourceId,
        controls: [...item.controls],
        data: { ...item.data },
        fingerprint: print,
        collectedAt: target.collectedAt,
      });
    }
    // Close first: the new row of a changed item may carry content an older, closed row had.
    counts.closed += await this.evidence.close(closes, target.collectedAt);
    await this.evidence.insertMany(inserts);
    counts.inserted += inserts.length;
    return counts;
  }

  /** After a complete collection: ends current rows whose source id was not seen. */
  async closeVanished(
    connectionId: string,
    type: string,
    seen: ReadonlySet<string>,
    at: Date,
  ): Promise<number> {
    let closed = 0;
    let batch: string[] = [];
    for await (const row of this.evidence.currentSourceIds(connectionId, type)) {
      if (seen.has(row.sourceId)) continue;
      batch.push(row.id);
      if (batch.length >= 500) {
        closed += await this.evidence.close(batch, at);
        batch = [];
      }
    }
    return closed + (await this.evidence.close(batch, at));
  }

  /** Current data of items, for collectors that carry state forward instead of re-fetching it. */
  async currentData(
    connectionId: string,
    type: string,
    sourceIds: readonly string[],
  ): Promise<Map<string, Record<string, unknown>>> {
    const rows = await this.evidence.current(connectionId, type, sourceIds);
    return new Map([...rows].map(([sourceId, row]) => [sourceId, row.data]));
  }

  /** Current rows of `type` across the organization's connections, streamed (for checks). */
  currentRows(
    type: string,
  ): AsyncGenerator<{ connectionId: string; sourceId: string; data: Record<string, unknown> }> {
    return this.evidence.currentRowsOfType(type);
  }

  async countCurrent(connectionId: string, types: readonly string[]): Promise<Record<string, number>> {
    const counts = await Promise.all(
      types.map(async (type) => [type, await this.evidence.countCurrent(connectionId, type)] as const),
    );
    return Object.fromEntries(counts);
  }

  /** After the retention window of a revoked connection: removes its rows not attached to an assessment. */
  purgeUnattached(connectionId: string): Promise<number> {
    return this.evidence.purgeUnattached(connectionId);
  }

  page(query: EvidenceQuery, limit: number): Promise<Evidence[]> {
    return this.evidence.page(query, limit);
  }
}
