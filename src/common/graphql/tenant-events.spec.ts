import { PubSub } from 'graphql-subscriptions';
import { OrgContext } from '#src/common/tenancy/org-context';
import { type TenantEvent } from './pubsub';
import { TenantEvents } from './tenant-events';

const A = '0000000000000000000000a1';
const B = '0000000000000000000000b2';

/** The next event within a turn of the event loop, or undefined when none arrives. */
async function next<T>(iterator: AsyncIterator<TenantEvent<T>>): Promise<TenantEvent<T> | undefined> {
  const timeout = new Promise<undefined>((resolve) => setImmediate(() => resolve(undefined)));
  const result = await Promise.race([iterator.next(), timeout]);
  return result === undefined || result.done === true ? undefined : result.value;
}

describe('TenantEvents (one channel per organization and topic)', () => {
  const events = new TenantEvents(new PubSub());

  it("delivers an organization's event to its own subscribers only, whatever the subscriber filters", async () => {
    const asA = events.subscribe<string>('alerts.changed', A);
    const asB = events.subscribe<string>('alerts.changed', B);
    const first = next(asA);
    const other = next(asB);
    await OrgContext.runAsSystem(A, 'test', () => events.publish('alerts.changed', 'for A'));
    expect(await first).toEqual({ organizationId: A, payload: 'for A' });
    expect(await other).toBeUndefined();
  });

  it('keeps topics apart', async () => {
    const audit = events.subscribe<string>('audit.appended', A);
    const pending = next(audit);
    await OrgContext.runAsSystem(A, 'test', () => events.publish('alerts.changed', 'an alert'));
    expect(await pending).toBeUndefined();
  });

  it('refuses a subscriber without an organization, and a publish outside one', () => {
    expect(() => events.subscribe('alerts.changed', undefined)).toThrow('Authentication required');
    expect(() => events.subscribe('alerts.changed', '')).toThrow('Authentication required');
    expect(() => events.publish('alerts.changed', 'nobody')).toThrow();
  });
});
