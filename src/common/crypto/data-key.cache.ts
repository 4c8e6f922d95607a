/**
 * Plaintext data keys, briefly, in memory only: bounded by age and count. Concurrent misses for one
 * organization share one unwrap. Keys are zeroed on `clear()` (shutdown); an evicted key is only dropped,
 * because an operation that fetched it a moment earlier may still be about to use it.
 */
export class DataKeyCache {
  private readonly entries = new Map<string, { key: Buffer; expiresAt: number }>();
  private readonly inFlight = new Map<string, Promise<Buffer>>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  async get(organizationId: string, load: () => Promise<Buffer>): Promise<Buffer> {
    const hit = this.entries.get(organizationId);
    if (hit !== undefined && hit.expiresAt > this.now()) return hit.key;
    if (hit !== undefined) this.evict(organizationId);
    const pending = this.inFlight.get(organizationId);
    if (pending !== undefined) return pending;
    const loading = load()
      .then((key) => this.put(organizationId, key))
      .finally(() => this.inFlight.delete(organizationId));
    this.inFlight.set(organizationId, loading);
    return loading;
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    for (const entry of this.entries.values()) entry.key.fill(0);
    this.entries.clear();
  }

  /** Keeps a private copy and returns it (the loaded buffer is zeroed), so eviction wipes the only copy. */
  private put(organizationId: string, key: Buffer): Buffer {
    if (this.ttlMs <= 0 || this.maxEntries <= 0) return key;
    this.entries.delete(organizationId);
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.evict(oldest);
    }
    const copy = Buffer.from(key);
    key.fill(0);
    this.entries.set(organizationId, { key: copy, expiresAt: this.now() + this.ttlMs });
    return copy;
  }

  private evict(organizationId: string): void {
    this.entries.delete(organizationId);
  }
}
