import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { canonicalJson, legacyCanonicalJson } from '#src/common/util/canonical-json';
import { type AuditEntry, hashAuditEntry } from '#src/modules/audit/audit-chain';
import { type ConnectorRun } from '#src/modules/connectors/sync/sync.service';
import { type Evidence, fingerprint } from '#src/modules/evidence/evidence.types';
import {
  type BUNDLE_FORMAT,
  type BUNDLE_VERSION,
  type ListedFile,
  type PopulationSummary,
} from '#src/verifier/bundle-manifest';

/**
 * The manifest without its signature: what the signature covers. Its name, version, file listing and
 * population summaries are the verifier's types (src/verifier), so the two cannot drift apart.
 */
export interface UnsignedManifest {
  readonly format: typeof BUNDLE_FORMAT;
  readonly version: typeof BUNDLE_VERSION;
  readonly organization: { readonly id: string; readonly name: string };
  readonly assessment: {
    readonly id: string;
    readonly name: string;
    readonly framework: string;
    readonly status: string;
    readonly draft: boolean;
    readonly periodStart: Date;
    readonly periodEnd: Date;
  };
  readonly generatedAt: Date;
  readonly auditHead: { readonly seq: number; readonly hash: string };
  readonly counts: {
    readonly evidence: Readonly<Record<string, number>>;
    readonly runs: number;
    readonly auditEntries: number;
  };
  readonly populations: readonly PopulationSummary[];
  readonly files: readonly ListedFile[];
}

export interface Manifest extends UnsignedManifest {
  readonly signature: {
    readonly algorithm: 'Ed25519';
    readonly publicKey: string;
    readonly keyFingerprint: string;
    readonly value: string;
  };
}

/** One line of a `.jsonl` file: the JCS serialization of `value` and a newline. */
export function jsonLine(value: unknown): string {
  return `${canonicalJson(value)}\n`;
}

/**
 * How a stored hash was computed, when not by the current scheme: `v0` for the serialization used before
 * hashes became RFC 8785 (see `legacyCanonicalJson`). Undefined for the current scheme, and for a hash that
 * recomputes neither way (the verifier then reports it).
 */
export function legacyScheme(
  stored: string,
  hash: (serialize: typeof canonicalJson) => string,
): 'v0' | undefined {
  if (hash(canonicalJson) === stored) return undefined;
  return hash(legacyCanonicalJson) === stored ? 'v0' : undefined;
}

export function evidenceLine(row: Evidence): string {
  return jsonLine({
    fingerprintScheme: legacyScheme(row.fingerprint, (serialize) => fingerprint(row, serialize)),
    id: row.id,
    connectionId: row.connectionId,
    connectorKey: row.connectorKey,
    runId: row.runId,
    type: row.type,
    sourceId: row.sourceId,
    controls: row.controls,
    data: row.data,
    fingerprint: row.fingerprint,
    collectedAt: row.collectedAt,
    validUntil: row.validUntil,
  });
}

export function auditLine(entry: AuditEntry): string {
  return jsonLine({
    seq: entry.seq,
    at: entry.at,
    actor: entry.actor,
    action: entry.action,
    target: entry.target,
    details: entry.details,
    prevHash: entry.prevHash,
    hash: entry.hash,
    hashScheme: legacyScheme(entry.hash, (serialize) => hashAuditEntry(entry, serialize)),
  });
}

/** A run as its IPE record: which requests produced which evidence, and with which scopes. */
export function runLine(run: ConnectorRun, connectorKey: string): string {
  return jsonLine({
    id: run.id,
    connectionId: run.connectionId,
    connectorKey,
    trigger: run.trigger,
    status: run.status,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    grantedScopes: run.grantedScopes,
    error: run.error,
    collectors: run.stats.map((s) => ({
      type: s.collector,
      endpoint: s.endpoint,
      filter: s.filter,
      pages: s.pages,
      items: s.items,
      apiCalls: s.apiCalls,
      complete: s.complete,
      inserted: s.inserted,
      closed: s.closed,
      unchanged: s.unchanged,
    })),
  });
}

/** One RFC 4180 record. */
export function csvLine(fields: readonly unknown[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}

function csvField(value: unknown): string {
  const text =
    value === null || value === undefined
      ? ''
      : value instanceof Date
        ? value.toISOString()
        : typeof value === 'string'
          ? value
          : typeof value === 'number' || typeof value === 'boolean'
            ? String(value)
            : canonicalJson(value);
  // A leading =, +, - or @ would be a formula in a spreadsheet: quote it as text.
  const guarded = /^[=+\-@]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(guarded) || guarded !== text ? `"${guarded.replaceAll('"', '""')}"` : guarded;
}

/**
 * The columns of a population's CSV: the row's lifecycle, then its data's fields as the first row shows
 * them (nested values as JSON), then `otherData` for fields the first row did not have.
 */
export class PopulationCsv {
  private dataColumns: string[] | undefined;

  header(): string {
    return csvLine([
      'id',
      'sourceId',
      'collectedAt',
      'validUntil',
      'connectionId',
      'runId',
      'fingerprint',
      ...(this.dataColumns ?? []),
      'otherData',
    ]);
  }

  /** Fixes the data columns from the first row; call before `header`. */
  columnsFrom(row: Evidence | undefined): void {
    this.dataColumns = row === undefined ? [] : Object.keys(row.data).sort();
  }

  line(row: Evidence): string {
    const columns = this.dataColumns ?? [];
    const known = new Set(columns);
    const other = Object.fromEntries(Object.entries(row.data).filter(([key]) => !known.has(key)));
    return csvLine([
      row.id,
      row.sourceId,
      row.collectedAt,
      row.validUntil,
      row.connectionId,
      row.runId,
      row.fingerprint,
      ...columns.map((column) => row.data[column]),
      Object.keys(other).length === 0 ? '' : other,
    ]);
  }
}

/**
 * Passes bytes through while measuring them for the manifest: size, newlines and SHA-256, known once the
 * stream has ended (`measured`).
 */
export class MeasuringStream extends Transform {
  private readonly hash = createHash('sha256');
  private bytes = 0;
  private lines = 0;
  private result: ListedFile | undefined;

  constructor(private readonly path: string) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) this.lines++;
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    this.result = { path: this.path, bytes: this.bytes, lines: this.lines, sha256: this.hash.digest('hex') };
    done();
  }

  measured(): ListedFile {
    if (this.result === undefined) throw new Error(`${this.path} was not written to the end`);
    return this.result;
  }
}

/** Distinct values, sorted: for the manifest's population summaries. */
export function sortedSet(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}
