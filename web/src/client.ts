import { Client, cacheExchange, fetchExchange, mapExchange, subscriptionExchange } from 'urql';
import { createClient as createWsClient } from 'graphql-ws';

/** One GraphQL client per session: HTTP for queries and mutations, graphql-ws for subscriptions. */
export function graphqlClient(token: string, onRefused: (reason: string) => void): Client {
  const authorization = `Bearer ${token}`;
  const ws = createWsClient({
    url: `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/graphql`,
    connectionParams: { authorization },
    lazy: true,
    retryAttempts: 5,
    on: {
      closed: (event) => {
        const code = (event as { code?: number }).code;
        if (code === 4401 || code === 4403) onRefused('The server refused your sign-in for live updates.');
      },
    },
  });
  return new Client({
    url: '/graphql',
    exchanges: [
      cacheExchange,
      // Any operation the server refuses as unauthenticated (an expired token, mid-session) signs out.
      mapExchange({
        onError(error) {
          const refused = error.graphQLErrors.find((e) => e.extensions?.code === 'UNAUTHENTICATED');
          if (refused !== undefined) onRefused(`The server refused your sign-in: ${refused.message}.`);
        },
      }),
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query ?? '' };
          return {
            subscribe(sink) {
              const unsubscribe = ws.subscribe(input, sink);
              return { unsubscribe };
            },
          };
        },
      }),
    ],
    fetchOptions: () => ({ headers: { authorization } }),
    preferGetMethod: false,
  });
}
