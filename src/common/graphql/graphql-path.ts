/** Where the GraphQL endpoint (HTTP and graphql-ws) is served. */
export const GRAPHQL_PATH = '/graphql';
