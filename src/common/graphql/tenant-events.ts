import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '#src/common/errors/domain.error';
import { OrgContext } from '#src/common/tenancy/org-context';
import { PUB_SUB, type PubSubEngine, type TenantEvent } from './pubsub';

/** The channel of one organization's events of one topic. */
export function tenantChannel(topic: string, organizationId: string): string {
  return `${topic}:${organizationId}`;
}

/**
 * Subscription events on one channel per organization and topic (`alerts.changed:<orgId>`): a subscriber
 * is only ever attached to its own organization's channel, so a subscription that forgot its filter still
 * cannot see another tenant's events. Resolvers keep their filter as a second guard.
 */
@Injectable()
export class TenantEvents {
  constructor(@Inject(PUB_SUB) private readonly pubSub: PubSubEngine) {}

  /** Publishes to the organization in context (the one whose data changed). */
  publish<T>(topic: string, payload: T): Promise<void> {
    const organizationId = OrgContext.organizationId();
    const event: TenantEvent<T> = { organizationId, payload };
    return this.pubSub.publish(tenantChannel(topic, organizationId), event);
  }

  /** The subscriber's own organization's events; without an organization there is nothing to subscribe to. */
  subscribe<T>(topic: string, organizationId: string | undefined): AsyncIterator<TenantEvent<T>> {
    if (organizationId === undefined || organizationId === '')
      throw new DomainError('UNAUTHENTICATED', 'Authentication required');
    return this.pubSub.asyncIterableIterator<TenantEvent<T>>(tenantChannel(topic, organizationId));
  }
}
