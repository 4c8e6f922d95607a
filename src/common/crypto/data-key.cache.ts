/**
 * Plaintext data keys, briefly, in memory only: bounded by age and count. Evicted keys are zeroed.
 * Concurrent misses for one organization share one unwrap.
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
    const loading = load().finally(() => this.inFlight.delete(organizationId));
    this.inFlight.set(organizationId, loading);
    const key = await loading;
    this.put(organizationId, key);
    return key;
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    for (const id of [...this.entries.keys()]) this.evict(id);
  }

  private put(organizationId: string, key: Buffer): void {
    if (this.ttlMs <= 0 || this.maxEntries <= 0) return;
    this.entries.delete(organizationId);
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.evict(oldest);
    }
    // A private copy: the caller may zero its own buffer.
    this.entries.set(organizationId, { key: Buffer.from(key), expiresAt: this.now() + this.ttlMs });
  }

  private evict(organizationId: string): void {
    this.entries.get(organizationId)?.key.fill(0);
    this.entries.delete(organizationId);
  }
}
