import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { Module } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import depthLimit from 'graphql-depth-limit';
import { type Context } from 'graphql-ws';
import { type AppConfig } from '#src/config/app-config';
import { APP_CONFIG } from '#src/config/config.module';
import { formatGraphqlError } from '#src/common/errors/graphql-error.format';
import { type Principal } from '#src/common/tenancy/principal';
import { type GraphqlRequestContext } from '#src/common/tenancy/request-context';
import { TenancyModule } from '#src/common/tenancy/tenancy.module';
import { TokenService } from '#src/common/tenancy/token.service';
import { complexityPlugin } from './complexity.plugin';
import { PubSubModule } from './pubsub.module';

interface WsExtra {
  principal?: Principal;
}

function bearerFromParams(params: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const value = params?.authorization ?? params?.Authorization;
  if (typeof value !== 'string') return undefined;
  return /^Bearer\s+(\S+)\s*$/i.exec(value)?.[1];
}

/** Apollo (code-first), `graphql-ws` subscriptions authenticated at connection time, limits, PubSub. */
@Module({
  imports: [
    PubSubModule,
    GraphQLModule.forRootAsync<ApolloDriverConfig>({
      driver: ApolloDriver,
      imports: [TenancyModule],
      inject: [APP_CONFIG, TokenService],
      useFactory: (config: AppConfig, tokens: TokenService): ApolloDriverConfig => ({
        path: '/graphql',
        autoSchemaFile: true,
        sortSchema: true,
        playground: false,
        graphiql: config.nodeEnv === 'development',
        introspection: config.nodeEnv !== 'production',
        includeStacktraceInErrorResponses: false,
        formatError: formatGraphqlError,
        validationRules: [depthLimit(config.graphql.maxDepth)],
        plugins: [complexityPlugin(config.graphql.maxComplexity)],
        fieldResolverEnhancers: ['guards', 'interceptors', 'filters'],
        context: ({
          req,
          extra,
        }: {
          req?: GraphqlRequestContext['req'];
          extra?: WsExtra;
        }): GraphqlRequestContext =>
          extra !== undefined ? (extra.principal ? { principal: extra.principal } : {}) : req ? { req } : {},
        subscriptions: {
          'graphql-ws': {
            onConnect: async (
              ctx: Context<Record<string, unknown> | undefined, unknown>,
            ): Promise<boolean> => {
              const token = bearerFromParams(ctx.connectionParams);
              if (token === undefined) return false;
              try {
                (ctx.extra as WsExtra).principal = await tokens.verify(token);
                return true;
              } catch {
                return false;
              }
            },
          },
        },
      }),
    }),
  ],
})
export class GraphqlInfraModule {}
