import { continuity, type StatusChange, statusAt } from './continuity.calculator';

const H = 3_600_000;
const T0 = Date.parse('2026-11-01T00:00:00Z');
const at = (hours: number): Date => new Date(T0 + hours * H);
const base = { from: at(0), to: at(24), cadenceMs: H, staleMs: 6 * H, graceMs: 10 * 60_000 };
const hourly = (fromH: number, toH: number): Date[] =>
  Array.from({ length: toH - fromH }, (_, i) => at(fromH + i + 0.1));

describe('continuity (gaps, stale periods, status periods, hours covered)', () => {
  it('an hourly sync all day has no gap, no stale period and covers every hour', () => {
    const result = continuity({ ...base, successes: [at(-0.5), ...hourly(0, 24)], changes: [] });
    expect(result).toMatchObject({ gaps: [], stale: [], hoursCoveredPercent: 100, successfulSyncs: 24 });
  });

  it('a 10-hour outage is one gap, stale from 6 h after the last success, and 14 of 24 hours covered', () => {
    const successes = [at(-0.5), ...hourly(0, 8), ...hourly(18, 24)]; // last at 7.1 h, next at 18.1 h
    const result = continuity({ ...base, successes, changes: [] });
    expect(result.gaps).toEqual([{ from: at(7.1), to: at(18.1) }]);
    expect(result.stale).toEqual([{ from: at(13.1), to: at(18.1) }]);
    expect(result.hoursCoveredPercent).toBe(58.3);
  });

  it('runs a little late are not gaps (grace), and edges count: no sync before the window starts it stale', () => {
    const late = [at(0.1), at(1.2), at(2.3)];
    expect(continuity({ ...base, to: at(3), successes: late, changes: [] }).gaps).toEqual([]);
    const none = continuity({ ...base, successes: [], changes: [] });
    expect(none.gaps).toEqual([{ from: at(0), to: at(24) }]);
    expect(none.stale).toEqual([{ from: at(6), to: at(24) }]);
    expect(none.hoursCoveredPercent).toBe(0);
  });

  it('derives NEEDS_REAUTH and REVOKED periods from status changes, clipped to the window', () => {
    const changes: StatusChange[] = [
      { at: at(-5), status: 'ACTIVE' },
      { at: at(4), status: 'NEEDS_REAUTH' },
      { at: at(9), status: 'ACTIVE' },
      { at: at(20), status: 'REVOKED' },
    ];
    const result = continuity({ ...base, successes: hourly(0, 24), changes });
    expect(result.needsReauth).toEqual([{ from: at(4), to: at(9) }]);
    expect(result.revoked).toEqual([{ from: at(20), to: at(24) }]);
  });
});

describe("statusAt (a connection's status at one instant, from its status changes)", () => {
  const changes: StatusChange[] = [
    { at: at(1), status: 'ACTIVE' },
    { at: at(5), status: 'NEEDS_REAUTH' },
    { at: at(7), status: 'ACTIVE' },
    { at: at(9), status: 'REVOKED' },
  ];
  const connection = { createdAt: at(0.5), deletedAt: null };

  it.each<[number, string | undefined]>([
    [0, undefined],
    [0.5, 'PENDING_AUTHORIZATION'],
    [1, 'ACTIVE'],
    [4.9, 'ACTIVE'],
    [5, 'NEEDS_REAUTH'],
    [6, 'NEEDS_REAUTH'],
    [7, 'ACTIVE'],
    [9, 'REVOKED'],
    [30, 'REVOKED'],
  ])('at %d h: %s', (hours, status) => {
    expect(statusAt(changes, at(hours), connection)).toBe(status);
  });

  it('a revocation is final from deletedAt on, whatever the audit holds', () => {
    const revoked = { createdAt: at(0.5), deletedAt: at(6) };
    expect(statusAt(changes, at(5.5), revoked)).toBe('NEEDS_REAUTH');
    expect(statusAt(changes, at(8), revoked)).toBe('REVOKED');
  });
});
