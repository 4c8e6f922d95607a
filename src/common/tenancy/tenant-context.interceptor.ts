import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Observable } from 'rxjs';
import { DomainError } from '#src/common/errors/domain.error';
import { isPublic } from './auth.guard';
import { OrgContext } from './org-context';
import { isObjectIdHex } from './principal';
import { principalHolder } from './request-context';

/**
 * The tenant guard for every resolver and controller. It asserts that a non-public handler has a
 * principal with an organization (failing closed otherwise) and runs the handler inside that
 * organization's context. Guards cannot wrap the handler's execution, so entering the async context
 * happens here; the organization itself was set only by `AuthGuard` from the verified token.
 */
@Injectable()
export class TenantContextInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (isPublic(this.reflector, context)) return next.handle();
    const principal = principalHolder(context).principal;
    if (principal === undefined || !isObjectIdHex(principal.organizationId)) {
      throw new DomainError('UNAUTHENTICATED', 'No organization in the access token');
    }
    return new Observable((subscriber) =>
      OrgContext.runForPrincipal(principal, () => next.handle().subscribe(subscriber)),
    );
  }
}
