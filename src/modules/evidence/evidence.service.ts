import { Injectable } from '@nestjs/common';
import { Types } from 'mongoose';
import { type CurrentRow, type EvidenceQuery, EvidenceRepository, newer } from './evidence.repository';
import { type Evidence, type EvidenceItem, fingerprint, type WriteCounts } from './evidence.types';

/**
 * Current rows already read for one batch (a collector that carries state forward reads them before the
 * batch is written): lets `write` skip reading them again. One batch at a time, so memory stays bounded.
 */
export class CurrentRowsMemo {
  private readonly asked = new Set<string>();
  private readonly rows = new Map<string, CurrentRow[]>();

  remember(type: string, sourceIds: readonly string[], rows: readonly CurrentRow[]): void {
    for (const id of sourceIds) this.asked.add(`${type}\u0000${id}`);
    for (const row of rows) {
      const key = `${type}\u0000${row.sourceId}`;
      this.rows.set(key, [...(this.rows.get(key) ?? []), row]);
    }
  }

  /** The current rows of these items, if every one of them was looked up already. */
  lookup(type: string, sourceIds: readonly string[]): CurrentRow[] | undefined {
    if (!sourceIds.every((id) => this.asked.has(`${type}\u0000${id}`))) return undefined;
    return sourceIds.flatMap((id) => this.rows.get(`${type}\u0000${id}`) ?? []);
  }

  clear(): void {
    this.asked.clear();
    this.rows.clear();
  }
}

/**
 * Per item, its newest current row, and the older rows still current beside it (an interrupted write
 * inserted the successor but did not close the predecessor), each to be closed when its successor began.
 */
function resolveCurrent(rows: readonly CurrentRow[]): {
  newest: Map<string, CurrentRow>;
  superseded: { id: string; at: Date }[];
} {
  const byItem = new Map<string, CurrentRow[]>();
  for (const row of rows) byItem.set(row.sourceId, [...(byItem.get(row.sourceId) ?? []), row]);
  const newest = new Map<string, CurrentRow>();
  const superseded: { id: string; at: Date }[] = [];
  for (const [sourceId, group] of byItem) {
    const winner = group.reduce(newer);
    newest.set(sourceId, winner);
    for (const row of group)
      if (row.id !== winner.id) superseded.push({ id: row.id, at: winner.collectedAt });
  }
  return { newest, superseded };
}

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
 *
 * Nothing is lost when a write fails part-way: successors are inserted before their predecessors are
 * closed, so an interruption can leave an item current twice but never not at all. Readers take the newest
 * row; the next write of the item (or the next complete collection) closes the older one as of the moment
 * its successor was collected, which makes the history exact again.
 */
@Injectable()
export class EvidenceService {
  constructor(private readonly evidence: EvidenceRepository) {}

  async write(
    target: CollectionTarget,
    type: string,
    items: readonly EvidenceItem[],
    memo?: CurrentRowsMemo,
  ): Promise<WriteCounts> {
    const counts: WriteCounts = { inserted: 0, closed: 0, unchanged: 0 };
    if (items.length === 0) return counts;
    const unique = new Map(items.map((item) => [item.sourceId, item]));
    const ids = [...unique.keys()];
    const { newest: current, superseded } = resolveCurrent(
      memo?.lookup(type, ids) ?? (await this.evidence.current(target.connectionId, type, ids)),
    );
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
    // Rows already superseded go first: their item stays current through its newest row, and the item's
    // content may have returned to theirs (the unique current-content slot must be free for it).
    counts.closed += await this.closeSuperseded(superseded);
    // Successors before predecessors: a failure in between leaves both current (healed later), never neither.
    if (inserts.length > 0) await this.evidence.insertMany(inserts);
    counts.inserted += inserts.length;
    if (closes.length > 0) counts.closed += await this.evidence.close(closes, target.collectedAt);
    return counts;
  }

  private async closeSuperseded(rows: readonly { id: string; at: Date }[]): Promise<number> {
    let closed = 0;
    const byTime = new Map<number, string[]>();
    for (const row of rows) byTime.set(row.at.getTime(), [...(byTime.get(row.at.getTime()) ?? []), row.id]);
    for (const [at, ids] of byTime) closed += await this.evidence.close(ids, new Date(at));
    return closed;
  }

  /** After a complete collection: ends current rows whose source id was not seen. */
  async closeVanished(
    connectionId: string,
    type: string,
    seen: ReadonlySet<string>,
    at: Date,
  ): Promise<number> {
    const vanished: string[] = [];
    const seenRows: CurrentRow[] = [];
    for await (const row of this.evidence.currentSourceIds(connectionId, type)) {
      if (!seen.has(row.sourceId)) vanished.push(row.id);
      else seenRows.push({ ...row, fingerprint: '', data: {} });
    }
    // The cursor is closed before writing (FerretDB holds a backend connection per open cursor).
    const { superseded } = resolveCurrent(seenRows);
    return (await this.evidence.close(vanished, at)) + (await this.closeSuperseded(superseded));
  }

  /** Current data of items, for collectors that carry state forward instead of re-fetching it. */
  async currentData(
    connectionId: string,
    type: string,
    sourceIds: readonly string[],
    memo?: CurrentRowsMemo,
  ): Promise<Map<string, Record<string, unknown>>> {
    const rows = await this.evidence.current(connectionId, type, sourceIds);
    memo?.remember(type, sourceIds, rows);
    return new Map([...resolveCurrent(rows).newest].map(([sourceId, row]) => [sourceId, row.data]));
  }

  /**
   * Current items of `type` across the organization's connections, newest row per item (for checks).
   * Holds one entry per item: checks evaluate every item anyway.
   */
  async currentItems(
    type: string,
  ): Promise<{ connectionId: string; sourceId: string; data: Record<string, unknown> }[]> {
    const items = new Map<
      string,
      { id: string; connectionId: string; sourceId: string; data: Record<string, unknown>; collectedAt: Date }
    >();
    for await (const row of this.evidence.currentRowsOfType(type)) {
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
