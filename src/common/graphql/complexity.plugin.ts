import { type ApolloServerPlugin } from '@apollo/server';
import { type DocumentNode, getOperationAST, GraphQLError, type GraphQLSchema } from 'graphql';
import {
  type ComplexityEstimator,
  fieldExtensionsEstimator,
  getComplexity,
  simpleEstimator,
} from 'graphql-query-complexity';
import { DEFAULT_PAGE_SIZE } from './relay';

/**
 * Fields that read an organization's whole data set rather than one page: each costs its weight and may be
 * asked for once per operation, because every alias would be one more full scan holding a database
 * connection (300 aliases of `checks` once wedged the database for every tenant).
 */
export const ORGANIZATION_SCANS: Readonly<Record<string, number>> = {
  'Query.checks': 200,
  'Query.coverage': 200,
  'Query.verifyAuditChain': 500,
  'Query.checkExceptions': 50,
  // Every failing item of a check, as many as the organization's users (deprecated for failingItems).
  'CheckResult.failing': 100,
};

/** Plain lists (not Relay connections) whose resolver caps the rows it reads: costed as a page of the cap. */
const CAPPED_LISTS: Readonly<Record<string, number>> = {
  'Integration.connections': 100,
};

/** A list field costs its children times the page size asked for (`first`), so wide pages cost more. */
const pageEstimator: ComplexityEstimator = ({ args, childComplexity, field }) => {
  if (!field.args.some((arg) => arg.name === 'first')) return undefined;
  const first = typeof args.first === 'number' ? args.first : DEFAULT_PAGE_SIZE;
  return 1 + childComplexity * first;
};

const cappedListEstimator: ComplexityEstimator = ({ type, field, childComplexity }) => {
  const cap = CAPPED_LISTS[`${type.name}.${field.name}`];
  return cap === undefined ? undefined : 1 + childComplexity * cap;
};

export interface OperationToCost {
  readonly schema: GraphQLSchema;
  readonly document: DocumentNode;
  readonly operationName?: string | null | undefined;
  readonly variables?: Readonly<Record<string, unknown>> | null | undefined;
}

/**
 * Why an operation must not run (too costly, a whole-organization scan asked for twice, variables that do not
 * fit), or undefined when it may. Shared by HTTP and graphql-ws so both transports apply one rule.
 */
export function operationCostError(
  operation: OperationToCost,
  maxComplexity: number,
): GraphQLError | undefined {
  const operationName = typeof operation.operationName === 'string' ? operation.operationName : undefined;
  if (getOperationAST(operation.document, operationName) === null) {
    return new GraphQLError(
      operationName === undefined
        ? 'Must provide an operation name when the document holds several operations'
        : `Unknown operation named "${operationName.slice(0, 100)}"`,
      { extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } },
    );
  }
  const scans = new Map<string, Set<string>>();
  const scanEstimator: ComplexityEstimator = ({ type, field, node, childComplexity }) => {
    const coordinate = `${type.name}.${field.name}`;
    const weight = ORGANIZATION_SCANS[coordinate];
    if (weight === undefined) return undefined;
    // Fields with one response key are merged by GraphQL and run once; distinct aliases each run.
    const keys = scans.get(coordinate) ?? new Set<string>();
    keys.add(node.alias?.value ?? node.name.value);
    scans.set(coordinate, keys);
    return weight + childComplexity;
  };
  let complexity: number;
  try {
    complexity = getComplexity({
      schema: operation.schema,
      query: operation.document,
      ...(operationName === undefined ? {} : { operationName }),
      variables: { ...(operation.variables ?? {}) },
      estimators: [
        scanEstimator,
        cappedListEstimator,
        fieldExtensionsEstimator(),
        pageEstimator,
        simpleEstimator({ defaultComplexity: 1 }),
      ],
    });
  } catch (error) {
    // Variables that do not fit their types, or an operation too large to walk: the caller's mistake.
    return new GraphQLError(error instanceof GraphQLError ? error.message : 'Invalid operation', {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  for (const [coordinate, keys] of scans) {
    if (keys.size > 1) {
      const name = coordinate.slice(coordinate.indexOf('.') + 1);
      return new GraphQLError(
        `\`${name}\` reads all of the organization's data and may be asked for once per operation (asked ${keys.size} times).`,
        { extensions: { code: 'BAD_USER_INPUT', field: name } },
      );
    }
  }
  if (complexity > maxComplexity) {
    return new GraphQLError(
      `Query is too complex: cost ${complexity} exceeds the maximum of ${maxComplexity}. Ask for fewer fields or smaller pages.`,
      { extensions: { code: 'BAD_USER_INPUT', complexity, maxComplexity } },
    );
  }
  return undefined;
}

/** Rejects (HTTP 400) an operation that costs too much, before any resolver runs. */
export function complexityPlugin(maxComplexity: number): ApolloServerPlugin {
  return {
    requestDidStart: ({ schema }) =>
      Promise.resolve({
        didResolveOperation({ request, document }) {
          const error = operationCostError(
            { schema, document, operationName: request.operationName, variables: request.variables },
            maxComplexity,
          );
          if (error !== undefined) {
            throw new GraphQLError(error.message, {
              extensions: { ...error.extensions, http: { status: 400 } },
            });
          }
          return Promise.resolve();
        },
      }),
  };
}
