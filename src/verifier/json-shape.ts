import { canonicalJson } from '#src/common/util/canonical-json';

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

export function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

const HEX64 = /^[0-9a-f]{64}$/;
export function isHex64(value: unknown): value is string {
  return typeof value === 'string' && HEX64.test(value);
}

/** The date form the format writes: ISO-8601 in UTC with milliseconds. */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export function isIsoDate(value: unknown): value is string {
  return typeof value === 'string' && ISO_DATE.test(value) && !Number.isNaN(Date.parse(value));
}

/**
 * Parses one JSON object that must be written in canonical form (RFC 8785), as every `.jsonl` line and
 * `manifest.json` are. Returns the object if the text is one, and what is wrong with the text if anything.
 */
export function parseCanonicalObject(text: string): { value?: JsonObject; error?: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { error: `is not JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  if (!isObject(value)) return { error: 'is not a JSON object' };
  let canonical: string;
  try {
    canonical = canonicalJson(value);
  } catch (error) {
    return { error: `cannot be canonicalized (${error instanceof Error ? error.message : String(error)})` };
  }
  return canonical === text ? { value } : { value, error: 'is not in canonical JSON form (RFC 8785)' };
}

/**
 * What is wrong with an object's members against a list: members missing, and (when `exact`) members the
 * list does not name.
 */
export function memberProblems(
  value: JsonObject,
  names: readonly string[],
  exact: boolean,
  optional: readonly string[] = [],
): string[] {
  const problems: string[] = [];
  const missing = names.filter((name) => !Object.hasOwn(value, name));
  if (missing.length > 0) problems.push(`is missing ${missing.map((n) => `"${n}"`).join(', ')}`);
  if (exact) {
    const extra = Object.keys(value).filter((key) => !names.includes(key) && !optional.includes(key));
    if (extra.length > 0) problems.push(`has unexpected ${extra.map((n) => `"${n}"`).join(', ')}`);
  }
  return problems;
}
