import { createHash } from 'node:crypto';

/**
 * Deterministic JSON: object keys sorted, `undefined` members dropped, Dates as ISO-8601 and anything
 * with a `toHexString()` (ObjectId) as its hex. Used for hashes and fingerprints, so it must never change
 * shape for equal inputs.
 */
export function canonicalJson(value: unknown): string {
  return serialize(normalize(value));
}

/**
 * RFC 8785 (JCS) of a normalized value: members in UTF-16 code-unit order. Written out rather than left to
 * `JSON.stringify`, which puts integer-like keys ("2", "10") first in numeric order.
 */
function serialize(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(serialize).join(',')}]`;
  const object = value as Record<string, unknown>;
  return `{${Object.keys(object)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${serialize(object[key])}`)
    .join(',')}}`;
}

/**
 * The serialization hashes used before it became RFC 8785 (scheme `v0`): the same, except that members whose
 * keys are array indices ("0", "17") come first, in numeric order. Kept so that rows and audit entries
 * hashed that way stay verifiable (docs/EVIDENCE_FORMAT.md).
 */
export function legacyCanonicalJson(value: unknown): string {
  return JSON.stringify(normalize(value));
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The JSON-safe form `canonicalJson` serializes: useful for returning stored `Mixed` values over GraphQL. */
export function normalize(value: unknown): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('canonicalJson: non-finite number');
    return value;
  }
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : normalize(v)));
  if (typeof value === 'object') {
    if (typeof (value as { toHexString?: unknown }).toHexString === 'function') {
      return (value as { toHexString(): string }).toHexString();
    }
    if (Buffer.isBuffer(value)) throw new TypeError('canonicalJson: binary values are not allowed');
    // No prototype: a member named "__proto__" stays a member.
    const out = Object.create(null) as Record<string, unknown>;
    for (const key of Object.keys(value).sort()) {
      const member = (value as Record<string, unknown>)[key];
      if (member !== undefined) out[key] = normalize(member);
    }
    return out;
  }
  throw new TypeError(`canonicalJson: unsupported ${typeof value}`);
}
