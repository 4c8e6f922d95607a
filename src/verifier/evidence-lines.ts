import { fingerprint } from '#src/modules/evidence/evidence.types';
import { hashScheme } from './hash-scheme';
import { type Manifest } from './bundle-manifest';
import { isIsoDate, isObject, isStringArray, type JsonObject, memberProblems } from './json-shape';

const MEMBERS = [
  'collectedAt',
  'connectionId',
  'connectorKey',
  'controls',
  'data',
  'fingerprint',
  'id',
  'runId',
  'sourceId',
  'type',
  'validUntil',
];

/**
 * Checks the lines of `evidence/<type>.jsonl`, one at a time: each a row of that type, valid during the
 * period, whose fingerprint recomputes and whose run is in `runs.jsonl`, no id twice (rows come in no
 * particular order). Keeps what the manifest's population summary is checked against.
 */
export class EvidenceLines {
  /** Distinct items as `connectionId`, NUL, `sourceId`: the same source id in two connections is two items. */
  readonly items = new Set<string>();
  readonly runs = new Set<string>();
  readonly connectorKeys = new Set<string>();
  readonly controls = new Set<string>();
  private readonly ids = new Set<string>();

  /** `runIds` undefined: runs.jsonl could not be read, and runs are not checked. */
  constructor(
    private readonly type: string,
    private readonly period: { readonly start: number; readonly end: number },
    private readonly runIds: ReadonlySet<string> | undefined,
  ) {}

  check(row: JsonObject, problem: (message: string) => void): void {
    for (const message of memberProblems(row, MEMBERS, true, ['fingerprintScheme']))
      problem(`the row ${message}`);
    const serialize = hashScheme(row.fingerprintScheme, 'fingerprintScheme', problem);
    const { id, type, sourceId, data, runId, collectedAt, validUntil } = row;
    if (typeof id !== 'string') problem('id is not a string');
    else if (this.ids.has(id)) problem(`id ${id} appears more than once`);
    else this.ids.add(id);
    if (type !== this.type) problem(`type is ${JSON.stringify(type)} in the file of type "${this.type}"`);
    if (typeof sourceId !== 'string') problem('sourceId is not a string');
    else this.items.add(`${String(row.connectionId)}\u0000${sourceId}`);
    if (!isObject(data)) problem('data is not an object');
    if (typeof type === 'string' && typeof sourceId === 'string' && isObject(data)) {
      const recomputed = fingerprint({ type, sourceId, data }, serialize);
      if (row.fingerprint !== recomputed)
        problem(`fingerprint ${JSON.stringify(row.fingerprint)} does not recompute (${recomputed})`);
    }
    if (typeof runId !== 'string') problem('runId is not a string');
    else {
      this.runs.add(runId);
      if (this.runIds !== undefined && !this.runIds.has(runId))
        problem(`runId ${runId} is not in runs.jsonl`);
    }
    if (typeof row.connectionId !== 'string') problem('connectionId is not a string');
    if (typeof row.connectorKey !== 'string') problem('connectorKey is not a string');
    else this.connectorKeys.add(row.connectorKey);
    if (!isStringArray(row.controls)) problem('controls is not an array of strings');
    else for (const control of row.controls) this.controls.add(control);
    if (!isIsoDate(collectedAt)) problem('collectedAt is not an ISO-8601 date');
    else if (Date.parse(collectedAt) > this.period.end)
      problem(`collectedAt ${collectedAt} is after the period`);
    if (validUntil !== null && !isIsoDate(validUntil))
      problem('validUntil is neither null nor an ISO-8601 date');
    else if (validUntil !== null && Date.parse(validUntil) <= this.period.start)
      problem(`validUntil ${validUntil} is not after the period's start`);
  }

  /**
   * What the manifest says of this type that the file, read to its end with `lines` lines, contradicts:
   * the row count (an `evidence` problem) and the population summary (a `populations` one).
   */
  compare(manifest: Manifest, lines: number): { check: 'evidence' | 'populations'; message: string }[] {
    const out: { check: 'evidence' | 'populations'; message: string }[] = [];
    const counted = manifest.counts.evidence[this.type];
    if (counted !== undefined && lines !== counted)
      out.push({ check: 'evidence', message: `has ${lines} rows; counts.evidence says ${counted}` });
    const population = manifest.populations.find((p) => p.type === this.type);
    if (population === undefined) return out;
    if (lines !== population.rows)
      out.push({ check: 'evidence', message: `has ${lines} rows; populations says ${population.rows}` });
    const distinct: [string, number, number][] = [
      ['items (connectionId and sourceId)', this.items.size, population.items],
      ['runIds (runs)', this.runs.size, population.runs],
    ];
    for (const [what, actual, stated] of distinct)
      if (actual !== stated)
        out.push({
          check: 'populations',
          message: `has ${actual} distinct ${what}; populations says ${stated}`,
        });
    const lists: [string, Set<string>, readonly string[]][] = [
      ['connectorKeys', this.connectorKeys, population.connectorKeys],
      ['controls', this.controls, population.controls],
    ];
    for (const [what, actual, stated] of lists) {
      const sorted = JSON.stringify([...actual].sort());
      if (sorted !== JSON.stringify(stated))
        out.push({
          check: 'populations',
          message: `has ${what} ${sorted}; populations says ${JSON.stringify(stated)}`,
        });
    }
    return out;
  }
}
