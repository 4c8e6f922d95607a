import { type ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import {
  type ComplexityEstimator,
  fieldExtensionsEstimator,
  getComplexity,
  simpleEstimator,
} from 'graphql-query-complexity';
import { DEFAULT_PAGE_SIZE } from './relay';

/** A list field costs its children times the page size asked for (`first`), so wide pages cost more. */
const pageEstimator: ComplexityEstimator = ({ args, childComplexity, field }) => {
  if (!('first' in field.args.reduce<Record<string, true>>((acc, a) => ({ ...acc, [a.name]: true }), {}))) {
    return undefined;
  }
  const first = typeof args.first === 'number' ? args.first : DEFAULT_PAGE_SIZE;
  return 1 + childComplexity * first;
};

/** Rejects an operation whose estimated cost exceeds `maxComplexity`, before any resolver runs. */
export function complexityPlugin(maxComplexity: number): ApolloServerPlugin {
  return {
    requestDidStart: ({ schema }) =>
      Promise.resolve({
        didResolveOperation({ request, document }) {
          const complexity = getComplexity({
            schema,
            query: document,
            ...(request.operationName === undefined ? {} : { operationName: request.operationName }),
            variables: request.variables ?? {},
            estimators: [
              fieldExtensionsEstimator(),
              pageEstimator,
              simpleEstimator({ defaultComplexity: 1 }),
            ],
          });
          if (complexity > maxComplexity) {
            throw new GraphQLError(
              `Query is too complex: cost ${complexity} exceeds the maximum of ${maxComplexity}. Ask for fewer fields or smaller pages.`,
              { extensions: { code: 'BAD_USER_INPUT', complexity, maxComplexity } },
            );
          }
          return Promise.resolve();
        },
      }),
  };
}
