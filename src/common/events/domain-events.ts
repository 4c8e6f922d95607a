import { Global, Injectable, Logger, Module, SetMetadata } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';

/**
 * Every domain event by name, with its payload. The module that emits an event declares it in an
 * `*.events.ts` file, by declaration merging (`declare module '../../common/events/domain-events' {
 * interface DomainEventMap { … } }`: a relative path, since under `nodenext` the `#src` alias resolves to
 * the build output), so an emitter and its handlers agree on the payload's type. Emitters and handlers
 * import that file (`import './x.events'`) so that every build that compiles them sees the declaration.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface DomainEventMap {}
export type DomainEventName = Extract<keyof DomainEventMap, string>;

const HANDLES = Symbol('domain-event');

/** Makes a provider's method a handler of one domain event; handlers are discovered, never registered. */
export function OnDomainEvent<K extends DomainEventName>(name: K) {
  return (
    target: object,
    key: string | symbol,
    descriptor: { value?: (event: DomainEventMap[K]) => unknown },
  ): void => {
    SetMetadata(HANDLES, name)(target, key, descriptor as PropertyDescriptor);
  };
}

interface Handler {
  readonly where: string;
  readonly run: (payload: unknown) => unknown;
}

/**
 * A small typed, in-process event bus: `emit` runs every handler of the event, one after another, in the
 * emitter's async context (so in its organization), and waits for them. A handler that fails is logged and
 * does not stop the others or the emitter. Handlers are the provider methods marked `@OnDomainEvent`, found
 * on first use, so no module depends on start-up order to be told of another's events.
 */
@Injectable()
export class DomainEvents {
  private readonly logger = new Logger('DomainEvents');
  private handlers: Map<string, Handler[]> | undefined;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  async emit<K extends DomainEventName>(name: K, payload: DomainEventMap[K]): Promise<void> {
    for (const handler of this.discover().get(name) ?? []) {
      try {
        await handler.run(payload);
      } catch (error) {
        this.logger.error(
          `domain event handler failed: ${name} → ${handler.where}: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  }

  /** The handlers of each event, by name. */
  handlersOf(name: DomainEventName): string[] {
    return (this.discover().get(name) ?? []).map((h) => h.where);
  }

  private discover(): Map<string, Handler[]> {
    if (this.handlers !== undefined) return this.handlers;
    const handlers = new Map<string, Handler[]>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | null | undefined;
      if (instance === null || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      const prototype = Object.getPrototypeOf(instance) as Record<string, unknown>;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const fn = prototype[method];
        if (typeof fn !== 'function') continue;
        const name = this.reflector.get<string | undefined>(HANDLES, fn as (...args: unknown[]) => unknown);
        if (name === undefined) continue;
        const list = handlers.get(name) ?? [];
        list.push({
          where: `${instance.constructor.name}.${method}`,
          run: (payload) => (fn as (event: unknown) => unknown).call(instance, payload),
        });
        handlers.set(name, list);
      }
    }
    this.handlers = handlers;
    return handlers;
  }
}

@Global()
@Module({
  imports: [DiscoveryModule],
  providers: [DomainEvents],
  exports: [DomainEvents],
})
export class DomainEventsModule {}
