import { type Entry, openPromise, type ZipFile } from 'yauzl';

export type ReadOutcome =
  | { readonly kind: 'read'; readonly bytes: number }
  | { readonly kind: 'too large'; readonly limit: number }
  | { readonly kind: 'error'; readonly message: string };

/** An open archive and its central directory, whose sizes are claims, never trusted. */
export interface ZipArchive {
  readonly entries: readonly Entry[];
  /** Why the directory could not be read to its end, if it could not. */
  readonly error?: string;
  /**
   * Streams one entry's uncompressed bytes to `onChunk`, stopping (and saying so) once more than `limit`
   * bytes have come out, whatever the entry's header claims.
   */
  read(entry: Entry, limit: number, onChunk: (chunk: Buffer) => void): Promise<ReadOutcome>;
  close(): void;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Opens a ZIP file and lists at most `maxEntries` entries. Rejects only when the file is not a readable
 * ZIP at all (missing, truncated before its directory, not a ZIP).
 */
export async function openZip(path: string, maxEntries: number): Promise<ZipArchive> {
  const zip = await openPromise(path, { lazyEntries: true, autoClose: false, validateEntrySizes: true });
  // Errors after the listing surface through the read streams; an unheard 'error' event would throw.
  zip.on('error', () => undefined);
  const handle = {
    read: (entry: Entry, limit: number, onChunk: (chunk: Buffer) => void) =>
      readEntry(zip, entry, limit, onChunk),
    close: () => zip.close(),
  };
  if (zip.entryCount > maxEntries) {
    return {
      entries: [],
      error: `the archive has ${zip.entryCount} entries; at most ${maxEntries} are read`,
      ...handle,
    };
  }
  return { ...(await listEntries(zip)), ...handle };
}

function listEntries(zip: ZipFile): Promise<{ entries: Entry[]; error?: string }> {
  return new Promise((resolve) => {
    const entries: Entry[] = [];
    zip.on('entry', (entry: Entry) => {
      entries.push(entry);
      zip.readEntry();
    });
    zip.on('end', () => resolve({ entries }));
    zip.on('error', (error: unknown) => resolve({ entries, error: message(error) }));
    zip.readEntry();
  });
}

async function readEntry(
  zip: ZipFile,
  entry: Entry,
  limit: number,
  onChunk: (chunk: Buffer) => void,
): Promise<ReadOutcome> {
  let bytes = 0;
  try {
    const stream = await zip.openReadStreamPromise(entry);
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        bytes += chunk.length;
        if (bytes > limit) return { kind: 'too large', limit };
        onChunk(chunk);
      }
    } finally {
      stream.destroy();
    }
  } catch (error) {
    return { kind: 'error', message: message(error) };
  }
  return { kind: 'read', bytes };
}
