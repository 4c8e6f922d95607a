/** What a run knows of one item's current row: enough to diff, close and carry state forward. */
export interface IndexedRow {
  readonly id: string;
  readonly sourceId: string;
  readonly fingerprint: string;
  readonly collectedAt: Date;
  /** The collector's carried fields of the row's data (`Collector.carries`), when it declares any. */
  readonly carried?: Record<string, unknown>;
}

interface Entry {
  id: string;
  fingerprint: string;
  collectedAt: number;
  /** JSON of the carried fields until the item is written in this run (a string is far smaller than objects). */
  carried: string | undefined;
  seen: boolean;
}

/**
 * The current rows of one (connection, evidence type), read once per run in one streamed pass and kept as a
 * compact map for the run: source id → row id, fingerprint, collection time and the carried fields. Writes
 * diff against it instead of looking rows up per batch, and keep it up to date; after a complete
 * collection, the rows of items never seen are the vanished ones.
 *
 * An item current twice (a write interrupted between inserting a successor and closing its predecessor)
 * keeps its newest row; the older ones are `superseded`, each to be closed as of its successor's time.
 */
export class CurrentIndex {
  private readonly entries = new Map<string, Entry>();
  private readonly older: { id: string; at: Date }[] = [];

  constructor(readonly type: string) {}

  get size(): number {
    return this.entries.size;
  }

  /** Adds a stored current row (while the index is read). */
  add(row: IndexedRow): void {
    const entry: Entry = {
      id: row.id,
      fingerprint: row.fingerprint,
      collectedAt: row.collectedAt.getTime(),
      carried: row.carried === undefined ? undefined : JSON.stringify(row.carried),
      seen: false,
    };
    const other = this.entries.get(row.sourceId);
    if (other === undefined) {
      this.entries.set(row.sourceId, entry);
      return;
    }
    const [winner, loser] = newerEntry(other, entry) === other ? [other, entry] : [entry, other];
    this.entries.set(row.sourceId, winner);
    this.older.push({ id: loser.id, at: new Date(winner.collectedAt) });
  }

  /** Rows current beside a newer row of their item, with the time each was succeeded; emptied when taken. */
  takeSuperseded(): { id: string; at: Date }[] {
    return this.older.splice(0);
  }

  /** The current row's id and fingerprint, if the item has one. */
  current(sourceId: string): { id: string; fingerprint: string } | undefined {
    const entry = this.entries.get(sourceId);
    return entry === undefined ? undefined : { id: entry.id, fingerprint: entry.fingerprint };
  }

  /** The carried fields of the item's current row, as stored before this run wrote it. */
  carried(sourceId: string): Record<string, unknown> | undefined {
    const json = this.entries.get(sourceId)?.carried;
    return json === undefined ? undefined : (JSON.parse(json) as Record<string, unknown>);
  }

  /** The item was collected in this run: its row is now `id` (unchanged, or just inserted). */
  written(sourceId: string, id: string, fingerprint: string, at: Date): void {
    this.entries.set(sourceId, {
      id,
      fingerprint,
      collectedAt: at.getTime(),
      carried: undefined,
      seen: true,
    });
  }

  /** Ids of current rows whose item was not collected in this run. */
  unseen(): string[] {
    const ids: string[] = [];
    for (const entry of this.entries.values()) if (!entry.seen) ids.push(entry.id);
    return ids;
  }
}

/** The newer of two rows of one item: later collection, then the larger id (ids grow with time). */
function newerEntry(a: Entry, b: Entry): Entry {
  if (a.collectedAt !== b.collectedAt) return a.collectedAt > b.collectedAt ? a : b;
  return a.id > b.id ? a : b;
}
