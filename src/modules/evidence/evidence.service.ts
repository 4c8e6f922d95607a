import { Injectable } from '@nestjs/common';
import { Types } from 'mongoose';
import { CurrentIndex } from './current-index';
import { type EvidenceQuery, EvidenceRepository, newer } from './evidence.repository';
import { type Evidence, type EvidenceItem, fingerprint, type WriteCounts } from './evidence.types';

export interface CollectionTarget {
  readonly connectionId: string;
  readonly connectorKey: string;
  readonly runId: string;
  readonly collectedAt: Date;
}

/**
 * The only way evidence is written. A run reads the current rows of each type it collects once (`open`, one
 * streamed cursor into a `CurrentIndex`), then per batch: unchanged item → nothing; new item → new row;
 * changed item → new row and the previous row closed. After a *complete* collection of a type,
 * `closeVanished` ends the rows of items no longer seen; a failed or partial collection never calls it.
 * No query per batch or per item: a sync's reads grow with the org's size only through the one stream.
 *
 * Nothing is lost when a write fails part-way: successors are inserted before their predecessors are
 * closed, so an interruption can leave an item current twice but never not at all. Readers take the newest
 * row; the next run's `open` closes the older one as of the moment its successor was collected, which makes
 * the history exact again.
 */
@Injectable()
export class EvidenceService {
  constructor(private readonly evidence: EvidenceRepository) {}

  /**
   * The current rows of (connection, type) for one run, with the `carries` fields of their data. Rows left
   * current beside a newer row of their item are closed first (`healed`): an item's content may have
   * returned to theirs, and the unique current-content slot must be free for it.
   */
  async open(
    connectionId: string,
    type: string,
    carries: readonly string[] = [],
  ): Promise<{ index: CurrentIndex; healed: number }> {
    const index = new CurrentIndex(type);
    // The cursor is drained and closed before writing (FerretDB holds a backend connection per open cursor).
    for await (const row of this.evidence.currentRows(connectionId, type, carries)) index.add(row);
    return { index, healed: await this.closeAt(index.takeSuperseded()) };
  }

  async write(
    target: CollectionTarget,
    index: CurrentIndex,
    items: readonly EvidenceItem[],
  ): Promise<WriteCounts> {
    const counts: WriteCounts = { inserted: 0, closed: 0, unchanged: 0 };
    if (items.length === 0) return counts;
    const unique = new Map(items.map((item) => [item.sourceId, item]));
    const inserts: Parameters<EvidenceRepository['insertMany']>[0][number][] = [];
    const closes: string[] = [];
    const written: [sourceId: string, id: string, fingerprint: string][] = [];
    for (const item of unique.values()) {
      const print = fingerprint(item);
      const previous = index.current(item.sourceId);
      if (previous?.fingerprint === print) {
        counts.unchanged += 1;
        written.push([item.sourceId, previous.id, print]);
        continue;
      }
      if (previous !== undefined) closes.push(previous.id);
      const id = new Types.ObjectId();
      written.push([item.sourceId, id.toHexString(), print]);
      inserts.push({
        _id: id,
        connectionId: new Types.ObjectId(target.connectionId),
        runId: new Types.ObjectId(target.runId),
        connectorKey: target.connectorKey,
        type: index.type,
        sourceId: item.sourceId,
        controls: [...item.controls],
        data: { ...item.data },
        fingerprint: print,
        collectedAt: target.collectedAt,
      });
    }
    // Successors before predecessors: a failure in between leaves both current (healed later), never neither.
    if (inserts.length > 0) await this.evidence.insertMany(inserts);
    counts.inserted += inserts.length;
    if (closes.length > 0) counts.closed += await this.evidence.close(closes, target.collectedAt);
    for (const [sourceId, id, print] of written) index.written(sourceId, id, print, target.collectedAt);
    return counts;
  }

  /** After a complete collection: ends the current rows of items this run did not see. */
  closeVanished(index: CurrentIndex, at: Date): Promise<number> {
    return this.evidence.close(index.unseen(), at);
  }

  private async closeAt(rows: readonly { id: string; at: Date }[]): Promise<number> {
    let closed = 0;
    const byTime = new Map<number, string[]>();
    for (const row of rows) byTime.set(row.at.getTime(), [...(byTime.get(row.at.getTime()) ?? []), row.id]);
    for (const [at, ids] of byTime) closed += await this.evidence.close(ids, new Date(at));
    return closed;
  }

  /**
   * Current items of `type` across the organization's connections, newest row per item (for checks), with
   * `fields` of their data (all when omitted). Holds one entry per item: checks evaluate every item anyway,
   * so a large type should be read with only the fields its checks use.
   */
  async currentItems(
    type: string,
    fields?: readonly string[],
  ): Promise<{ connectionId: string; sourceId: string; data: Record<string, unknown> }[]> {
    const items = new Map<
      string,
      { id: string; connectionId: string; sourceId: string; data: Record<string, unknown>; collectedAt: Date }
    >();
    for await (const row of this.evidence.currentRowsOfType(type, fields)) {
      const key = `${row.connectionId}\u0000${row.sourceId}`;
      const seen = items.get(key);
      items.set(key, seen === undefined ? row : newer(seen, row));
    }
    return [...items.values()].map(({ connectionId, sourceId, data }) => ({ connectionId, sourceId, data }));
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
