import { type RawResponse } from './fuzz-http';

/** A string that belongs to another organization and must never reach the caller. */
export interface LeakMarker {
  readonly label: string;
  readonly value: string;
}

/** What leaves the server that never should: stack frames, source paths, driver and runtime errors. */
const INTERNAL_DETAIL: readonly [RegExp, string][] = [
  [/\bat [^\s"]+ \(?[^\s"()]+:\d+:\d+\)?/, 'stack frame'],
  [/"stacktrace"|"stack"\s*:/i, 'stack in body'],
  [/node_modules|[\\/]src[\\/][\w/.-]+\.[jt]s|\.ts:\d+/, 'source path'],
  [
    /Mongo\w*Error|E11000|CastError|BSONError|Cast to \w+ failed|mongoose|must be a 24 character hex/i,
    'database detail',
  ],
  [
    /TypeError|ReferenceError|RangeError|Cannot read propert|is not a function|is not iterable/,
    'runtime error',
  ],
  [/ECONNREFUSED|ETIMEDOUT|EPIPE|ECONNRESET|ENOTFOUND/, 'network detail'],
  [/<!DOCTYPE|<html|<pre>/i, 'HTML error page'],
  [/"originalError"|"exception"\s*:/, 'raw error object'],
];

export interface Judgement {
  /** Problem kinds, e.g. `HTTP 500`, `stack frame`, `foreign data: org A name`. Empty when all is well. */
  readonly problems: string[];
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly message: string | undefined;
  readonly excerpt: string;
  /** The answer carries a non-null result for at least one root field. */
  readonly hasData: boolean;
}

interface GraphqlBody {
  data?: unknown;
  errors?: { message?: unknown; extensions?: { code?: unknown } }[];
}

function parseBody(text: string): GraphqlBody | undefined {
  try {
    const parsed = JSON.parse(text) as unknown;
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function isGraphqlShaped(body: GraphqlBody | undefined, status: number): boolean {
  if (body === undefined) return false;
  const errorsOk =
    Array.isArray(body.errors) &&
    body.errors.length > 0 &&
    body.errors.every((e) => typeof e === 'object' && e !== null && typeof e.message === 'string');
  if (status >= 400) return errorsOk;
  return errorsOk || ('data' in body && body.errors === undefined);
}

/**
 * The rules for every answer to a client: no 5xx, no broken socket, a GraphQL-shaped JSON body, no
 * internal error, no internal detail, nothing of another organization. Anything found in `requestText`
 * is an echo of the caller's own input and does not count as a leak or an internal detail.
 */
export function judge(response: RawResponse, requestText: string, markers: readonly LeakMarker[]): Judgement {
  if (response.kind === 'transport') {
    return {
      problems: [`transport failure (${response.error.replace(/\d+ ms/, 'N ms')})`],
      status: undefined,
      code: undefined,
      message: undefined,
      excerpt: response.error,
      hasData: false,
    };
  }
  const problems: string[] = [];
  const { status, text } = response;
  if (status >= 500) problems.push(`HTTP ${status}`);
  const body = parseBody(text);
  if (!isGraphqlShaped(body, status)) {
    problems.push(`body not GraphQL-shaped (${response.contentType.split(';')[0] || 'no content type'})`);
  }
  const codes = (body?.errors ?? []).map((e) =>
    typeof e.extensions?.code === 'string' ? e.extensions.code : '',
  );
  if (codes.includes('INTERNAL_SERVER_ERROR')) problems.push('INTERNAL_SERVER_ERROR');
  for (const [pattern, kind] of INTERNAL_DETAIL) {
    const match = pattern.exec(text);
    if (match && !requestText.includes(match[0])) problems.push(kind);
  }
  for (const marker of markers) {
    if (text.includes(marker.value) && !requestText.includes(marker.value)) {
      problems.push(`foreign data: ${marker.label}`);
    }
  }
  const first = body?.errors?.[0];
  return {
    problems: [...new Set(problems)],
    status,
    code: codes[0] || undefined,
    message: typeof first?.message === 'string' ? first.message : undefined,
    excerpt: text.length > 400 ? `${text.slice(0, 400)}…(${text.length} chars)` : text,
    hasData:
      typeof body?.data === 'object' &&
      body.data !== null &&
      Object.values(body.data as Record<string, unknown>).some((v) => v !== null),
  };
}

/** Folds the parts of a message that vary with the input, so that one cause gives one class. */
export function normalizeMessage(message: string | undefined): string {
  if (message === undefined) return '';
  return message
    .replace(/"(?:[^"\\]|\\.)*"/g, '"…"')
    .replace(/\b[0-9a-f]{24}\b/gi, '<id>')
    .replace(/-?\d+(\.\d+)?(e[+-]?\d+)?/gi, 'N')
    .slice(0, 160);
}

interface Example {
  readonly request: string;
  readonly judgement: Judgement;
  readonly context: string;
}

/** Failures by class, with the smallest request that showed each. */
export class FailureLog {
  private readonly classes = new Map<string, { operation: string; count: number; example: Example }>();

  record(operation: string, request: string, judgement: Judgement, context: string): void {
    if (judgement.problems.length === 0) return;
    const key = [
      operation,
      [...judgement.problems].sort().join(' + '),
      judgement.status ?? 'no response',
      judgement.code ?? '-',
      normalizeMessage(judgement.message),
    ].join(' | ');
    const existing = this.classes.get(key);
    const example: Example = { request, judgement, context };
    if (existing === undefined) this.classes.set(key, { operation, count: 1, example });
    else {
      existing.count++;
      if (request.length < existing.example.request.length) existing.example = example;
    }
  }

  /** One line per class for `operation` (or all), for assertions and the report. */
  lines(operation?: string): string[] {
    return [...this.classes.entries()]
      .filter(([, c]) => operation === undefined || c.operation === operation)
      .map(([key, c]) => {
        const request =
          c.example.request.length > 600 ? `${c.example.request.slice(0, 600)}…` : c.example.request;
        return `${key} ×${c.count}\n    ${c.example.context}\n    request: ${request}\n    response: ${c.example.judgement.excerpt}`;
      });
  }

  get size(): number {
    return this.classes.size;
  }
}

/** How often each operation got each kind of answer: shows whether the fuzz reaches the resolvers. */
export class OutcomeStats {
  private readonly counts = new Map<string, Map<string, number>>();

  add(operation: string, judgement: Judgement): void {
    const outcome = judgement.hasData
      ? `data(${judgement.status ?? '-'})`
      : `${judgement.code ?? 'none'}(${judgement.status ?? '-'})`;
    const byOutcome = this.counts.get(operation) ?? new Map<string, number>();
    byOutcome.set(outcome, (byOutcome.get(outcome) ?? 0) + 1);
    this.counts.set(operation, byOutcome);
  }

  lines(): string[] {
    return [...this.counts.entries()].map(
      ([operation, byOutcome]) =>
        `${operation}: ${[...byOutcome.entries()]
          .sort((a, b) => b[1] - a[1])
          .map(([k, n]) => `${k} ${n}`)
          .join(', ')}`,
    );
  }
}
