import { type ApolloServerPlugin } from '@apollo/server';
import {
  type DocumentNode,
  type ExecutionArgs,
  GraphQLError,
  type GraphQLSchema,
  NoSchemaIntrospectionCustomRule,
  OperationTypeNode,
  parse,
  specifiedRules,
  validate,
  type ValidationRule,
} from 'graphql';
import depthLimit from 'graphql-depth-limit';
import { type AppConfig } from '#src/config/app-config';
import { complexityPlugin, operationCostError } from './complexity.plugin';

export interface OperationRulesOptions {
  readonly maxDepth: number;
  readonly maxComplexity: number;
  readonly introspection: boolean;
}

/** What a graphql-ws `subscribe` message carries. */
export interface OperationPayload {
  readonly query: string;
  readonly operationName?: string | null;
  readonly variables?: Readonly<Record<string, unknown>> | null;
}

/**
 * The limits every GraphQL operation is held to, whichever transport carries it: the depth limit, the cost
 * limit and, in production, no introspection. Apollo applies them to HTTP through its options and plugins;
 * `prepare` applies the very same ones to graphql-ws operations, which Apollo never sees.
 */
export class OperationRules {
  private schema: GraphQLSchema | undefined;
  private readonly depthRule: ValidationRule;

  constructor(readonly options: OperationRulesOptions) {
    this.depthRule = depthLimit(options.maxDepth) as ValidationRule;
  }

  static fromConfig(config: AppConfig): OperationRules {
    return new OperationRules({
      maxDepth: config.graphql.maxDepth,
      maxComplexity: config.graphql.maxComplexity,
      introspection: config.nodeEnv !== 'production',
    });
  }

  /** Added to graphql's own rules over HTTP (Apollo adds the introspection rule itself when it is off). */
  httpValidationRules(): ValidationRule[] {
    return [this.depthRule];
  }

  /** The cost limit, subscriptions refused over HTTP, and the schema remembered for graphql-ws. */
  apolloPlugins(): ApolloServerPlugin[] {
    return [
      complexityPlugin(this.options.maxComplexity),
      {
        requestDidStart: () =>
          Promise.resolve({
            didResolveOperation: ({ operation }) => {
              if (operation?.operation !== OperationTypeNode.SUBSCRIPTION) return Promise.resolve();
              throw new GraphQLError('Subscriptions are served over graphql-ws only', {
                extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
              });
            },
          }),
      },
      {
        serverWillStart: ({ schema }) => {
          this.schema = schema;
          return Promise.resolve();
        },
      },
    ];
  }

  /** Parses, validates and costs one graphql-ws operation: its execution arguments, or the errors to send. */
  prepare(payload: OperationPayload): ExecutionArgs | readonly GraphQLError[] {
    const schema = this.schema;
    if (schema === undefined) {
      return [new GraphQLError('The server is starting', { extensions: { code: 'INTERNAL_SERVER_ERROR' } })];
    }
    let document: DocumentNode;
    try {
      document = parse(payload.query);
    } catch (error) {
      const message = error instanceof GraphQLError ? error.message : 'Syntax error';
      return [new GraphQLError(message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
    }
    const rules = [
      ...specifiedRules,
      this.depthRule,
      ...(this.options.introspection ? [] : [NoSchemaIntrospectionCustomRule]),
    ];
    const invalid = validate(schema, document, rules);
    if (invalid.length > 0) {
      return invalid.map(
        (e) =>
          new GraphQLError(e.message, {
            nodes: e.nodes ?? null,
            extensions: { ...e.extensions, code: 'GRAPHQL_VALIDATION_FAILED' },
          }),
      );
    }
    const costly = operationCostError(
      { schema, document, operationName: payload.operationName, variables: payload.variables },
      this.options.maxComplexity,
    );
    if (costly !== undefined) return [costly];
    return {
      schema,
      document,
      ...(typeof payload.operationName === 'string' ? { operationName: payload.operationName } : {}),
      ...(payload.variables ? { variableValues: payload.variables } : {}),
    };
  }
}
