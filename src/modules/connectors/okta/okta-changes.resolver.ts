import { Context, Resolver, Subscription } from '@nestjs/graphql';
import { type TenantEvent } from '#src/common/graphql/pubsub';
import { TenantEvents } from '#src/common/graphql/tenant-events';
import { type GraphqlRequestContext } from '#src/common/tenancy/request-context';
import { ChangeModel } from '#src/modules/changes/change.model';
import { type Change, CHANGES_CHANNEL } from '#src/modules/changes/changes.service';
import { OKTA_CONNECTOR_KEY } from './okta.definition';

/** Okta's live change feed: what each sync of the caller's organization's Okta connections found. */
@Resolver()
export class OktaChangesResolver {
  constructor(private readonly events: TenantEvents) {}

  @Subscription(() => ChangeModel, {
    description:
      "Changes found by the syncs of the caller's organization's Okta connections (MFA removed, users " +
      'activated or deactivated, policies weakened, admin roles granted, app or admin group members added)',
    filter: (event: TenantEvent<Change>, _args: unknown, context: GraphqlRequestContext) =>
      context.principal !== undefined &&
      event.organizationId === context.principal.organizationId &&
      event.payload.connectorKey === OKTA_CONNECTOR_KEY,
    resolve: (event: TenantEvent<Change>) => event.payload,
  })
  oktaChanges(@Context() context: GraphqlRequestContext): AsyncIterator<TenantEvent<Change>> {
    return this.events.subscribe<Change>(CHANGES_CHANNEL, context.principal?.organizationId);
  }
}
