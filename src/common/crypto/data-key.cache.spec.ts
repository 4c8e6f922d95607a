import { DataKeyCache } from './data-key.cache';

describe('DataKeyCache', () => {
  const key = (byte: number): Buffer => Buffer.alloc(32, byte);

  it('serves a cached key until its TTL passes, then loads again', async () => {
    let now = 0;
    const cache = new DataKeyCache(1000, 10, () => now);
    const load = jest.fn().mockResolvedValueOnce(key(1)).mockResolvedValueOnce(key(2));
    expect((await cache.get('a', load))[0]).toBe(1);
    now = 999;
    expect((await cache.get('a', load))[0]).toBe(1);
    now = 1000;
    expect((await cache.get('a', load))[0]).toBe(2);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('bounds its size, evicting the oldest entry', async () => {
    const cache = new DataKeyCache(60_000, 2);
    await cache.get('a', () => Promise.resolve(key(1)));
    await cache.get('b', () => Promise.resolve(key(2)));
    await cache.get('c', () => Promise.resolve(key(3)));
    expect(cache.size).toBe(2);
    const reload = jest.fn(() => Promise.resolve(key(9)));
    expect((await cache.get('a', reload))[0]).toBe(9);
    expect(reload).toHaveBeenCalledTimes(1);
  });

  it('zeroes the loaded plaintext and, on clear, every cached key', async () => {
    const cache = new DataKeyCache(60_000, 10);
    const loaded = key(5);
    const cached = await cache.get('a', () => Promise.resolve(loaded));
    expect(loaded.equals(Buffer.alloc(32, 0))).toBe(true);
    expect(cached[0]).toBe(5);
    cache.clear();
    expect(cached.equals(Buffer.alloc(32, 0))).toBe(true);
    expect(cache.size).toBe(0);
  });

  it('shares one load between concurrent misses', async () => {
    const cache = new DataKeyCache(60_000, 10);
    const load = jest.fn(() => new Promise<Buffer>((resolve) => setTimeout(() => resolve(key(7)), 10)));
    const keys = await Promise.all([cache.get('a', load), cache.get('a', load), cache.get('a', load)]);
    expect(load).toHaveBeenCalledTimes(1);
    expect(keys.every((k) => k[0] === 7)).toBe(true);
  });

  it('caches nothing when the TTL is zero, and does not cache failures', async () => {
    const cache = new DataKeyCache(0, 10);
    await cache.get('a', () => Promise.resolve(key(1)));
    expect(cache.size).toBe(0);
    const failing = new DataKeyCache(60_000, 10);
    await expect(failing.get('a', () => Promise.reject(new Error('kms down')))).rejects.toThrow('kms down');
    expect((await failing.get('a', () => Promise.resolve(key(4))))[0]).toBe(4);
  });
});
