import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DomainError } from '#src/common/errors/domain.error';
import { REQUIRED_ROLES } from './decorators';
import { type Role } from './principal';
import { principalHolder } from './request-context';

/** Enforces `@Roles(...)`; runs after `AuthGuard`, so a principal is present for every non-public handler. */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(REQUIRED_ROLES, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (roles === undefined || roles.length === 0) return true;
    const principal = principalHolder(context).principal;
    if (principal === undefined || !roles.includes(principal.role)) {
      throw new DomainError('FORBIDDEN', `This operation requires the ${roles.join(' or ')} role`);
    }
    return true;
  }
}
