import { type GraphQLWsSubscriptionsConfig } from '@nestjs/graphql';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { CloseCode, type Context, type ServerOptions } from 'graphql-ws';
import { type Extra } from 'graphql-ws/use/ws';
import { formatGraphqlError } from '#src/common/errors/graphql-error.format';
import { type Principal } from '#src/common/tenancy/principal';
import { type TokenService } from '#src/common/tenancy/token.service';
import { type OperationRules } from './operation-rules';

/** What a socket keeps between messages: who it speaks for and until when. */
export interface WsExtra {
  principal?: Principal;
  token?: string;
  expiresAt?: Date;
  expiryTimer?: NodeJS.Timeout;
}

type WsContext = Context<Record<string, unknown> | undefined, Extra & WsExtra>;

/** Tells whether an organization still exists (`OrganizationsSystemService`). */
export interface OrganizationDirectory {
  exists(organizationId: string): Promise<boolean>;
}

/** setTimeout's longest delay (about 24.8 days); a longer wait is taken in steps. */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

function bearerFromParams(params: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const value = params?.authorization ?? params?.Authorization;
  if (typeof value !== 'string') return undefined;
  return /^Bearer\s+(\S+)\s*$/i.exec(value)?.[1];
}

function closeForbidden(ctx: WsContext, reason: string): void {
  clearTimeout(ctx.extra.expiryTimer);
  ctx.extra.socket.close(CloseCode.Forbidden, reason);
}

/** Closes the socket (4403) when its token expires, so long-lived subscriptions stop receiving events. */
function closeAtExpiry(ctx: WsContext, expiresAt: Date): void {
  const wait = expiresAt.getTime() - Date.now();
  if (wait <= 0) return closeForbidden(ctx, 'Token expired');
  ctx.extra.expiryTimer = setTimeout(() => closeAtExpiry(ctx, expiresAt), Math.min(wait, MAX_TIMER_DELAY_MS));
  ctx.extra.expiryTimer.unref();
}

function formatResultErrors(errors: readonly GraphQLFormattedError[]): GraphQLFormattedError[] {
  return errors.map(formatGraphqlError);
}

/**
 * graphql-ws held to the rules HTTP follows: the token is verified at connection and again on every
 * operation, the socket is closed (4403) when the token expires or the organization is gone, every
 * operation passes the same depth, cost and introspection rules, and errors are formatted the same way.
 */
export function graphqlWsOptions(deps: {
  tokens: TokenService;
  organizations: OrganizationDirectory;
  rules: OperationRules;
}): GraphQLWsSubscriptionsConfig {
  const { tokens, organizations, rules } = deps;

  /** Why the socket may no longer act for its principal, or undefined while it may. */
  const refusal = async (extra: WsExtra): Promise<string | undefined> => {
    if (extra.token === undefined || extra.expiresAt === undefined || extra.principal === undefined) {
      return 'Unauthenticated';
    }
    if (extra.expiresAt.getTime() <= Date.now()) return 'Token expired';
    try {
      await tokens.verify(extra.token);
    } catch {
      return 'Token expired or invalid';
    }
    if (!(await organizations.exists(extra.principal.organizationId))) return 'Organization not found';
    return undefined;
  };

  const options: ServerOptions<Record<string, unknown> | undefined, Extra & WsExtra> = {
    onConnect: async (ctx) => {
      const token = bearerFromParams(ctx.connectionParams);
      if (token === undefined) return false;
      try {
        const verified = await tokens.verifyToken(token);
        Object.assign(ctx.extra, { token, principal: verified.principal, expiresAt: verified.expiresAt });
      } catch {
        return false;
      }
      if ((await refusal(ctx.extra)) !== undefined) return false;
      closeAtExpiry(ctx, ctx.extra.expiresAt ?? new Date(0));
      return true;
    },
    onSubscribe: async (ctx, _id, payload) => {
      const reason = await refusal(ctx.extra);
      if (reason !== undefined) {
        closeForbidden(ctx, reason);
        return [new GraphQLError(reason, { extensions: { code: 'UNAUTHENTICATED' } })];
      }
      return rules.prepare(payload);
    },
    onNext: (_ctx, _id, _payload, _args, result) =>
      result.errors === undefined
        ? undefined
        : { ...result, errors: formatResultErrors(result.errors.map((e) => e.toJSON())) },
    onError: (_ctx, _id, _payload, errors) => formatResultErrors(errors.map((e) => e.toJSON())),
    onClose: (ctx) => {
      clearTimeout(ctx.extra.expiryTimer);
    },
  };
  // Nest hands every graphql-ws server option through to `useServer`; its type names only a few.
  return options as GraphQLWsSubscriptionsConfig;
}
