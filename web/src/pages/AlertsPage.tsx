import { useMutation, useQuery } from 'urql';
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
          acknowledgedBy
        }
      }
    }
  }
`);

const ACKNOWLEDGE = graphql(`
  mutation AcknowledgeAlert($id: ID!) {
    acknowledgeAlert(id: $id) {
      id
      resolvedAt
      acknowledgedBy
    }
  }
`);

/** Alerts, newest first; an ADMIN acknowledges a risky change's alert here (audited). */
export function AlertsPage({ admin }: { admin: boolean }) {
  const [result, refresh] = useQuery({ query: ALERTS, requestPolicy: 'network-only' });
  const [acknowledged, acknowledge] = useMutation(ACKNOWLEDGE);
  const edges = result.data?.alerts.edges ?? [];
  return (
    <>
      <h1>Alerts</h1>
      <ErrorMessage error={result.error ?? acknowledged.error} />
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
                  {node.resolvedAt === null || node.resolvedAt === undefined ? (
                    admin && node.kind === 'RISKY_CHANGE' ? (
                      <button
                        type="button"
                        disabled={acknowledged.fetching}
                        onClick={() =>
                          void acknowledge({ id: node.id }).then(() =>
                            refresh({ requestPolicy: 'network-only' }),
                          )
                        }
                      >
                        Acknowledge
                      </button>
                    ) : (
                      'open'
                    )
                  ) : (
                    `${when(node.resolvedAt)}${present(node.acknowledgedBy) ? ` (acknowledged by ${node.acknowledgedBy})` : ''}`
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
