import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Transform, type TransformCallback, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type ReadableStream as WebReadableStream } from 'node:stream/web';
import { performance } from 'node:perf_hooks';
import { type Entry, open, type ZipFile } from 'yauzl';

export interface DownloadedBundle {
  readonly bytes: number;
  readonly sha256: string;
  readonly seconds: number;
  /** Entries of the ZIP, each read to its end (yauzl checks sizes and the central directory). */
  readonly entries: number;
  /** `\n` characters in `path`, counted as it streams out of the archive; undefined without the entry. */
  readonly lines: number | undefined;
}

/** Counts and hashes what passes through. */
class Tally extends Transform {
  readonly hash = createHash('sha256');
  bytes = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    done(null, chunk);
  }
}

/**
 * GETs the bundle with the bearer token into `file` (streamed, hashed on the way), then reads every entry
 * of the archive from the file and counts the lines of `path`: nothing of the bundle is held in memory.
 */
export async function downloadBundle(
  url: string,
  token: string,
  file: string,
  path: string,
): Promise<DownloadedBundle> {
  const started = performance.now();
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok || res.body === null) throw new Error(`GET ${url} answered ${res.status}`);
  const tally = new Tally();
  await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), tally, createWriteStream(file));
  const seconds = (performance.now() - started) / 1000;
  const { entries, lines } = await readZipFile(file, path);
  return { bytes: tally.bytes, sha256: tally.hash.digest('hex'), seconds, entries, lines };
}

async function readZipFile(
  file: string,
  path: string,
): Promise<{ entries: number; lines: number | undefined }> {
  const zip = await new Promise<ZipFile>((resolve, reject) =>
    open(file, { lazyEntries: true }, (error, opened) => (error ? reject(error) : resolve(opened))),
  );
  let entries = 0;
  let lines: number | undefined;
  await new Promise<void>((resolve, reject) => {
    zip.on('error', reject);
    zip.on('end', () => resolve());
    zip.on('entry', (entry: Entry) => {
      zip.openReadStream(entry, (error, stream) => {
        if (error) return reject(error);
        let count = 0;
        stream.on('data', (chunk: Buffer) => {
          for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) count++;
        });
        stream.on('error', reject);
        stream.on('end', () => {
          entries++;
          if (entry.fileName === path) lines = count;
          zip.readEntry();
        });
      });
    });
    zip.readEntry();
  });
  // autoClose (yauzl's default) closes the file once every entry was read.
  return { entries, lines };
}
