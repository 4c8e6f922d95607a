import { useEffect, useMemo, useState } from 'react';
import { Provider, useQuery } from 'urql';
import { currentSession, pendingSwitch, resolveSwitch, type Session, signOut } from './auth';
import { graphqlClient } from './client';
import { graphql } from './gql';
import { AlertBanner } from './AlertBanner';
import { AlertsPage } from './pages/AlertsPage';
import { AssessmentsPage } from './pages/AssessmentsPage';
import { AuditPage } from './pages/AuditPage';
import { CoveragePage } from './pages/CoveragePage';
import { EvidencePage } from './pages/EvidencePage';
import { IntegrationPage } from './pages/IntegrationPage';
import { IntegrationsPage } from './pages/IntegrationsPage';
import { SignIn } from './pages/SignIn';
import { Link, useLocation } from './router';
import { errorCode, Loading, present } from './ui';

export function App() {
  const [refused, setRefused] = useState<string | undefined>(undefined);
  const [, rerender] = useState(0);
  const pending = pendingSwitch();
  if (pending !== undefined) {
    const decide = (accept: boolean): void => {
      resolveSwitch(accept);
      rerender((n) => n + 1);
    };
    return (
      <main>
        <h1>Switch session?</h1>
        <p>
          A sign-in link would switch you to organization {pending.organizationId} as {pending.userId} (
          {pending.role}
          ). Only continue if you asked for this link.
        </p>
        <div className="actions">
          <button type="button" onClick={() => decide(true)}>
            Switch
          </button>
          <button type="button" className="secondary" onClick={() => decide(false)}>
            Keep my current session
          </button>
        </div>
      </main>
    );
  }
  const state = currentSession();
  if (refused !== undefined) return <SignIn reason={refused} />;
  if ('signedOut' in state) return <SignIn reason={state.signedOut} />;
  return <SignedIn session={state.session} onRefused={setRefused} />;
}

const ME = graphql(`
  query Me {
    me {
      userId
      role
      organization {
        name
      }
    }
  }
`);

function SignedIn({ session, onRefused }: { session: Session; onRefused: (reason: string) => void }) {
  const client = useMemo(
    () =>
      graphqlClient(session.token, (reason) => {
        signOut();
        onRefused(reason);
      }),
    [session.token, onRefused],
  );
  return (
    <Provider value={client}>
      <Shell session={session} onRefused={onRefused} />
    </Provider>
  );
}

const NAV = [
  ['/integrations', 'Integrations'],
  ['/coverage', 'Coverage'],
  ['/evidence', 'Evidence'],
  ['/alerts', 'Alerts'],
  ['/assessments', 'Assessments'],
  ['/audit', 'Audit log'],
] as const;

function Shell({ session, onRefused }: { session: Session; onRefused: (reason: string) => void }) {
  const location = useLocation();
  const [me] = useQuery({ query: ME });
  const refusedBecause =
    errorCode(me.error) === 'UNAUTHENTICATED' ||
    (me.error?.response as { status?: number } | undefined)?.status === 401
      ? (me.error?.graphQLErrors[0]?.message ?? 'invalid token')
      : undefined;
  useEffect(() => {
    if (refusedBecause === undefined) return;
    signOut();
    onRefused(`The server refused your sign-in: ${refusedBecause}.`);
  }, [refusedBecause, onRefused]);
  const path = location.pathname === '/' ? '/integrations' : location.pathname;
  const admin = session.role === 'ADMIN';
  return (
    <>
      <header>
        <strong>SOC 2 evidence</strong>
        <nav aria-label="Main">
          <ul>
            {NAV.map(([href, label]) => (
              <li key={href}>
                <Link href={href} aria-current={path.startsWith(href) ? 'page' : undefined}>
                  {label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <span className="who">
          {!present(me.data)
            ? ''
            : `${me.data.me.organization.name} · ${me.data.me.userId} (${me.data.me.role})`}{' '}
          <button
            type="button"
            className="secondary"
            onClick={() => {
              signOut();
              onRefused('You signed out.');
            }}
          >
            Sign out
          </button>
        </span>
      </header>
      <main>
        <AlertBanner />
        {me.fetching && !present(me.data) ? (
          <Loading what="your organization" />
        ) : (
          <Page path={path} admin={admin} canExport={session.role !== 'MEMBER'} />
        )}
      </main>
    </>
  );
}

function Page({ path, admin, canExport }: { path: string; admin: boolean; canExport: boolean }) {
  const integration = /^\/integrations\/([a-z0-9_-]+)$/.exec(path);
  if (integration?.[1] !== undefined)
    return <IntegrationPage integrationKey={integration[1]} admin={admin} />;
  if (path.startsWith('/integrations')) return <IntegrationsPage />;
  if (path.startsWith('/coverage')) return <CoveragePage admin={admin} />;
  if (path.startsWith('/evidence')) return <EvidencePage />;
  if (path.startsWith('/alerts')) return <AlertsPage admin={admin} />;
  if (path.startsWith('/assessments')) return <AssessmentsPage canExport={canExport} />;
  if (path.startsWith('/audit')) return <AuditPage />;
  return (
    <>
      <h1>Not found</h1>
      <p>
        There is no page at {path}. <Link href="/integrations">See all integrations</Link>.
      </p>
    </>
  );
}
