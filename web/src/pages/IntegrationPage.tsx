import { type FormEvent, useEffect, useRef, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../gql';
import { useLocation } from '../router';
import { describe, Empty, ErrorMessage, errorField, Loading, when, present } from '../ui';

const INTEGRATION = graphql(`
  query IntegrationPage($key: String!) {
    integration(key: $key) {
      key
      name
      category
      authMethod
      syncCadence
      staleThreshold
      controls
      evidenceTypes
      requiredScopes
      optionalScopes {
        scope
        why
      }
      redirectUri
      setupSteps {
        title
        body
      }
      securityModel {
        title
        body
      }
      connections {
        id
        status
        statusReason
        externalTenant
        grantedScopes
        lastSuccessfulSyncAt
        nextSyncAt
        reauthDueAt
        stale
      }
    }
    controls {
      id
      title
      evidenceTypes
    }
  }
`);

const CONNECT = graphql(`
  mutation Connect($input: ConnectIntegrationInput!) {
    connectIntegration(input: $input) {
      authorizeUrl
    }
  }
`);
const SYNC = graphql(`
  mutation SyncNow($id: ID!) {
    syncConnection(input: { connectionId: $id }) {
      id
    }
  }
`);
const REAUTHORIZE = graphql(`
  mutation Reauthorize($id: ID!) {
    reauthorizeConnection(input: { connectionId: $id }) {
      authorizeUrl
    }
  }
`);
const DISCONNECT = graphql(`
  mutation Disconnect($id: ID!) {
    revokeConnection(input: { connectionId: $id }) {
      id
      status
    }
  }
`);
const RUNS = graphql(`
  query Runs($id: ID!) {
    connectorRuns(connectionId: $id, first: 10) {
      edges {
        node {
          id
          status
          trigger
          startedAt
          finishedAt
          error {
            code
            message
          }
          stats {
            collector
            pages
            items
            complete
          }
        }
      }
    }
  }
`);

const REASONS: Readonly<Record<string, string>> = {
  access_denied: 'the admin declined the authorization',
  token_exchange_failed:
    'the authorization code could not be exchanged (check the client secret and client authentication)',
  scope_rejected: 'the grant lacked a required read scope, or carried a write scope',
  connection_revoked: 'the connection was disconnected meanwhile',
  connection_busy: 'the connection was being changed; try again',
};

const DAY = 86_400_000;

/** One integration: what it collects and why, how to set it up, the connect form, and its connection. */
export function IntegrationPage({ integrationKey, admin }: { integrationKey: string; admin: boolean }) {
  const location = useLocation();
  const [result, refetch] = useQuery({
    query: INTEGRATION,
    variables: { key: integrationKey },
    requestPolicy: 'cache-and-network',
  });
  if (result.fetching && !present(result.data)) return <Loading what="the integration" />;
  const integration = result.data?.integration;
  if (integration === undefined || integration === null) {
    return (
      <>
        <h1>Integration not found</h1>
        <ErrorMessage error={result.error} />
        <p>No integration is installed under “{integrationKey}”.</p>
      </>
    );
  }
  const outcome = location.searchParams.get('result');
  const reason = location.searchParams.get('reason') ?? '';
  const connection = integration.connections[0];
  const okta = integration.key === 'okta';
  const controls = result.data?.controls ?? [];
  return (
    <>
      <h1>{integration.name}</h1>
      {outcome === 'connected' && (
        <p className="banner ok" role="status">
          {integration.name} is connected. The first sync has started.
        </p>
      )}
      {outcome === 'error' && (
        <p className="banner bad" role="status">
          Connecting {integration.name} failed: {REASONS[reason] ?? reason.replace(/_/g, ' ')}.
        </p>
      )}
      <ErrorMessage error={result.error} />
      <section aria-labelledby="overview">
        <h2 id="overview">Overview</h2>
        <p>
          {integration.category} · {integration.authMethod} · synced every{' '}
          {integration.syncCadence.replace('PT', '').toLowerCase()}, stale after{' '}
          {integration.staleThreshold.replace('PT', '').toLowerCase()}
        </p>
      </section>
      <section aria-labelledby="collect">
        <h2 id="collect">What we collect</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">Evidence type</th>
              <th scope="col">Controls</th>
            </tr>
          </thead>
          <tbody>
            {integration.evidenceTypes.map((type) => (
              <tr key={type}>
                <td>{type}</td>
                <td>
                  {controls
                    .filter((c) => c.evidenceTypes.includes(type))
                    .map((c) => `${c.id} ${c.title}`)
                    .join('; ')}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section aria-labelledby="security">
        <h2 id="security">Security model</h2>
        <p>Scopes requested (read-only): {integration.requiredScopes.join(', ')}.</p>
        {integration.optionalScopes.length > 0 && (
          <>
            <p>Optional scopes (read-only; the connection works without them):</p>
            <ul aria-label="Optional scopes">
              {integration.optionalScopes.map((o) => (
                <li key={o.scope}>
                  <code>{o.scope}</code> (optional): {o.why}
                </li>
              ))}
            </ul>
          </>
        )}
        <dl className="facts">
          {integration.securityModel.map((s) => (
            <div key={s.title} style={{ display: 'contents' }}>
              <dt>{s.title}</dt>
              <dd>{s.body}</dd>
            </div>
          ))}
        </dl>
      </section>
      <section aria-labelledby="setup">
        <h2 id="setup">Setup</h2>
        <ol>
          {integration.setupSteps.map((s) => (
            <li key={s.title}>
              <strong>{s.title}.</strong> {s.body}
            </li>
          ))}
        </ol>
      </section>
      <section aria-labelledby="connection">
        <h2 id="connection">Connection</h2>
        {connection === undefined ? (
          admin ? (
            <ConnectForm integrationKey={integration.key} name={integration.name} okta={okta} />
          ) : (
            <Empty>Not connected. An admin of your organization can connect it.</Empty>
          )
        ) : (
          <ConnectionPanel
            connection={connection}
            admin={admin}
            onChanged={() => refetch({ requestPolicy: 'network-only' })}
          />
        )}
      </section>
    </>
  );
}

function ConnectForm({
  integrationKey,
  name,
  okta,
}: {
  integrationKey: string;
  name: string;
  okta: boolean;
}) {
  const tenantLabel = okta ? 'Okta domain' : `${name} account`;
  const [values, setValues] = useState({
    externalTenant: '',
    clientId: '',
    clientSecret: '',
    clientAuthMethod: 'CLIENT_SECRET_BASIC',
  });
  const [touched, setTouched] = useState<Record<string, boolean>>({});
  const [state, connect] = useMutation(CONNECT);
  const local: Record<string, string | undefined> = {
    externalTenant:
      values.externalTenant.trim() === ''
        ? `${tenantLabel} is required`
        : okta && !/^(https?:\/\/)?[^\s/?#@]+\/?$/i.test(values.externalTenant.trim())
          ? 'Enter a bare host name, e.g. acme.okta.com'
          : undefined,
    clientId:
      values.clientId.trim() === ''
        ? 'Client ID is required'
        : /^[A-Za-z0-9._-]+$/.test(values.clientId)
          ? undefined
          : 'Client ID may contain only letters, digits, ".", "_" and "-"',
    clientSecret: values.clientSecret === '' ? 'Client secret is required' : undefined,
  };
  const serverField = errorField(state.error);
  const message = (field: string): string | undefined =>
    (touched[field] === true ? local[field] : undefined) ??
    (serverField === field && state.error !== undefined ? describe(state.error) : undefined);
  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setTouched({ externalTenant: true, clientId: true, clientSecret: true });
    if (Object.values(local).some((m) => m !== undefined)) return;
    const result = await connect({
      input: {
        integrationKey,
        ...values,
        clientAuthMethod: values.clientAuthMethod as 'CLIENT_SECRET_BASIC' | 'CLIENT_SECRET_POST',
      },
    });
    const url = result.data?.connectIntegration.authorizeUrl;
    if (url !== undefined) window.location.assign(url);
  };
  const field = (id: 'externalTenant' | 'clientId' | 'clientSecret', label: string, type = 'text') => (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        name={id}
        type={type}
        autoComplete="off"
        value={values[id]}
        aria-invalid={message(id) !== undefined}
        aria-describedby={message(id) === undefined ? undefined : `${id}-error`}
        onChange={(e) => setValues({ ...values, [id]: e.target.value })}
        onBlur={() => setTouched({ ...touched, [id]: true })}
      />
      {message(id) !== undefined && (
        <p className="error" id={`${id}-error`}>
          {message(id)}
        </p>
      )}
    </div>
  );
  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-label={`Connect ${name}`}>
      {field('externalTenant', tenantLabel)}
      {field('clientId', 'Client ID')}
      {field('clientSecret', 'Client secret', 'password')}
      <div className="field">
        <label htmlFor="clientAuthMethod">Client authentication</label>
        <select
          id="clientAuthMethod"
          value={values.clientAuthMethod}
          onChange={(e) => setValues({ ...values, clientAuthMethod: e.target.value })}
        >
          <option value="CLIENT_SECRET_BASIC">Client secret in a Basic header (default)</option>
          <option value="CLIENT_SECRET_POST">Client secret in the request body</option>
        </select>
      </div>
      {state.error !== undefined && serverField === undefined && <ErrorMessage error={state.error} />}
      <button type="submit" disabled={state.fetching}>
        Connect {name}
      </button>
    </form>
  );
}

interface PanelConnection {
  readonly id: string;
  readonly status: string;
  readonly statusReason?: string | null;
  readonly externalTenant: string;
  readonly grantedScopes: readonly string[];
  readonly lastSuccessfulSyncAt?: string | null;
  readonly nextSyncAt?: string | null;
  readonly reauthDueAt?: string | null;
  readonly stale: boolean;
}

function ConnectionPanel({
  connection,
  admin,
  onChanged,
}: {
  connection: PanelConnection;
  admin: boolean;
  onChanged: () => void;
}) {
  const [syncState, sync] = useMutation(SYNC);
  const [reauthState, reauthorize] = useMutation(REAUTHORIZE);
  const [revokeState, revoke] = useMutation(DISCONNECT);
  const dialog = useRef<HTMLDialogElement>(null);
  const due =
    connection.reauthDueAt === null || connection.reauthDueAt === undefined
      ? undefined
      : new Date(connection.reauthDueAt);
  const soon = due !== undefined && due.getTime() - Date.now() < 14 * DAY;
  return (
    <>
      <dl className="facts">
        <dt>Account</dt>
        <dd>{connection.externalTenant}</dd>
        <dt>Status</dt>
        <dd>
          <span data-testid="connection-status">{connection.status}</span>
          {connection.stale ? ' (stale)' : ''}
          {connection.statusReason ? ` — ${connection.statusReason}` : ''}
        </dd>
        <dt>Granted scopes</dt>
        <dd>{connection.grantedScopes.join(', ') || '—'}</dd>
        <dt>Last successful sync</dt>
        <dd>{when(connection.lastSuccessfulSyncAt)}</dd>
        <dt>Next sync</dt>
        <dd>{when(connection.nextSyncAt)}</dd>
        <dt>Re-authorize by</dt>
        <dd>{due === undefined ? '—' : due.toLocaleString()}</dd>
      </dl>
      {soon && (
        <p className="banner warn" role="status">
          The authorization expires on {due.toLocaleDateString()}: re-authorize before then.
        </p>
      )}
      {admin && (
        <div className="actions">
          <button
            type="button"
            disabled={syncState.fetching || connection.status !== 'ACTIVE'}
            onClick={() => void sync({ id: connection.id }).then(onChanged)}
          >
            Sync now
          </button>
          <button
            type="button"
            className="secondary"
            disabled={reauthState.fetching}
            onClick={() =>
              void reauthorize({ id: connection.id }).then((r) => {
                const url = r.data?.reauthorizeConnection.authorizeUrl;
                if (url !== undefined) window.location.assign(url);
              })
            }
          >
            Re-authorize
          </button>
          <button type="button" className="danger" onClick={() => dialog.current?.showModal()}>
            Disconnect
          </button>
        </div>
      )}
      <ErrorMessage error={syncState.error ?? reauthState.error ?? revokeState.error} />
      <dialog ref={dialog} aria-labelledby="disconnect-title">
        <h3 id="disconnect-title">Disconnect {connection.externalTenant}?</h3>
        <p>
          We revoke our access at the vendor and delete the stored credentials. The evidence collected so far,
          the run history and the audit log are kept for the retention period.
        </p>
        <div className="actions">
          <button
            type="button"
            className="danger"
            onClick={() =>
              void revoke({ id: connection.id }).then(() => {
                dialog.current?.close();
                onChanged();
              })
            }
          >
            Disconnect and keep history
          </button>
          <button type="button" className="secondary" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
        </div>
      </dialog>
      <RunHistory connectionId={connection.id} onFinished={onChanged} />
    </>
  );
}

/** The latest runs; while one runs, its pages and items refresh every second until it ends. */
function RunHistory({ connectionId, onFinished }: { connectionId: string; onFinished: () => void }) {
  const [runs, refetch] = useQuery({
    query: RUNS,
    variables: { id: connectionId },
    requestPolicy: 'network-only',
  });
  const nodes = runs.data?.connectorRuns.edges.map((e) => e.node) ?? [];
  const running = nodes.some((r) => r.status === 'RUNNING');
  const wasRunning = useRef(false);
  useEffect(() => {
    if (wasRunning.current && !running) onFinished();
    wasRunning.current = running;
    if (!running) return;
    const timer = setInterval(() => refetch({ requestPolicy: 'network-only' }), 1000);
    return () => clearInterval(timer);
  }, [running, refetch, onFinished]);
  return (
    <section aria-labelledby="runs">
      <h3 id="runs">Run history</h3>
      <ErrorMessage error={runs.error} />
      {runs.fetching && !present(runs.data) && <Loading what="the runs" />}
      {present(runs.data) && nodes.length === 0 && <Empty>No sync has run yet.</Empty>}
      {nodes.length > 0 && (
        <table aria-label="Run history">
          <thead>
            <tr>
              <th scope="col">Started</th>
              <th scope="col">Trigger</th>
              <th scope="col">Status</th>
              <th scope="col">Pages</th>
              <th scope="col">Items</th>
            </tr>
          </thead>
          <tbody>
            {nodes.map((r) => (
              <tr key={r.id} aria-busy={r.status === 'RUNNING'}>
                <td>{when(r.startedAt)}</td>
                <td>{r.trigger}</td>
                <td>
                  {r.status}
                  {r.error ? ` (${r.error.code}: ${r.error.message})` : ''}
                </td>
                <td>{r.stats.reduce((n, s) => n + s.pages, 0)}</td>
                <td>{r.stats.reduce((n, s) => n + s.items, 0)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
