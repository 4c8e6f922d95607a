import { type HeartbeatTarget, RunHeartbeat } from './run-heartbeat';

function target(overrides: Partial<HeartbeatTarget> = {}): HeartbeatTarget & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    renew: () => (calls.push('renew'), Promise.resolve(true)),
    progress: () => (calls.push('progress'), Promise.resolve()),
    lost: () => void calls.push('lost'),
    ...overrides,
  };
}

describe('RunHeartbeat', () => {
  it.each<[string, Partial<HeartbeatTarget>, string]>([
    ['the progress write', { progress: () => Promise.reject(new Error('write refused')) }, 'write refused'],
    ['the lease renewal', { renew: () => Promise.reject(new Error('lease store down')) }, 'lease store down'],
  ])('handles and logs a failure of %s instead of leaving an unhandled rejection', async (_n, o, text) => {
    const warnings: string[] = [];
    const heartbeat = new RunHeartbeat(target(o), 1000, { warn: (m: string) => void warnings.push(m) });
    // Before the fix this rejection escaped (jest reports it as an unhandled rejection; Node 20 exits).
    await expect(heartbeat.beat()).resolves.toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(text);
  });

  it('renews, then writes progress; on a lost lease reports it once and writes nothing', async () => {
    const logger = { warn: jest.fn() };
    const held = target();
    await new RunHeartbeat(held, 1000, logger).beat();
    expect(held.calls).toEqual(['renew', 'progress']);

    const taken = target({ renew: () => Promise.resolve(false) });
    const heartbeat = new RunHeartbeat(taken, 1000, logger);
    await heartbeat.beat();
    await heartbeat.beat();
    expect(taken.calls).toEqual(['lost']);
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it('skips a beat while the previous one is still in flight', async () => {
    let release: () => void = () => undefined;
    let renewals = 0;
    const slow = target({
      renew: () => {
        renewals += 1;
        return new Promise<boolean>((resolve) => (release = () => resolve(true)));
      },
    });
    const heartbeat = new RunHeartbeat(slow, 1000, { warn: jest.fn() });
    const first = heartbeat.beat();
    await heartbeat.beat();
    expect(renewals).toBe(1);
    release();
    await first;
    expect(slow.calls).toEqual(['progress']);
  });
});
