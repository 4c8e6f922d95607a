import { Injectable } from '@nestjs/common';
import { Types } from 'mongoose';
import { type CurrentRow, type EvidenceQuery, EvidenceRepository } from './evidence.repository';
import { type Evidence, type EvidenceItem, fingerprint, type WriteCounts } from './evidence.types';

/**
 * Current rows already read for one batch (a collector that carries state forward reads them before the
 * batch is written): lets `write` skip reading them again. One batch at a time, so memory stays bounded.
 */
export class CurrentRowsMemo {
  private readonly asked = new Set<string>();
  private readonly rows = new Map<string, CurrentRow>();

  remember(type: string, sourceIds: readonly string[], rows: ReadonlyMap<string, CurrentRow>): void {
    for (const id of sourceIds) this.asked.add(`${type}\u0000${id}`);
    for (const [id, row] of rows) this.rows.set(`${type}\u0000${id}`, row);
  }

  /** The current rows of these items, if every one of them was looked up already. */
  lookup(type: string, sourceIds: readonly string[]): Map<string, CurrentRow> | undefined {
    if (!sourceIds.every((id) => this.asked.has(`${type}\u0000${id}`))) return undefined;
    const found = new Map<string, CurrentRow>();
    for (const id of sourceIds) {
      const row = this.rows.get(`${type}\u0000${id}`);
      if (row !== undefined) found.set(id, row);
    }
    return found;
  }

  clear(): void {
    this.asked.clear();
    this.rows.clear();
  }
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
    const current = memo?.lookup(type, ids) ?? (await this.evidence.current(target.connectionId, type, ids));
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
    memo?: CurrentRowsMemo,
  ): Promise<Map<string, Record<string, unknown>>> {
    const rows = await this.evidence.current(connectionId, type, sourceIds);
    memo?.remember(type, sourceIds, rows);
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
