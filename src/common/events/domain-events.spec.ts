import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { OrgContext } from '#src/common/tenancy/org-context';
import { DomainEvents, DomainEventsModule, OnDomainEvent } from './domain-events';

declare module './domain-events' {
  interface DomainEventMap {
    'test.happened': { readonly n: number };
    'test.ignored': { readonly n: number };
  }
}

const ORG = '0000000000000000000000a1';
const seen: string[] = [];

@Injectable()
class First {
  @OnDomainEvent('test.happened')
  onHappened(event: { readonly n: number }): void {
    seen.push(`first ${event.n} in ${OrgContext.organizationId()}`);
  }
}

@Injectable()
class Failing {
  @OnDomainEvent('test.happened')
  onHappened(): Promise<void> {
    return Promise.reject(new Error('handler broke'));
  }
}

@Injectable()
class Second {
  @OnDomainEvent('test.happened')
  async onHappened(event: { readonly n: number }): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    seen.push(`second ${event.n}`);
  }

  notAHandler(): void {
    seen.push('never');
  }
}

describe('DomainEvents (a typed in-process bus with discovered handlers)', () => {
  let events: DomainEvents;

  beforeAll(async () => {
    const module = await Test.createTestingModule({
      imports: [DomainEventsModule],
      providers: [First, Failing, Second],
    }).compile();
    events = module.get(DomainEvents);
  });
  beforeEach(() => seen.splice(0));

  it("finds every handler of an event, and runs them in order in the emitter's organization, awaiting each", async () => {
    expect(events.handlersOf('test.happened')).toEqual([
      'First.onHappened',
      'Failing.onHappened',
      'Second.onHappened',
    ]);
    await OrgContext.runAsSystem(ORG, 'test', () => events.emit('test.happened', { n: 7 }));
    expect(seen).toEqual([`first 7 in ${ORG}`, 'second 7']);
  });

  it('keeps going past a handler that fails, and never fails the emitter', async () => {
    await expect(
      OrgContext.runAsSystem(ORG, 'test', () => events.emit('test.happened', { n: 1 })),
    ).resolves.toBeUndefined();
    expect(seen).toEqual([`first 1 in ${ORG}`, 'second 1']);
  });

  it('does nothing for an event nobody handles', async () => {
    await events.emit('test.ignored', { n: 2 });
    expect(seen).toEqual([]);
    expect(events.handlersOf('test.ignored')).toEqual([]);
  });
});
