import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { Module } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { type AppConfig } from '#src/config/app-config';
import { APP_CONFIG } from '#src/config/config.module';
import { formatGraphqlError } from '#src/common/errors/graphql-error.format';
import { graphqlOperationLogPlugin } from '#src/common/logging/request-log';
import { type GraphqlRequestContext } from '#src/common/tenancy/request-context';
import { TenancyModule } from '#src/common/tenancy/tenancy.module';
import { TokenService } from '#src/common/tenancy/token.service';
import { OrganizationsModule } from '#src/modules/organizations/organizations.module';
import { OrganizationsSystemService } from '#src/modules/organizations/organizations-system.service';
import { GRAPHQL_PATH } from './graphql-path';
import { graphqlWsOptions, type WsExtra } from './graphql-ws.options';
import { OperationRules } from './operation-rules';
import { PubSubModule } from './pubsub.module';

/**
 * Apollo (code-first), `graphql-ws` subscriptions, and one set of operation rules (depth, cost,
 * introspection) for both transports; PubSub.
 */
@Module({
  imports: [
    PubSubModule,
    GraphQLModule.forRootAsync<ApolloDriverConfig>({
      driver: ApolloDriver,
      imports: [TenancyModule, OrganizationsModule],
      inject: [APP_CONFIG, TokenService, OrganizationsSystemService],
      useFactory: (
        config: AppConfig,
        tokens: TokenService,
        organizations: OrganizationsSystemService,
      ): ApolloDriverConfig => {
        const rules = OperationRules.fromConfig(config);
        return {
          path: GRAPHQL_PATH,
          autoSchemaFile: true,
          sortSchema: true,
          playground: false,
          // GraphiQL is bundled and served by the app itself at /graphiql in development (graphiql.ts), not
          // Apollo's landing page, which loads it from a CDN.
          graphiql: false,
          introspection: rules.options.introspection,
          includeStacktraceInErrorResponses: false,
          formatError: formatGraphqlError,
          validationRules: rules.httpValidationRules(),
          plugins: [...rules.apolloPlugins(), graphqlOperationLogPlugin()],
          fieldResolverEnhancers: ['guards', 'interceptors', 'filters'],
          context: ({
            req,
            extra,
          }: {
            req?: GraphqlRequestContext['req'];
            extra?: WsExtra;
          }): GraphqlRequestContext =>
            extra !== undefined
              ? extra.principal
                ? { principal: extra.principal }
                : {}
              : req
                ? { req }
                : {},
          subscriptions: { 'graphql-ws': graphqlWsOptions({ tokens, organizations, rules }) },
        };
      },
    }),
  ],
})
export class GraphqlInfraModule {}
