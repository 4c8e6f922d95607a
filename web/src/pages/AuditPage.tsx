import { useState } from 'react';
import { useQuery } from 'urql';
import { graphql } from '../gql';
import { Empty, ErrorMessage, Loading, when, present } from '../ui';

const AUDIT = graphql(`
  query AuditPage($filter: AuditLogFilter) {
    auditLog(first: 50, filter: $filter) {
      edges {
        node {
          id
          seq
          at
          action
          actor {
            type
            id
          }
          target {
            type
            id
          }
          hash
        }
      }
    }
  }
`);

const VERIFY = graphql(`
  query VerifyChain {
    verifyAuditChain {
      ok
      checked
      firstBrokenSeq
      truncated
      missingFromSeq
      missingToSeq
      checkpointSeq
      checkpointSignatureValid
    }
  }
`);

/** Every audit action (the schema's AuditAction), for the filter. */
const ACTIONS = [
  '',
  'ASSESSMENT_APPROVE',
  'ASSESSMENT_EXPORT',
  'CHECK_SETTINGS_UPDATE',
  'CONNECT',
  'EXCEPTION_CREATE',
  'EXCEPTION_EXPIRE',
  'OAUTH_CALLBACK_REFUSED',
  'ORGANIZATION_CREATE',
  'ORGANIZATION_UPDATE',
  'REAUTH',
  'RETENTION_PURGE',
  'REVOKE',
  'SYNC',
  'SYNC_FAILURE',
];

export function AuditPage() {
  const [action, setAction] = useState('');
  const [result] = useQuery({
    query: AUDIT,
    variables: { filter: action === '' ? {} : { action: action as never } },
    requestPolicy: 'network-only',
  });
  const [verify, runVerify] = useQuery({ query: VERIFY, pause: true, requestPolicy: 'network-only' });
  const edges = result.data?.auditLog.edges ?? [];
  return (
    <>
      <h1>Audit log</h1>
      <div className="actions">
        <button
          type="button"
          onClick={() => runVerify({ requestPolicy: 'network-only' })}
          disabled={verify.fetching}
        >
          Verify chain
        </button>
      </div>
      {present(verify.data) && (
        <p className={`banner ${verify.data.verifyAuditChain.ok ? 'ok' : 'bad'}`} role="status">
          {describeVerification(verify.data.verifyAuditChain)}
        </p>
      )}
      <ErrorMessage error={verify.error} />
      <div className="field">
        <label htmlFor="audit-action">Action</label>
        <select id="audit-action" value={action} onChange={(e) => setAction(e.target.value)}>
          {ACTIONS.map((a) => (
            <option key={a} value={a}>
              {a === '' ? 'All actions' : a}
            </option>
          ))}
        </select>
      </div>
      <ErrorMessage error={result.error} />
      {result.fetching && !present(result.data) && <Loading what="the audit log" />}
      {present(result.data) && edges.length === 0 && <Empty>No entries.</Empty>}
      {edges.length > 0 && (
        <table aria-label="Audit log">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">When</th>
              <th scope="col">Action</th>
              <th scope="col">Actor</th>
              <th scope="col">Target</th>
              <th scope="col">Hash</th>
            </tr>
          </thead>
          <tbody>
            {edges.map(({ node }) => (
              <tr key={node.id}>
                <td>{node.seq}</td>
                <td>{when(node.at)}</td>
                <td>{node.action}</td>
                <td>
                  {node.actor.type} {node.actor.id}
                </td>
                <td>
                  {node.target.type} {node.target.id}
                </td>
                <td>
                  <code>{node.hash.slice(0, 12)}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function describeVerification(v: {
  ok: boolean;
  checked: number;
  firstBrokenSeq?: number | null;
  truncated: boolean;
  missingFromSeq?: number | null;
  missingToSeq?: number | null;
  checkpointSeq?: number | null;
  checkpointSignatureValid?: boolean | null;
}): string {
  if (v.ok)
    return `The chain is intact: ${v.checked} entries checked${v.checkpointSeq === null || v.checkpointSeq === undefined ? '' : `, up to the signed checkpoint at entry ${v.checkpointSeq}`}.`;
  if (v.truncated)
    return `Entries ${v.missingFromSeq ?? '?'} to ${v.missingToSeq ?? '?'} are missing: the chain ends before its last signed checkpoint.`;
  if (v.checkpointSignatureValid === false) return 'The last checkpoint’s signature does not verify.';
  return `The chain is broken at entry ${v.firstBrokenSeq ?? '?'}.`;
}
