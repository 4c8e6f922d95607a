import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';

/** Bytes per stored chunk: far below the 16 MiB document limit, few round trips per bundle. */
export const CHUNK_BYTES = 1024 * 1024;

/**
 * A writable that stores what it is given as numbered chunks of `CHUNK_BYTES` (the last one shorter), one
 * insert at a time, so back-pressure reaches the bundle's producers; it hashes and counts the bytes too.
 */
export class ChunkSink extends Writable {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly hash = createHash('sha256');
  bytes = 0;
  chunks = 0;

  constructor(private readonly store: (n: number, data: Buffer) => Promise<void>) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    this.flush(false).then(() => done(), done);
  }

  override _final(done: (error?: Error | null) => void): void {
    this.flush(true).then(() => done(), done);
  }

  /** The SHA-256 of everything written; valid once the stream has finished. */
  sha256(): string {
    return this.hash.copy().digest('hex');
  }

  private async flush(all: boolean): Promise<void> {
    while (this.pendingBytes >= CHUNK_BYTES || (all && this.pendingBytes > 0)) {
      const joined = Buffer.concat(this.pending);
      const piece = joined.subarray(0, Math.min(CHUNK_BYTES, joined.length));
      const rest = joined.subarray(piece.length);
      this.pending = rest.length === 0 ? [] : [rest];
      this.pendingBytes = rest.length;
      await this.store(this.chunks, Buffer.from(piece));
      this.chunks++;
    }
  }
}
