import { SyncSlots } from './sync-slots';

describe('SyncSlots', () => {
  it('caps each organization and the instance', () => {
    const slots = new SyncSlots(4, 2);
    expect([slots.take('a'), slots.take('a'), slots.take('a')]).toEqual([true, true, false]);
    expect(slots.room('a')).toBe(0);
    expect(slots.room('b')).toBe(2);
    expect([slots.take('b'), slots.take('c'), slots.take('d')]).toEqual([true, true, false]);
    expect(slots.inUse).toBe(4);
    expect(slots.room('d')).toBe(0);
  });

  it('gives a slot back once, and never below zero', () => {
    const slots = new SyncSlots(2, 2);
    slots.take('a');
    slots.take('a');
    slots.free('a');
    expect(slots.room('a')).toBe(1);
    slots.free('a');
    slots.free('a');
    slots.free('b');
    expect(slots.inUse).toBe(0);
    expect(slots.room('a')).toBe(2);
  });
});
