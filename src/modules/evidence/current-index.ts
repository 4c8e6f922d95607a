/** What a run knows of one item's current row: enough to diff, close and carry state forward. */
export interface IndexedRow {
  readonly id: string;
  readonly sourceId: string;
  readonly fingerprint: string;
  readonly collectedAt: Date;
  /** The collector's carried fields of the row's data (`Collector.carries`), when it declares any. */
  readonly carried?: Record<string, unknown>;
  /** The change feed's watched fields of the row's data (`ChangeDetector.watches`), when any are watched. */
  readonly watched?: Record<string, unknown>;
}

/** A current row as the change feed sees it: its id and watched fields. */
export interface WatchedRow {
  readonly id: string;
  readonly sourceId: string;
  readonly watched: Record<string, unknown> | undefined;
}

/** Bytes of an ObjectId, and of a SHA-256 fingerprint. */
const ID_BYTES = 12;
const PRINT_BYTES = 32;
const INITIAL_CAPACITY = 1024;

/**
 * The current rows of one (connection, evidence type), read once per run and kept compactly for the run:
 * source id → slot, and per slot the row id and fingerprint as bytes, the collection time, whether the run
 * has seen the item, and the carried and watched fields as JSON until the run writes the item (a string is far smaller
 * than the objects it describes). Writes diff against it instead of looking rows up per batch, and keep it
 * up to date; after a complete collection, the rows of items never seen are the vanished ones. About 100
 * bytes per item plus its carried and watched JSON.
 *
 * An item current twice (a write interrupted between inserting a successor and closing its predecessor)
 * keeps its newest row; the older ones are `superseded`, each to be closed as of its successor's time.
 */
export class CurrentIndex {
  private readonly slots = new Map<string, number>();
  private ids = new Uint8Array(INITIAL_CAPACITY * ID_BYTES);
  private prints = new Uint8Array(INITIAL_CAPACITY * PRINT_BYTES);
  private times = new Float64Array(INITIAL_CAPACITY);
  private seen = new Uint8Array(INITIAL_CAPACITY);
  private carriedJson: (string | undefined)[] = [];
  private watchedJson: (string | undefined)[] = [];
  private readonly older: { id: string; at: Date }[] = [];

  constructor(readonly type: string) {}

  get size(): number {
    return this.slots.size;
  }

  /** Adds a stored current row (while the index is read). */
  add(row: IndexedRow): void {
    const slot = this.slots.get(row.sourceId);
    if (slot === undefined) {
      this.put(this.allocate(row.sourceId), row.id, row.fingerprint, row.collectedAt.getTime(), false);
      this.keep(this.slots.size - 1, row);
      return;
    }
    const stored = { id: this.idAt(slot), at: this.times[slot] as number };
    const incoming = { id: row.id, at: row.collectedAt.getTime() };
    const incomingWins = incoming.at !== stored.at ? incoming.at > stored.at : incoming.id > stored.id;
    if (!incomingWins) {
      this.older.push({ id: incoming.id, at: new Date(stored.at) });
      return;
    }
    this.older.push({ id: stored.id, at: new Date(incoming.at) });
    this.put(slot, row.id, row.fingerprint, incoming.at, false);
    this.keep(slot, row);
  }

  private keep(slot: number, row: IndexedRow): void {
    this.carriedJson[slot] = row.carried === undefined ? undefined : JSON.stringify(row.carried);
    this.watchedJson[slot] = row.watched === undefined ? undefined : JSON.stringify(row.watched);
  }

  /** Rows current beside a newer row of their item, with the time each was succeeded; emptied when taken. */
  takeSuperseded(): { id: string; at: Date }[] {
    return this.older.splice(0);
  }

  /** The current row's id and fingerprint, if the item has one. */
  current(sourceId: string): { id: string; fingerprint: string } | undefined {
    const slot = this.slots.get(sourceId);
    if (slot === undefined) return undefined;
    return { id: this.idAt(slot), fingerprint: hex(this.prints, slot * PRINT_BYTES, PRINT_BYTES) };
  }

  /** The carried fields of the item's current row, as stored before this run wrote it. */
  carried(sourceId: string): Record<string, unknown> | undefined {
    const slot = this.slots.get(sourceId);
    const json = slot === undefined ? undefined : this.carriedJson[slot];
    return json === undefined ? undefined : (JSON.parse(json) as Record<string, unknown>);
  }

  /** The watched fields of the item's current row, as stored before this run wrote it. */
  watched(sourceId: string): Record<string, unknown> | undefined {
    const slot = this.slots.get(sourceId);
    const json = slot === undefined ? undefined : this.watchedJson[slot];
    return json === undefined ? undefined : (JSON.parse(json) as Record<string, unknown>);
  }

  /** The item was collected in this run: its row is now `id` (unchanged, or just inserted). */
  written(sourceId: string, id: string, fingerprint: string, at: Date): void {
    const slot = this.slots.get(sourceId) ?? this.allocate(sourceId);
    this.put(slot, id, fingerprint, at.getTime(), true);
    this.carriedJson[slot] = undefined;
    this.watchedJson[slot] = undefined;
  }

  /** Ids of current rows whose item was not collected in this run. */
  unseen(): string[] {
    const ids: string[] = [];
    for (const slot of this.slots.values()) if (this.seen[slot] === 0) ids.push(this.idAt(slot));
    return ids;
  }

  /** The current rows whose item was not collected in this run, with their watched fields. */
  unseenRows(): WatchedRow[] {
    const rows: WatchedRow[] = [];
    for (const [sourceId, slot] of this.slots) {
      if (this.seen[slot] !== 0) continue;
      const json = this.watchedJson[slot];
      rows.push({
        id: this.idAt(slot),
        sourceId,
        watched: json === undefined ? undefined : (JSON.parse(json) as Record<string, unknown>),
      });
    }
    return rows;
  }

  private allocate(sourceId: string): number {
    const slot = this.slots.size;
    if (slot === this.times.length) this.grow();
    this.slots.set(sourceId, slot);
    return slot;
  }

  private put(slot: number, id: string, fingerprint: string, at: number, seen: boolean): void {
    this.ids.set(Buffer.from(id, 'hex'), slot * ID_BYTES);
    this.prints.set(Buffer.from(fingerprint, 'hex'), slot * PRINT_BYTES);
    this.times[slot] = at;
    this.seen[slot] = seen ? 1 : 0;
  }

  private idAt(slot: number): string {
    return hex(this.ids, slot * ID_BYTES, ID_BYTES);
  }

  private grow(): void {
    const capacity = this.times.length * 2;
    this.ids = copied(this.ids, new Uint8Array(capacity * ID_BYTES));
    this.prints = copied(this.prints, new Uint8Array(capacity * PRINT_BYTES));
    this.times = copied(this.times, new Float64Array(capacity));
    this.seen = copied(this.seen, new Uint8Array(capacity));
  }
}

function copied<T extends Uint8Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

function hex(bytes: Uint8Array, start: number, length: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, length).toString('hex');
}
