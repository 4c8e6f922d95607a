import { useEffect } from 'react';
import { useQuery } from 'urql';
import { graphql } from '../gql';
import { Link, navigate, useLocation } from '../router';
import { Empty, ErrorMessage, Loading, when, present } from '../ui';

const CATALOG = graphql(`
  query Catalog {
    integrations {
      key
      name
      category
      connections {
        id
        status
        lastSuccessfulSyncAt
      }
    }
  }
`);

/** All integrations: one card per catalog entry, with its connection's status and last sync. */
export function IntegrationsPage() {
  const [result] = useQuery({ query: CATALOG, requestPolicy: 'cache-and-network' });
  const location = useLocation();
  const connectionId = location.searchParams.get('connection');
  // The OAuth callback lands here (DASHBOARD_URL): forward its result to the connection's integration page.
  const owner = result.data?.integrations.find((i) => i.connections.some((c) => c.id === connectionId));
  useEffect(() => {
    if (owner === undefined) return;
    navigate(`/integrations/${owner.key}${location.search}`, { replace: true });
  }, [owner, location.search]);
  const outcome = location.searchParams.get('result');
  const reason = location.searchParams.get('reason') ?? '';
  return (
    <>
      <h1>Integrations</h1>
      {connectionId !== null && owner === undefined && present(result.data) && (
        <p className={`banner ${outcome === 'connected' ? 'ok' : 'bad'}`} role="status">
          {outcome === 'connected'
            ? 'The connection is authorized.'
            : `The connection could not be completed: ${reason.replace(/_/g, ' ') || 'unknown reason'}.`}
        </p>
      )}
      <ErrorMessage error={result.error} />
      {result.fetching && !present(result.data) && <Loading what="the integrations" />}
      {result.data?.integrations.length === 0 && <Empty>No integrations are installed.</Empty>}
      <ul className="cards">
        {result.data?.integrations.map((i) => {
          const live = i.connections[0];
          return (
            <li key={i.key} className="card">
              <h2>
                <Link href={`/integrations/${i.key}`}>{i.name}</Link>
              </h2>
              <p>{i.category}</p>
              <p>Status: {live === undefined ? 'Not connected' : live.status}</p>
              <p>Last sync: {when(live?.lastSuccessfulSyncAt)}</p>
            </li>
          );
        })}
      </ul>
    </>
  );
}
