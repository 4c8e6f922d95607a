import { useEffect, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { currentSession } from '../auth';
import { graphql } from '../gql';
import { Empty, ErrorMessage, Loading, present, when } from '../ui';

const ASSESSMENTS = graphql(`
  query AssessmentsPage($withExports: Boolean!) {
    me {
      organization {
        signingKey {
          fingerprint
        }
      }
    }
    assessments(first: 50) {
      edges {
        node {
          id
          name
          periodStart
          periodEnd
          status
          exports @include(if: $withExports) {
            id
            status
            rows
            bytes
            sha256
            draft
            createdAt
            error
            downloadPath
          }
        }
      }
    }
  }
`);

const EXPORT = graphql(`
  mutation ExportAssessment($id: ID!) {
    exportAssessment(input: { assessmentId: $id }) {
      id
      status
    }
  }
`);

/** How often the page asks again while an export is running. */
const POLL_MS = 1000;

/**
 * Assessments and their auditor bundles: ADMIN and AUDITOR start an export, watch it, and download the
 * ZIP (with the session's token, as the API requires), which `npm run verify` checks offline.
 */
export function AssessmentsPage({ canExport }: { canExport: boolean }) {
  const [result, refresh] = useQuery({
    query: ASSESSMENTS,
    variables: { withExports: canExport },
    requestPolicy: 'network-only',
  });
  const [started, startExport] = useMutation(EXPORT);
  const [downloadError, setDownloadError] = useState<string | undefined>();
  const edges = result.data?.assessments.edges ?? [];
  const running = edges.some(({ node }) => node.exports?.some((e) => e.status === 'RUNNING') === true);

  useEffect(() => {
    if (!running) return;
    const timer = setTimeout(() => refresh({ requestPolicy: 'network-only' }), POLL_MS);
    return () => clearTimeout(timer);
  }, [running, result.data, refresh]);

  return (
    <>
      <h1>Assessments</h1>
      <p>
        An auditor bundle holds an assessment&rsquo;s evidence, how it was collected, continuity, coverage and
        the audit chain, signed with your organization&rsquo;s key. Check it offline with{' '}
        <code>npm run verify -- bundle.zip --public-key &lt;fingerprint&gt;</code>.
      </p>
      {present(result.data?.me.organization.signingKey) && (
        <p>
          Your organization&rsquo;s signing key fingerprint (pin it once):{' '}
          <code data-testid="key-fingerprint">{result.data.me.organization.signingKey.fingerprint}</code>
        </p>
      )}
      <ErrorMessage error={result.error} />
      <ErrorMessage error={started.error} />
      {downloadError !== undefined && (
        <p className="error" role="status">
          {downloadError}
        </p>
      )}
      {result.fetching && !present(result.data) && <Loading what="assessments" />}
      {present(result.data) && edges.length === 0 && <Empty>No assessments yet.</Empty>}
      {edges.length > 0 && (
        <table aria-label="Assessments">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Period</th>
              <th scope="col">Status</th>
              {canExport && <th scope="col">Auditor bundle</th>}
            </tr>
          </thead>
          <tbody>
            {edges.map(({ node }) => {
              const latest = node.exports?.[0];
              return (
                <tr key={node.id}>
                  <td>{node.name}</td>
                  <td>
                    {when(node.periodStart)} – {when(node.periodEnd)}
                  </td>
                  <td>{node.status}</td>
                  {canExport && (
                    <td>
                      <button
                        type="button"
                        disabled={started.fetching || latest?.status === 'RUNNING'}
                        onClick={() =>
                          void startExport({ id: node.id }).then(() =>
                            refresh({ requestPolicy: 'network-only' }),
                          )
                        }
                      >
                        Export bundle of {node.name}
                      </button>{' '}
                      {latest !== undefined && (
                        <span role="status">
                          {describeExport(latest)}{' '}
                          {latest.status === 'READY' && latest.downloadPath !== null && (
                            <button
                              type="button"
                              className="secondary"
                              onClick={() => {
                                setDownloadError(undefined);
                                download(latest.downloadPath ?? '', `assessment-${node.id}-bundle.zip`).catch(
                                  (error: unknown) =>
                                    setDownloadError(error instanceof Error ? error.message : String(error)),
                                );
                              }}
                            >
                              Download bundle of {node.name}
                            </button>
                          )}
                        </span>
                      )}
                    </td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </>
  );
}

function describeExport(e: {
  status: string;
  rows: number;
  bytes: number;
  draft?: boolean | null;
  error?: string | null;
  sha256?: string | null;
}): string {
  if (e.status === 'RUNNING') return `Exporting… ${e.rows.toLocaleString()} rows so far.`;
  if (e.status === 'FAILED') return `The export failed: ${e.error ?? 'no reason given'}`;
  if (e.status === 'EXPIRED') return 'The last export expired; export again.';
  const size =
    e.bytes < 1024 * 1024 ? `${Math.ceil(e.bytes / 1024)} KB` : `${(e.bytes / 1024 / 1024).toFixed(1)} MB`;
  return `Ready: ${e.rows.toLocaleString()} rows, ${size}${e.draft === true ? ', of a draft' : ''}, SHA-256 ${(e.sha256 ?? '').slice(0, 12)}….`;
}

/** Fetches the bundle with the session's token (a plain link cannot send it) and saves it. */
async function download(path: string, filename: string): Promise<void> {
  const state = currentSession();
  if (!('session' in state)) throw new Error(state.signedOut);
  const response = await fetch(path, { headers: { authorization: `Bearer ${state.session.token}` } });
  if (!response.ok) throw new Error(`The download was refused (${response.status}).`);
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
