import { canonicalJson, sha256Hex } from '#src/common/util/canonical-json';
import { GENESIS_HASH, type Manifest } from './bundle-manifest';
import { hashScheme } from './hash-scheme';
import { isCount, isObject, type JsonObject, memberProblems } from './json-shape';

const MEMBERS = ['action', 'actor', 'at', 'details', 'hash', 'prevHash', 'seq', 'target'];

/** An entry's hash as EVIDENCE_FORMAT.md defines it, over the values exactly as the bundle carries them. */
export function auditEntryHash(
  entry: JsonObject,
  organizationId: string,
  serialize: (value: unknown) => string = canonicalJson,
): string {
  const actor = isObject(entry.actor) ? entry.actor : {};
  const target = isObject(entry.target) ? entry.target : {};
  return sha256Hex(
    serialize({
      action: entry.action,
      actor: { id: actor.id, type: actor.type },
      at: entry.at,
      details: entry.details,
      organizationId,
      prevHash: entry.prevHash,
      seq: entry.seq,
      target: { id: target.id, type: target.type },
    }),
  );
}

/**
 * Checks the lines of `audit.jsonl`, one at a time: `seq` 1, 2, … in order, each hash recomputing, each
 * `prevHash` the hash before it. After a break it follows the file as written, so one bad line is one
 * problem, not one per line after it.
 */
export class AuditLines {
  private expectedSeq = 1;
  private prevHash = GENESIS_HASH;
  /** The last line's `seq` and `hash`, as written. */
  last: { seq: unknown; hash: unknown } | undefined;

  constructor(private readonly organizationId: string) {}

  check(entry: JsonObject, problem: (message: string) => void): void {
    for (const message of memberProblems(entry, MEMBERS, false)) problem(`the entry ${message}`);
    const serialize = hashScheme(entry.hashScheme, 'hashScheme', problem);
    const { seq, hash, prevHash } = entry;
    this.last = { seq, hash };
    if (!isCount(seq)) problem('seq is not a count');
    else if (seq !== this.expectedSeq) problem(`seq is ${seq} where ${this.expectedSeq} was expected`);
    if (prevHash !== this.prevHash)
      problem(`prevHash ${JSON.stringify(prevHash)} is not the previous entry's hash ${this.prevHash}`);
    if (typeof entry.at !== 'string') problem('at is not a string');
    if (!isObject(entry.actor) || typeof entry.actor.type !== 'string' || typeof entry.actor.id !== 'string')
      problem('actor is not { "id", "type" } with string members');
    if (
      !isObject(entry.target) ||
      typeof entry.target.type !== 'string' ||
      typeof entry.target.id !== 'string'
    )
      problem('target is not { "id", "type" } with string members');
    const recomputed = auditEntryHash(entry, this.organizationId, serialize);
    if (hash !== recomputed) problem(`hash ${JSON.stringify(hash)} does not recompute (${recomputed})`);
    this.expectedSeq = (isCount(seq) ? seq : this.expectedSeq) + 1;
    this.prevHash = typeof hash === 'string' ? hash : recomputed;
  }

  /** Whether the file, read to its end with `lines` lines, ends at `auditHead` and holds `counts.auditEntries`. */
  compare(manifest: Manifest, lines: number): { message: string; line?: number }[] {
    const { auditHead, counts } = manifest;
    const out: { message: string; line?: number }[] = [];
    if (lines !== counts.auditEntries)
      out.push({ message: `has ${lines} entries; counts.auditEntries says ${counts.auditEntries}` });
    if (this.last === undefined) {
      if (auditHead.seq !== 0) out.push({ message: `is empty, but auditHead is seq ${auditHead.seq}` });
    } else if (this.last.seq !== auditHead.seq || this.last.hash !== auditHead.hash) {
      out.push({
        message: `the last entry is not auditHead (seq ${auditHead.seq}, hash ${auditHead.hash})`,
        line: lines,
      });
    }
    return out;
  }
}
