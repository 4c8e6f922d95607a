import { canonicalJson, normalize, sha256Hex } from '#src/common/util/canonical-json';
import { type Actor } from '#src/common/tenancy/principal';
import { type AuditAction } from './audit.schema';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditEntryContent {
  readonly organizationId: string;
  readonly seq: number;
  readonly at: Date;
  readonly actor: Actor;
  readonly action: AuditAction;
  readonly target: { readonly type: string; readonly id: string };
  readonly details: Readonly<Record<string, unknown>>;
  readonly prevHash: string;
}

export interface AuditEntry extends AuditEntryContent {
  readonly id: string;
  readonly hash: string;
}

/** The hash of one link: SHA-256 over the canonical JSON of everything in the entry except its own hash. */
export function hashAuditEntry(entry: AuditEntryContent, serialize = canonicalJson): string {
  return sha256Hex(
    serialize({
      organizationId: entry.organizationId,
      seq: entry.seq,
      at: entry.at,
      actor: { type: entry.actor.type, id: entry.actor.id },
      action: entry.action,
      target: { type: entry.target.type, id: entry.target.id },
      details: normalize(entry.details),
      prevHash: entry.prevHash,
    }),
  );
}

export interface ChainVerification {
  readonly ok: boolean;
  readonly checked: number;
  readonly firstBrokenSeq: number | null;
}

/** Walks entries in `seq` order and reports the first one whose link or content does not hold. */
export async function verifyChain(entries: AsyncIterable<AuditEntry>): Promise<ChainVerification> {
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let checked = 0;
  for await (const entry of entries) {
    checked += 1;
    if (entry.seq !== expectedSeq || entry.prevHash !== prevHash || entry.hash !== hashAuditEntry(entry)) {
      return { ok: false, checked, firstBrokenSeq: Math.min(entry.seq, expectedSeq) };
    }
    expectedSeq += 1;
    prevHash = entry.hash;
  }
  return { ok: true, checked, firstBrokenSeq: null };
}

const SECRET_KEY = /(secret|token|verifier|password|authorization|cookie|credential)/i;

/** Audit details are for humans and auditors; a key that names a secret is a bug, caught before writing. */
export function assertNoSecretKeys(details: unknown, path = 'details'): void {
  if (typeof details !== 'object' || details === null) return;
  for (const [key, value] of Object.entries(details)) {
    if (SECRET_KEY.test(key))
      throw new Error(`Audit ${path}.${key} looks like a secret and must not be logged`);
    assertNoSecretKeys(value, `${path}.${key}`);
  }
}
