import {
  isCount,
  isHex64,
  isIsoDate,
  isObject,
  isStringArray,
  type JsonObject,
  memberProblems,
} from './json-shape';

export const MANIFEST_PATH = 'manifest.json';
export const BUNDLE_FORMAT = 'okta-evidence-bundle';
export const BUNDLE_VERSION = 1;
export const GENESIS_HASH = '0'.repeat(64);

export interface ListedFile {
  readonly path: string;
  readonly bytes: number;
  readonly lines: number;
  readonly sha256: string;
}

export interface PopulationSummary {
  readonly type: string;
  readonly rows: number;
  readonly items: number;
  readonly runs: number;
  readonly connectorKeys: readonly string[];
  readonly controls: readonly string[];
  readonly endpoints: readonly string[];
  readonly filters: readonly string[];
}

/** A manifest whose shape holds; the signature is checked separately, on the parsed object. */
export interface Manifest {
  readonly organization: { readonly id: string; readonly name: string };
  readonly assessment: {
    readonly id: string;
    readonly name: string;
    readonly framework: string;
    readonly status: string;
    readonly draft: boolean;
    readonly periodStart: string;
    readonly periodEnd: string;
  };
  readonly auditHead: { readonly seq: number; readonly hash: string };
  readonly counts: {
    readonly auditEntries: number;
    readonly runs: number;
    readonly evidence: Readonly<Record<string, number>>;
  };
  readonly files: readonly ListedFile[];
  readonly generatedAt: string;
  readonly populations: readonly PopulationSummary[];
  readonly signature: { readonly keyFingerprint: string };
}

/** Where a listed path belongs: the `<type>` of an evidence or population file, or one of the fixed files. */
export type FileRole =
  | { readonly kind: 'evidence'; readonly type: string }
  | { readonly kind: 'population'; readonly type: string }
  | { readonly kind: 'runs' | 'audit' | 'continuity' | 'coverage' };

const FIXED: Readonly<Record<string, FileRole>> = {
  'runs.jsonl': { kind: 'runs' },
  'audit.jsonl': { kind: 'audit' },
  'continuity.json': { kind: 'continuity' },
  'coverage.json': { kind: 'coverage' },
};

export function roleOf(path: string): FileRole | undefined {
  const fixed = FIXED[path];
  if (fixed !== undefined) return fixed;
  const match = /^(evidence|populations)\/([^/]+)\.(jsonl|csv)$/.exec(path);
  if (match === null) return undefined;
  const [, folder, type = '', extension] = match;
  if (folder === 'evidence' && extension === 'jsonl') return { kind: 'evidence', type };
  if (folder === 'populations' && extension === 'csv') return { kind: 'population', type };
  return undefined;
}

const TOP_LEVEL = [
  'assessment',
  'auditHead',
  'counts',
  'files',
  'format',
  'generatedAt',
  'organization',
  'populations',
  'signature',
  'version',
];

/**
 * Checks a parsed manifest's shape against the format and returns it typed, or `undefined` when it is not
 * usable; `problem` receives each thing wrong. `format` and `version` are checked first: with either wrong,
 * nothing else is.
 */
export function readManifest(value: JsonObject, problem: (message: string) => void): Manifest | undefined {
  if (value.format !== BUNDLE_FORMAT) {
    problem(`format is ${JSON.stringify(value.format)}, not "${BUNDLE_FORMAT}"`);
    return undefined;
  }
  if (value.version !== BUNDLE_VERSION) {
    problem(`version is ${JSON.stringify(value.version)}; this verifier reads version ${BUNDLE_VERSION}`);
    return undefined;
  }
  let failures = 0;
  const fail = (message: string): void => {
    failures += 1;
    problem(message);
  };
  for (const message of memberProblems(value, TOP_LEVEL, true)) fail(`the manifest ${message}`);

  const { organization, assessment, auditHead, counts, files, populations, signature } = value;
  if (!isObject(organization) || typeof organization.id !== 'string' || typeof organization.name !== 'string')
    fail('organization must be { "id", "name" } with string members');
  if (
    !isObject(assessment) ||
    !['id', 'name', 'framework', 'status'].every((k) => typeof assessment[k] === 'string') ||
    typeof assessment.draft !== 'boolean' ||
    !isIsoDate(assessment.periodStart) ||
    !isIsoDate(assessment.periodEnd)
  ) {
    fail(
      'assessment must be { "draft", "framework", "id", "name", "periodEnd", "periodStart", "status" } ' +
        'with a boolean draft and ISO-8601 period dates',
    );
  } else if (assessment.draft !== (assessment.status !== 'APPROVED')) {
    fail(`assessment.draft is ${String(assessment.draft)} for status ${String(assessment.status)}`);
  }
  if (!isObject(auditHead) || !isCount(auditHead.seq) || !isHex64(auditHead.hash))
    fail('auditHead must be { "hash": 64 hex characters, "seq": a count }');
  else if (auditHead.seq === 0 && auditHead.hash !== GENESIS_HASH)
    fail('auditHead of an empty chain must have the hash of 64 zeros');
  if (
    !isObject(counts) ||
    !isCount(counts.auditEntries) ||
    !isCount(counts.runs) ||
    !isObject(counts.evidence) ||
    !Object.values(counts.evidence).every(isCount)
  )
    fail('counts must be { "auditEntries", "evidence": { "<type>": rows }, "runs" } with counts');
  if (!isIsoDate(value.generatedAt)) fail('generatedAt is not an ISO-8601 date');
  if (!isObject(signature) || !isHex64(signature.keyFingerprint))
    fail('signature.keyFingerprint must be 64 hex characters');

  const listed = readFiles(files, fail);
  const summaries = readPopulations(populations, fail);
  if (failures > 0 || listed === undefined || summaries === undefined) return undefined;
  return value as unknown as Manifest;
}

