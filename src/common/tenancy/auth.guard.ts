import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DomainError } from '#src/common/errors/domain.error';
import { IS_PUBLIC } from './decorators';
import { bearerToken, principalHolder } from './request-context';
import { TokenService } from './token.service';

/**
 * Global, deny-by-default authentication: every handler needs a valid bearer token unless it is marked
 * `@Public()`. The verified principal is attached to the request; the organization comes only from it.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (isPublic(this.reflector, context)) return true;
    const holder = principalHolder(context);
    if (holder.principal !== undefined) return true; // graphql-ws: verified at connection time
    const token = bearerToken(holder);
    if (token === undefined)
      throw new DomainError('UNAUTHENTICATED', 'Missing, invalid or expired access token');
    holder.principal = await this.tokens.verify(token);
    return true;
  }
}

export function isPublic(reflector: Reflector, context: ExecutionContext): boolean {
  return (
    reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]) === true
  );
}
