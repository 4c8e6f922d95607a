import { type ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import { type Principal } from './principal';

export interface AuthenticatedRequest {
  headers: Record<string, string | string[] | undefined>;
  principal?: Principal;
}

/** The per-operation context object: an HTTP request, or the GraphQL context holding one. */
export interface GraphqlRequestContext {
  req?: AuthenticatedRequest;
  /** Set for `graphql-ws` operations, verified once at connection time from `connectionParams`. */
  principal?: Principal;
}

/** The object the guard writes the principal to and the interceptor reads it from. */
export function principalHolder(context: ExecutionContext): AuthenticatedRequest | GraphqlRequestContext {
  if (context.getType<'graphql' | 'http'>() === 'graphql') {
    const gql = GqlExecutionContext.create(context).getContext<GraphqlRequestContext>();
    return gql.principal !== undefined ? gql : (gql.req ?? gql);
  }
  return context.switchToHttp().getRequest<AuthenticatedRequest>();
}

export function bearerToken(holder: AuthenticatedRequest | GraphqlRequestContext): string | undefined {
  if (!('headers' in holder)) return undefined;
  const header = holder.headers.authorization;
  const value = Array.isArray(header) ? header[0] : header;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(value ?? '');
  return match?.[1];
}