function readFiles(files: unknown, fail: (message: string) => void): ListedFile[] | undefined {
  if (!Array.isArray(files)) {
    fail('files must be an array');
    return undefined;
  }
  let ok = true;
  let previous: string | undefined;
  files.forEach((file: unknown, index) => {
    const at = `files[${index}]`;
    if (
      !isObject(file) ||
      typeof file.path !== 'string' ||
      !isCount(file.bytes) ||
      !isCount(file.lines) ||
      !isHex64(file.sha256)
    ) {
      fail(`${at} must be { "bytes", "lines", "path", "sha256" }`);
      ok = false;
      return;
    }
    if (memberProblems(file, ['bytes', 'lines', 'path', 'sha256'], true).length > 0)
      fail(`${at} has members other than "bytes", "lines", "path", "sha256"`);
    if (roleOf(file.path) === undefined)
      fail(`${at}.path "${file.path}" is not a file the format has (manifest.json is never listed)`);
    if (previous !== undefined && !(file.path > previous))
      fail(`${at}.path "${file.path}" is out of order or repeated: files must be sorted by path`);
    previous = file.path;
  });
  return ok ? (files as ListedFile[]) : undefined;
}

function readPopulations(
  populations: unknown,
  fail: (message: string) => void,
): PopulationSummary[] | undefined {
  if (!Array.isArray(populations)) {
    fail('populations must be an array');
    return undefined;
  }
  let ok = true;
  let previous: string | undefined;
  populations.forEach((population: unknown, index) => {
    const at = `populations[${index}]`;
    if (
      !isObject(population) ||
      typeof population.type !== 'string' ||
      !isCount(population.rows) ||
      !isCount(population.items) ||
      !isCount(population.runs) ||
      !isStringArray(population.connectorKeys) ||
      !isStringArray(population.controls) ||
      !Array.isArray(population.endpoints) ||
      !Array.isArray(population.filters)
    ) {
      fail(
        `${at} must be { "connectorKeys", "controls", "endpoints", "filters", "items", "rows", "runs", "type" }`,
      );
      ok = false;
      return;
    }
    if (previous !== undefined && !(population.type > previous))
      fail(`${at}.type "${population.type}" is out of order or repeated: populations must be sorted by type`);
    previous = population.type;
  });
  return ok ? (populations as PopulationSummary[]) : undefined;
}

/** What the manifest's own parts say that the others contradict: files, populations and counts by type. */
export function manifestConsistency(manifest: Manifest): string[] {
  const problems: string[] = [];
  const types = new Set(manifest.populations.map((p) => p.type));
  const listed = new Set(manifest.files.map((f) => f.path));
  for (const path of ['audit.jsonl', 'continuity.json', 'coverage.json', 'runs.jsonl'])
    if (!listed.has(path)) problems.push(`files does not list ${path}`);
  for (const type of types) {
    if (!listed.has(`evidence/${type}.jsonl`)) problems.push(`files does not list evidence/${type}.jsonl`);
    if (!Object.hasOwn(manifest.counts.evidence, type)) problems.push(`counts.evidence has no "${type}"`);
  }
  for (const type of Object.keys(manifest.counts.evidence))
    if (!types.has(type)) problems.push(`counts.evidence has "${type}", which populations does not`);
  for (const { path } of manifest.files) {
    const role = roleOf(path);
    if ((role?.kind === 'evidence' || role?.kind === 'population') && !types.has(role.type))
      problems.push(`files lists ${path}, but populations has no type "${role.type}"`);
  }
  return problems;
}
