import { type GraphQLFormattedError } from 'graphql';
import { ERROR_CODES } from './domain.error';

const PASSTHROUGH_CODES = new Set<string>([
  ...ERROR_CODES,
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'OPERATION_RESOLUTION_FAILURE',
]);

/**
 * The last line of defence for what leaves over GraphQL: known codes keep their message and safe
 * extensions; anything else becomes a generic INTERNAL_SERVER_ERROR (the detail is logged by the filter).
 * Stack traces and original errors never leave.
 */
export function formatGraphqlError(formatted: GraphQLFormattedError): GraphQLFormattedError {
  const {
    stacktrace: _stacktrace,
    originalError: _originalError,
    exception: _exception,
    ...extensions
  } = formatted.extensions ?? {};
  const code = typeof extensions.code === 'string' ? extensions.code : 'INTERNAL_SERVER_ERROR';
  if (!PASSTHROUGH_CODES.has(code) || code === 'INTERNAL_SERVER_ERROR') {
    return {
      message: 'Internal server error',
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    };
  }
  return { ...formatted, extensions: { ...extensions, code } };
}
