import { type PubSubEngine } from 'graphql-subscriptions';

/** Inject the subscription PubSub through this token; never `new PubSub()` at module level. */
export const PUB_SUB = Symbol('PUB_SUB');
export type { PubSubEngine };

/** Every event carries the organization it belongs to, so subscriptions can filter by tenant. */
export interface TenantEvent<T> {
  readonly organizationId: string;
  readonly payload: T;
}
