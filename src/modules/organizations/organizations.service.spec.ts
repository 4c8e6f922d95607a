import { historyProblem } from './organizations.service';

const NOW = new Date('2026-12-05T12:00:00Z');
const CREATED = new Date('2026-06-01T00:00:00Z');

describe('historyProblem (asOf must be an instant of the organization’s history)', () => {
  it.each<[string, Date]>([
    ['now', NOW],
    ['the creation instant', CREATED],
    ['within the minute of clock skew', new Date(NOW.getTime() + 59_000)],
    ['in between', new Date('2026-09-01T00:00:00Z')],
  ])('accepts %s', (_name, asOf) => {
    expect(historyProblem(asOf, CREATED, NOW)).toBeUndefined();
  });

  it.each<[string, Date, RegExp]>([
    ['the future', new Date(NOW.getTime() + 61_000), /^asOf must not be in the future/],
    [
      'before the organization existed',
      new Date(CREATED.getTime() - 1),
      /^asOf must not be before the organization was created/,
    ],
    ['an invalid date', new Date(Number.NaN), /^asOf must be an ISO-8601 date-time/],
  ])('refuses %s, naming asOf', (_name, asOf, message) => {
    expect(historyProblem(asOf, CREATED, NOW)).toMatch(message);
  });
});
