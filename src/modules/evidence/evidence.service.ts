import { Injectable } from '@nestjs/common';
import { Types } from 'mongoose';
import { CurrentIndex } from './current-index';
import { type EvidenceQuery, EvidenceRepository, newer } from './evidence.repository';
import { type Evidence, type EvidenceItem, fingerprint, type WriteCounts } from './evidence.types';

/** One run's current rows of a connection, read once on first use; a failed read is tried again next time. */
export class RunCurrentRows {
  private loading: Promise<Map<string, CurrentIndex>> | undefined;

  constructor(private readonly load: () => Promise<Map<string, CurrentIndex>>) {}

  async of(type: string): Promise<CurrentIndex> {
    this.loading ??= this.load().catch((error: unknown) => {
      this.loading = undefined;
      throw error;
    });
    const index = (await this.loading).get(type);
    if (index === undefined) throw new Error(`The run did not read the current rows of ${type}`);
    return index;
  }
}

/** A current item as a refresh reads it. */
export interface CurrentItem {
  readonly connectionId: string;
  readonly sourceId: string;
  readonly data: Record<string, unknown>;
}

/** An item a write changed: new (no `beforeId`) or with new content; `before` is its stored watched fields. */
export interface ItemDiff {
  readonly sourceId: string;
  readonly beforeId: string | undefined;
  readonly afterId: string | undefined;
  /** The new content's fingerprint (undefined for a vanished item). */
  readonly afterFingerprint: string | undefined;
  readonly before: Record<string, unknown> | undefined;
  readonly after: Readonly<Record<string, unknown>> | undefined;
}

/** What one batch's write did, and the items it inserted a row for (the change feed's input). */
export interface WriteResult extends WriteCounts {
  readonly changed: ItemDiff[];
}

export interface CollectionTarget {
  readonly connectionId: string;
  readonly connectorKey: string;
  readonly runId: string;
  readonly collectedAt: Date;
}

/**
 * The only way evidence is written. A run reads the connection's current rows once (`forRun`: one
 * streamed cursor for all the types it collects, into a `CurrentIndex` per type), then per batch: unchanged
 * item → nothing; new item → new row; changed item → new row and the previous row closed. After a
 * *complete* collection of a type, `closeVanished` ends the rows of items no longer seen; a failed or
 * partial collection never calls it. No query per batch or per item: a sync's reads grow with the org's
 * size only through the one stream.
 *
 * Nothing is lost when a write fails part-way: successors are inserted before their predecessors are
 * closed, so an interruption can leave an item current twice but never not at all. Readers take the newest
 * row; the next run closes the older one (`heal`) as of the moment its successor was collected, which makes
 * the history exact again.
 */
@Injectable()
export class EvidenceService {
  constructor(private readonly evidence: EvidenceRepository) {}

  /**
   * The current rows of a connection for one run, for every type it collects: read on first use, in one
   * streamed pass for all types (on a backend that scans the collection for any filter, each separate
   * read is a whole scan), with each type's `carries` fields of their data.
   */
  forRun(
    connectionId: string,
    types: readonly { type: string; carries: readonly string[]; watches?: readonly string[] }[],
  ): RunCurrentRows {
    return new RunCurrentRows(async () => {
      const indexes = new Map(types.map(({ type }) => [type, new CurrentIndex(type)]));
      const fieldsOf = new Map(types.map((t) => [t.type, { carries: t.carries, watches: t.watches ?? [] }]));
      const fields = [...new Set(types.flatMap((t) => [...t.carries, ...(t.watches ?? [])]))];
      // Drained and closed before the run writes (FerretDB holds a backend connection per open cursor).
      for await (const { data, ...row } of this.evidence.currentRows(
        connectionId,
        [...indexes.keys()],
        fields,
      )) {
        const of = fieldsOf.get(row.type);
        if (of === undefined) continue;
        indexes.get(row.type)?.add({
          ...row,
          ...(of.carries.length === 0 ? {} : { carried: picked(data, of.carries) }),
          ...(of.watches.length === 0 ? {} : { watched: picked(data, of.watches) }),
        });
      }
      return indexes;
    });
  }

  /**
   * Closes the rows left current beside a newer row of their item (an interrupted write), each as of its
   * successor's time; before a run writes the type, since an item's content may have returned to theirs
   * and the unique current-content slot must be free for it.
   */
  heal(index: CurrentIndex): Promise<number> {
    return this.closeAt(index.takeSuperseded());
  }

  async write(
    target: CollectionTarget,
    index: CurrentIndex,
    items: readonly EvidenceItem[],
  ): Promise<WriteResult> {
    const counts: WriteResult = { inserted: 0, closed: 0, unchanged: 0, changed: [] };
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
      counts.changed.push({
        sourceId: item.sourceId,
        beforeId: previous?.id,
        afterId: id.toHexString(),
        afterFingerprint: print,
        before: index.watched(item.sourceId),
        after: item.data,
      });
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

  /** One row of the organization in context, by id. */
  byId(id: string): Promise<Evidence | undefined> {
    return this.evidence.findById(id);
  }

  /** After a complete collection, before `closeVanished`: the items this run did not see, as diffs to nothing. */
  vanished(index: CurrentIndex): ItemDiff[] {
    return index.unseenRows().map((row) => ({
      sourceId: row.sourceId,
      beforeId: row.id,
      afterId: undefined,
      afterFingerprint: undefined,
      before: row.watched,
      after: undefined,
    }));
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
   * Every current item of the organization in one streamed pass, with `fields` of its data: each item's
   * newest row goes to `sink` as it is met (`replaces`: a newer row of an item already given, after an
   * interrupted write), and the result is how many items each connection has of each type. Holds a small
   * entry per item, never the rows: on a backend that scans the collection for any filter (FerretDB 1.x),
   * one pass is also one scan. With `asOf`, the items as they were then: the rows valid at that instant.
   */
  async scan(
    fields: readonly string[],
    sink: (type: string, key: string, item: CurrentItem, replaces: boolean) => void,
    asOf?: Date,
  ): Promise<Map<string, Record<string, number>>> {
    const newest = new Map<string, { id: string; collectedAt: Date }>();
    const counts = new Map<string, Record<string, number>>();
    for await (const row of this.evidence.currentRowsOfOrganization(fields, asOf)) {
      const key = `${row.connectionId}\u0000${row.type}\u0000${row.sourceId}`;
      const seen = newest.get(key);
      if (seen !== undefined && newer(seen, row) === seen) continue;
      newest.set(key, { id: row.id, collectedAt: row.collectedAt });
      if (seen === undefined) {
        const perType = counts.get(row.connectionId) ?? {};
        perType[row.type] = (perType[row.type] ?? 0) + 1;
        counts.set(row.connectionId, perType);
      }
      sink(row.type, key, row, seen !== undefined);
    }
    return counts;
  }

  /** After the retention window of a revoked connection: removes its rows not attached to an assessment. */
  purgeUnattached(connectionId: string): Promise<number> {
    return this.evidence.purgeUnattached(connectionId);
  }

  /** Every row of `type` valid at some moment of [start, end], streamed in no particular order. */
  population(type: string, start: Date, end: Date): AsyncGenerator<Evidence> {
    return this.evidence.population(type, start, end);
  }

  page(query: EvidenceQuery, limit: number): Promise<Evidence[]> {
    return this.evidence.page(query, limit);
  }
}

function picked(
  data: Record<string, unknown> | undefined,
  fields: readonly string[],
): Record<string, unknown> {
  const from = data ?? {};
  return Object.fromEntries(fields.filter((f) => f in from).map((f) => [f, from[f]]));
}
