import { useQuery } from 'urql';
import { graphql } from '../gql';
import { Empty, ErrorMessage, Loading, when, present } from '../ui';

const ALERTS = graphql(`
  query AlertsPage {
    alerts(status: ALL, first: 50) {
      edges {
        node {
          id
          kind
          message
          openedAt
          resolvedAt
        }
      }
    }
  }
`);

export function AlertsPage() {
  const [result] = useQuery({ query: ALERTS, requestPolicy: 'network-only' });
  const edges = result.data?.alerts.edges ?? [];
  return (
    <>
      <h1>Alerts</h1>
      <ErrorMessage error={result.error} />
      {result.fetching && !present(result.data) && <Loading what="alerts" />}
      {present(result.data) && edges.length === 0 && <Empty>No alerts.</Empty>}
      {edges.length > 0 && (
        <table aria-label="Alerts">
          <thead>
            <tr>
              <th scope="col">Kind</th>
              <th scope="col">Message</th>
              <th scope="col">Opened</th>
              <th scope="col">Resolved</th>
            </tr>
          </thead>
          <tbody>
            {edges.map(({ node }) => (
              <tr key={node.id}>
                <td>{node.kind}</td>
                <td>{node.message}</td>
                <td>{when(node.openedAt)}</td>
                <td>
                  {node.resolvedAt === null || node.resolvedAt === undefined ? 'open' : when(node.resolvedAt)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
