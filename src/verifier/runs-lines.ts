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

/** Checks the lines of `runs.jsonl`, one at a time, and keeps the run ids evidence rows must name. */
export class RunsLines {
  readonly ids = new Set<string>();
  private lastId: string | undefined;

  check(run: JsonObject, problem: (message: string) => void): void {
    for (const message of memberProblems(run, MEMBERS, true)) problem(`the run ${message}`);
    if (!Array.isArray(run.collectors)) problem('collectors is not an array');
    const id = run.id;
    if (typeof id !== 'string') {
      problem('id is not a string');
      return;
    }
    if (this.lastId !== undefined && !(id > this.lastId))
      problem(`id ${id} does not follow ${this.lastId}: ids must ascend strictly`);
    this.lastId = id;
    this.ids.add(id);
  }
}
