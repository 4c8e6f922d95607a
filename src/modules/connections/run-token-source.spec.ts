import { RunTokenSource } from './run-token-source';

function store() {
  let issued = 0;
  let pending: (() => void)[] = [];
  const source = {
    current: jest.fn(() => new Promise<string>((resolve) => pending.push(() => resolve(`t${++issued}`)))),
    refreshed: jest.fn(() => Promise.resolve(`r${++issued}`)),
  };
  const answer = (): void => {
    const waiting = pending;
    pending = [];
    for (const resolve of waiting) resolve();
  };
  return { source, answer };
}

describe('RunTokenSource', () => {
  it('asks the store once for all callers at the same moment, then reuses the token until the recheck interval', async () => {
    let now = 0;
    const { source, answer } = store();
    const tokens = new RunTokenSource(source, 1000, () => now);
    const asked = Array.from({ length: 200 }, () => tokens.current());
    answer();
    expect(new Set(await Promise.all(asked))).toEqual(new Set(['t1']));
    now = 999;
    expect(await tokens.current()).toBe('t1');
    expect(source.current).toHaveBeenCalledTimes(1);

    now = 1000; // the store is asked again: a revocation or a re-authorization shows within the interval
    const again = tokens.current();
    answer();
    expect(await again).toBe('t2');
    expect(source.current).toHaveBeenCalledTimes(2);
  });

  it('does not keep a failure: the next call asks the store again', async () => {
    const source = {
      current: jest.fn().mockRejectedValueOnce(new Error('revoked')).mockResolvedValueOnce('t2'),
      refreshed: jest.fn(),
    };
    const tokens = new RunTokenSource(source, 1000, () => 0);
    await expect(tokens.current()).rejects.toThrow('revoked');
    expect(await tokens.current()).toBe('t2');
  });

  it('asks for a refreshed token when the API rejected the current one (once for concurrent rejections), and reuses it', async () => {
    const { source, answer } = store();
    const tokens = new RunTokenSource(source, 1000, () => 0);
    const first = tokens.current();
    answer();
    expect(await first).toBe('t1');
    const rejected = await Promise.all([tokens.refreshed(), tokens.refreshed()]);
    expect(rejected).toEqual(['r2', 'r2']);
    expect(await tokens.current()).toBe('r2');
    expect(await tokens.refreshed()).toBe('r3'); // a later rejection refreshes again
    expect(source.current).toHaveBeenCalledTimes(1);
    expect(source.refreshed).toHaveBeenCalledTimes(2);
  });
});
