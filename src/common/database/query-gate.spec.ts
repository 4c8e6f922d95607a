import { QueryGate } from './query-gate';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('QueryGate', () => {
  it('lets another organization in while one organization has used its share', async () => {
    const gate = new QueryGate(4, 2, 10_000);
    const a1 = await gate.acquire('a');
    await gate.acquire('a');
    let aThird = false;
    void gate.acquire('a').then(() => (aThird = true));
    await tick();
    expect(aThird).toBe(false);
    const b = await gate.acquire('b'); // not behind a's queued request
    b();
    a1();
    await tick();
    expect(aThird).toBe(true);
  });

  it('never runs more than its total and serves waiters in order', async () => {
    const gate = new QueryGate(2, 2, 10_000);
    const first = await gate.acquire('a');
    await gate.acquire('b');
    const order: string[] = [];
    void gate.acquire('c').then(() => order.push('c'));
    void gate.acquire('d').then(() => order.push('d'));
    await tick();
    expect(order).toEqual([]);
    first();
    await tick();
    expect(order).toEqual(['c']);
  });

  it('fails with SERVICE_BUSY when no slot frees up in time', async () => {
    const gate = new QueryGate(1, 1, 20);
    await gate.acquire('a');
    await expect(gate.acquire('b')).rejects.toMatchObject({ code: 'SERVICE_BUSY' });
  });
});
