import { canonicalJson, legacyCanonicalJson } from '#src/common/util/canonical-json';

/**
 * The serialization a row's or entry's hash was made with: RFC 8785 without a scheme member, the earlier
 * `v0` with `"v0"` (docs/EVIDENCE_FORMAT.md); any other value is a problem, and the hash is then checked
 * as RFC 8785.
 */
export function hashScheme(
  scheme: unknown,
  member: string,
  problem: (message: string) => void,
): (value: unknown) => string {
  if (scheme === undefined) return canonicalJson;
  if (scheme === 'v0') return legacyCanonicalJson;
  problem(`${member} ${JSON.stringify(scheme)} is not a known scheme ("v0")`);
  return canonicalJson;
}
