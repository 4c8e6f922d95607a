import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import { createRoot } from 'react-dom/client';
import 'graphiql/style.css';
import './graphiql.css';

/**
 * GraphiQL for development, bundled by Vite (`npm run build:graphiql`) and served by the API at /graphiql only
 * when NODE_ENV=development: nothing is loaded from a CDN. Queries go to /graphql on the same origin, and
 * subscriptions over graphql-ws; the headers editor's values (`{"authorization": "Bearer …"}`) are sent with
 * both (as the connection parameters of a subscription).
 */
const http = new URL('/graphql', window.location.href);
const ws = new URL(http);
ws.protocol = http.protocol === 'https:' ? 'wss:' : 'ws:';

const fetcher = createGraphiQLFetcher({ url: http.href, subscriptionUrl: ws.href });

const root = document.getElementById('graphiql');
if (root !== null) {
  createRoot(root).render(
    <GraphiQL
      fetcher={fetcher}
      defaultEditorToolsVisibility="headers"
      defaultHeaders={'{\n  "authorization": "Bearer "\n}'}
      shouldPersistHeaders={false}
    />,
  );
}
