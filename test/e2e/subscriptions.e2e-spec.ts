import { setTimeout as sleep } from 'node:timers/promises';
import { AuditService } from '#src/modules/audit/audit.service';
import { TestApp, type TestOrg } from '../support/test-app';
import { subscribe } from '../support/ws-client';

const AUDIT_SUBSCRIPTION = 'subscription { auditLogAppended { seq action target { id } } }';

interface Appended {
  auditLogAppended: { seq: number; action: string; target: { id: string } };
}

describe('graphql-ws subscriptions (e2e)', () => {
  let t: TestApp;
  let a: TestOrg;
  let b: TestOrg;

  beforeAll(async () => {
    t = await TestApp.start();
    a = await t.createOrg('Org A');
    b = await t.createOrg('Org B');
  });
  afterAll(() => t.close());

  it.each<[string, string | undefined]>([
    ['no connectionParams', undefined],
    ['an invalid token', 'Bearer not-a-token'],
  ])('refuses a connection with %s (4403)', async (_name, authorization) => {
    const sub = subscribe<Appended>(t.url, AUDIT_SUBSCRIPTION, authorization);
    await expect(sub.connected).rejects.toThrow('closed 4403');
    await expect(sub.closed).resolves.toBe(4403);
    await sub.dispose();
  });

  it("delivers the subscriber's own organization's events and nothing from another organization", async () => {
    const subA = subscribe<Appended>(
      t.url,
      AUDIT_SUBSCRIPTION,
      `Bearer ${await t.token(a.organizationId, 'AUDITOR')}`,
    );
    const subB = subscribe<Appended>(t.url, AUDIT_SUBSCRIPTION, `Bearer ${b.adminToken}`);
    await Promise.all([subA.connected, subB.connected]);
    await sleep(200); // the subscribe message follows the connection ack

    const audit = t.get<AuditService>(AuditService);
    await t.asOrg(a.organizationId, () =>
      audit.append({ action: 'SYNC', target: { type: 'connection', id: 'a-conn' } }),
    );
    const event = await subA.next();
    expect(event.auditLogAppended).toEqual({ seq: 2, action: 'SYNC', target: { id: 'a-conn' } });

    await sleep(300);
    expect(subB.events).toEqual([]);

    await t.asOrg(b.organizationId, () =>
      audit.append({ action: 'SYNC', target: { type: 'connection', id: 'b-conn' } }),
    );
    expect((await subB.next()).auditLogAppended.target.id).toBe('b-conn');
    await sleep(200);
    expect(subA.events).toEqual([]);

    await Promise.all([subA.dispose(), subB.dispose()]);
  });
});
