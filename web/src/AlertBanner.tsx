import { useEffect, useState } from 'react';
import { useQuery, useSubscription } from 'urql';
import { graphql } from './gql';

const OPEN_ALERTS = graphql(`
  query OpenAlerts {
    alerts(status: OPEN, first: 20) {
      edges {
        node {
          id
          kind
          connectionId
          message
          openedAt
          resolvedAt
        }
      }
    }
  }
`);

const ALERTS_LIVE = graphql(`
  subscription AlertsLive {
    staleAlerts {
      id
      kind
      connectionId
      message
      openedAt
      resolvedAt
    }
  }
`);

interface OpenAlert {
  readonly id: string;
  readonly message: string;
}

/** Open alerts on every page: the list at load, then the `staleAlerts` subscription opens and resolves them. */
export function AlertBanner() {
  const [initial] = useQuery({ query: OPEN_ALERTS, requestPolicy: 'network-only' });
  const [open, setOpen] = useState<ReadonlyMap<string, OpenAlert>>(new Map());
  useEffect(() => {
    const nodes = initial.data?.alerts.edges.map((e) => e.node) ?? [];
    setOpen(new Map(nodes.map((n) => [n.id, { id: n.id, message: n.message }])));
  }, [initial.data]);
  useSubscription({ query: ALERTS_LIVE }, (_previous, event) => {
    const alert = event.staleAlerts;
    setOpen((current) => {
      const next = new Map(current);
      if (alert.resolvedAt === null || alert.resolvedAt === undefined) next.set(alert.id, alert);
      else next.delete(alert.id);
      return next;
    });
    return event;
  });
  if (open.size === 0) return null;
  return (
    <div className="banner bad" role="alert">
      <strong>Attention:</strong>
      <ul>
        {[...open.values()].map((a) => (
          <li key={a.id}>{a.message}</li>
        ))}
      </ul>
    </div>
  );
}
