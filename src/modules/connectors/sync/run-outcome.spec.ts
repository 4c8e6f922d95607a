import { type CollectorStats } from './connector-run.schema';
import { runOutcome } from './run-outcome';

const stats = (collector: string, complete: boolean, error: string | null = null): CollectorStats => ({
  collector,
  endpoint: '/api/v1/x',
  filter: '',
  pages: 1,
  items: 1,
  apiCalls: 1,
  rateLimitWaits: 0,
  rateLimitWaitMs: 0,
  retries: 0,
  inserted: 0,
  closed: 0,
  unchanged: 1,
  changes: 0,
  durationMs: 1,
  complete,
  error,
});
const done = (c: string) => stats(c, true);
const failed = (c: string, e = 'boom') => stats(c, false, e);
const SHUTDOWN = { code: 'SHUTDOWN', message: 'the app is stopping' };

describe('runOutcome (how a finished run is reported)', () => {
  it.each<[string, CollectorStats[], string[], typeof SHUTDOWN | null, string, string | null]>([
    ['every collector complete', [done('a'), done('b')], [], null, 'SUCCEEDED', null],
    [
      'one collector failed',
      [done('a'), failed('b')],
      ['COLLECTOR_FAILED'],
      null,
      'PARTIAL',
      'COLLECTOR_FAILED',
    ],
    [
      'every collector failed',
      [failed('a'), failed('b')],
      ['COLLECTOR_FAILED'],
      null,
      'FAILED',
      'COLLECTOR_FAILED',
    ],
    [
      'a rate limit among the failures',
      [done('a'), failed('b')],
      ['COLLECTOR_FAILED', 'RATE_LIMITED'],
      null,
      'PARTIAL',
      'RATE_LIMITED',
    ],
    ['aborted after all completed', [done('a'), done('b')], [], SHUTDOWN, 'PARTIAL', 'SHUTDOWN'],
    ['aborted before any completed', [failed('a', 'stopped')], [], SHUTDOWN, 'FAILED', 'SHUTDOWN'],
    ['no collector at all', [], [], null, 'SUCCEEDED', null],
  ])('%s: %s', (_name, collectors, codes, aborted, status, code) => {
    const outcome = runOutcome(collectors, codes, aborted);
    expect(outcome.status).toBe(status);
    expect(outcome.error?.code ?? null).toBe(code);
  });

  it('names each failed collector and its error in the message', () => {
    const outcome = runOutcome(
      [failed('idp.user_mfa', 'HTTP 503'), failed('idp.password_policy', 'timeout')],
      [],
      null,
    );
    expect(outcome.error?.message).toBe('idp.user_mfa: HTTP 503; idp.password_policy: timeout');
  });

  it("reports the abort's own error, never a collector's, when the run was stopped", () => {
    expect(runOutcome([failed('a', 'x')], ['RATE_LIMITED'], SHUTDOWN).error).toEqual(SHUTDOWN);
  });
});
