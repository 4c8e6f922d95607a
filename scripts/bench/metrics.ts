/** Counter samples of the app's database metrics, keyed `name{labels}` as Prometheus prints them. */
export type Counters = ReadonlyMap<string, number>;

export interface DbFigures {
  /** Commands by `command:collection` (database-wide commands by name alone). */
  readonly commands: Record<string, number>;
  readonly totalCommands: number;
  readonly documentsRead: number;
  readonly documentsWritten: number;
}

const DB_SAMPLE = /^(okta_evidence_db_(?:commands|documents)_total)\{([^}]*)\} (\S+)$/;

/**
 * The app's `okta_evidence_db_*` counters from `GET /metrics`. The bearer token is sent for deployments
 * that protect the endpoint (METRICS_TOKEN); an open endpoint ignores it.
 */
export async function scrapeDbCounters(appUrl: string, token: string): Promise<Counters> {
  const res = await fetch(`${appUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`GET /metrics answered ${res.status}`);
  const counters = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    const match = DB_SAMPLE.exec(line);
    if (match !== null) counters.set(`${match[1]}{${match[2]}}`, Number(match[3]));
  }
  return counters;
}

/** What happened between two scrapes of the same process. */
export function dbFiguresBetween(before: Counters, after: Counters): DbFigures {
  const commands: Record<string, number> = {};
  let documentsRead = 0;
  let documentsWritten = 0;
  for (const [key, value] of after) {
    const delta = value - (before.get(key) ?? 0);
    if (delta === 0) continue;
    const labels = labelsOf(key);
    if (key.startsWith('okta_evidence_db_commands_total')) {
      const kind = labels.collection ? `${labels.command}:${labels.collection}` : (labels.command ?? '');
      commands[kind] = (commands[kind] ?? 0) + delta;
    } else if (labels.op === 'read') documentsRead += delta;
    else if (labels.op === 'written') documentsWritten += delta;
  }
  const totalCommands = Object.values(commands).reduce((sum, n) => sum + n, 0);
  return { commands, totalCommands, documentsRead, documentsWritten };
}

function labelsOf(key: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [, name, value] of key.matchAll(/(\w+)="([^"]*)"/g)) labels[name ?? ''] = value ?? '';
  return labels;
}

/** The app's V8 heap and the memory outside it (Buffers), in MB, from its default process metrics. */
export interface HeapSample {
  readonly heapUsedMb: number;
  readonly heapTotalMb: number;
  readonly externalMb: number;
}

const HEAP_SAMPLE = /^okta_evidence_nodejs_(heap_size_used|heap_size_total|external_memory)_bytes (\S+)$/;

/** One reading of `okta_evidence_nodejs_{heap_size_used,heap_size_total,external_memory}_bytes`. */
export async function scrapeHeap(appUrl: string, token: string): Promise<HeapSample | undefined> {
  const res = await fetch(`${appUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) return undefined;
  const mb: Record<string, number> = {};
  for (const line of (await res.text()).split('\n')) {
    const match = HEAP_SAMPLE.exec(line);
    if (match?.[1] !== undefined) mb[match[1]] = Number(match[2]) / 2 ** 20;
  }
  const [used, total, external] = [mb.heap_size_used, mb.heap_size_total, mb.external_memory];
  return used === undefined || total === undefined || external === undefined
    ? undefined
    : { heapUsedMb: used, heapTotalMb: total, externalMb: external };
}
