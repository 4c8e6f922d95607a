import { type JsonObject, memberProblems } from './json-shape';

const MEMBERS = [
  'collectors',
  'connectionId',
  'connectorKey',
  'error',
  'finishedAt',
  'grantedScopes',
  'id',
  'startedAt',
  'status',
  'trigger',
];

/**
 * Checks the lines of `runs.jsonl`, one at a time (runs come in no particular order, each once), and keeps
 * the run ids evidence rows must name.
 */
export class RunsLines {
  readonly ids = new Set<string>();

  check(run: JsonObject, problem: (message: string) => void): void {
    for (const message of memberProblems(run, MEMBERS, true)) problem(`the run ${message}`);
    if (!Array.isArray(run.collectors)) problem('collectors is not an array');
    const id = run.id;
    if (typeof id !== 'string') {
      problem('id is not a string');
      return;
    }
    if (this.ids.has(id)) problem(`id ${id} appears more than once`);
    this.ids.add(id);
  }
}
