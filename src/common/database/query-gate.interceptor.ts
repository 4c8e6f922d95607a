import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { type GqlContextType, GqlExecutionContext } from '@nestjs/graphql';
import { type GraphQLResolveInfo, OperationTypeNode } from 'graphql';
import { finalize, from, type Observable, switchMap } from 'rxjs';
import { principalHolder } from '#src/common/tenancy/request-context';
import { QueryGate } from './query-gate';

/**
 * Runs each root query and mutation resolver through the `QueryGate` of its organization. Subscriptions
 * (long-lived) and HTTP controllers (health, OAuth callback) are not gated; requests without a principal
 * are left to the tenant guard, which refuses them.
 */
@Injectable()
export class QueryGateInterceptor implements NestInterceptor {
  constructor(private readonly gate: QueryGate) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType<GqlContextType>() !== 'graphql') return next.handle();
    const info = GqlExecutionContext.create(context).getInfo<GraphQLResolveInfo>();
    if (info.operation.operation === OperationTypeNode.SUBSCRIPTION) return next.handle();
    const organizationId = principalHolder(context).principal?.organizationId;
    if (organizationId === undefined) return next.handle();
    return from(this.gate.acquire(organizationId)).pipe(
      switchMap((release) => next.handle().pipe(finalize(release))),
    );
  }
}
