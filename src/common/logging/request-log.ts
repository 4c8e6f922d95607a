import { type ApolloServerPlugin } from '@apollo/server';
import { type DocumentNode, Kind } from 'graphql';
import { type GraphqlRequestContext } from '#src/common/tenancy/request-context';
import { type Principal } from '#src/common/tenancy/principal';

/** What the request log line reads from a request, besides what pino-http records itself. */
interface LoggedRequest {
  /** Set by `AuthGuard` from the verified token (the token itself is never read here). */
  principal?: Principal;
  /** Set by `graphqlOperationLogPlugin`. */
  graphqlOperationName?: string;
}

const NAME = /^[_A-Za-z][_0-9A-Za-z]{0,127}$/;

/** The fields a request's log line adds: the GraphQL operation and the authenticated organization. */
export function requestLogFields(req: unknown): { operationName?: string; organizationId?: string } {
  const logged = req as LoggedRequest;
  const fields: { operationName?: string; organizationId?: string } = {};
  if (logged.graphqlOperationName !== undefined) fields.operationName = logged.graphqlOperationName;
  if (logged.principal !== undefined) fields.organizationId = logged.principal.organizationId;
  return fields;
}

/**
 * The operation a document runs: the requested `operationName`, else the operation's own name, else its
 * first field (`{ connections { … } }` logs as `connections`).
 */
export function operationNameOf(document: DocumentNode, requested?: string | null): string | undefined {
  if (typeof requested === 'string' && NAME.test(requested)) return requested;
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (operation === undefined) return undefined;
  if (operation.name !== undefined) return operation.name.value;
  const field = operation.selectionSet.selections.find((s) => s.kind === Kind.FIELD);
  return field?.name.value;
}

/** Records each HTTP GraphQL operation's name on its request, for the request log line. */
export function graphqlOperationLogPlugin(): ApolloServerPlugin {
  const record = (context: unknown, name: string | undefined): void => {
    const req = (context as GraphqlRequestContext).req as LoggedRequest | undefined;
    if (req !== undefined && name !== undefined) req.graphqlOperationName = name;
  };
  return {
    requestDidStart: ({ request, contextValue }) => {
      const requested = request.operationName;
      if (typeof requested === 'string' && NAME.test(requested)) record(contextValue, requested);
      return Promise.resolve({
        // Before validation, so that a rejected operation is named too. Apollo skips parsing and validation
        // for a query text it has already validated, so a repeated one is named when it is resolved.
        validationDidStart: ({ document }) => {
          record(contextValue, operationNameOf(document, requested));
          return Promise.resolve();
        },
        didResolveOperation: ({ document }) => {
          record(contextValue, operationNameOf(document, requested));
          return Promise.resolve();
        },
      });
    },
  };
}
