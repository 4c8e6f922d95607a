import { type FormEvent, useState } from 'react';
import { useQuery } from 'urql';
import { graphql } from '../gql';
import { Empty, ErrorMessage, Loading, when, present } from '../ui';

const EVIDENCE = graphql(`
  query EvidencePage($first: Int, $after: String, $filter: EvidenceFilter) {
    evidence(first: $first, after: $after, filter: $filter) {
      edges {
        node {
          id
          type
          sourceId
          controls
          connectionId
          runId
          fingerprint
          collectedAt
          validUntil
          locked
          assessmentIds
          data
        }
      }
      pageInfo {
        endCursor
        hasNextPage
      }
    }
  }
`);

interface Filters {
  type: string;
  control: string;
  connectionId: string;
  asOf: string;
}

/** Evidence rows with filters, an "as of" instant, pages, and each row's details. */
export function EvidencePage() {
  const [draft, setDraft] = useState<Filters>({ type: '', control: '', connectionId: '', asOf: '' });
  const [filters, setFilters] = useState<Filters>(draft);
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [open, setOpen] = useState<string | undefined>(undefined);
  const after = cursors[cursors.length - 1] ?? null;
  const filter = {
    ...(filters.type === '' ? {} : { type: filters.type }),
    ...(filters.control === '' ? {} : { control: filters.control }),
    ...(filters.connectionId === '' ? {} : { connectionId: filters.connectionId }),
    ...(filters.asOf === '' ? {} : { asOf: new Date(filters.asOf).toISOString() }),
  };
  const [result] = useQuery({ query: EVIDENCE, variables: { first: 20, after, filter } });
  const apply = (event: FormEvent): void => {
    event.preventDefault();
    setFilters(draft);
    setCursors([null]);
  };
  const input = (id: keyof Filters, label: string, type = 'text') => (
    <div className="field">
      <label htmlFor={`filter-${id}`}>{label}</label>
      <input
        id={`filter-${id}`}
        type={type}
        value={draft[id]}
        onChange={(e) => setDraft({ ...draft, [id]: e.target.value })}
      />
    </div>
  );
  const edges = result.data?.evidence.edges ?? [];
  return (
    <>
      <h1>Evidence</h1>
      <form onSubmit={apply} aria-label="Filter evidence">
        {input('type', 'Type')}
        {input('control', 'Control')}
        {input('connectionId', 'Connection id')}
        {input('asOf', 'As of', 'datetime-local')}
        <button type="submit">Apply filters</button>
      </form>
      <ErrorMessage error={result.error} />
      {result.fetching && <Loading what="evidence" />}
      {!result.fetching && present(result.data) && edges.length === 0 && <Empty>No evidence matches.</Empty>}
      {edges.length > 0 && (
        <table aria-label="Evidence">
          <thead>
            <tr>
              <th scope="col">Type</th>
              <th scope="col">Item</th>
              <th scope="col">Controls</th>
              <th scope="col">Collected</th>
              <th scope="col">Valid until</th>
            </tr>
          </thead>
          <tbody>
            {edges.map(({ node }) => (
              <FragmentRow
                key={node.id}
                node={node}
                open={open === node.id}
                onToggle={() => setOpen(open === node.id ? undefined : node.id)}
              />
            ))}
          </tbody>
        </table>
      )}
      <div className="actions">
        <button
          type="button"
          className="secondary"
          disabled={cursors.length === 1}
          onClick={() => setCursors(cursors.slice(0, -1))}
        >
          Previous page
        </button>
        <button
          type="button"
          className="secondary"
          disabled={result.data?.evidence.pageInfo.hasNextPage !== true}
          onClick={() => setCursors([...cursors, result.data?.evidence.pageInfo.endCursor ?? null])}
        >
          Next page
        </button>
      </div>
    </>
  );
}

interface Row {
  id: string;
  type: string;
  sourceId: string;
  controls: string[];
  connectionId: string;
  runId: string;
  fingerprint: string;
  collectedAt: string;
  validUntil?: string | null;
  locked: boolean;
  assessmentIds: string[];
  data: unknown;
}

function FragmentRow({ node, open, onToggle }: { node: Row; open: boolean; onToggle: () => void }) {
  return (
    <>
      <tr>
        <td>{node.type}</td>
        <td>
          <button type="button" className="secondary" aria-expanded={open} onClick={onToggle}>
            {node.sourceId}
          </button>
        </td>
        <td>{node.controls.join(', ')}</td>
        <td>{when(node.collectedAt)}</td>
        <td>
          {node.validUntil === null || node.validUntil === undefined ? 'current' : when(node.validUntil)}
        </td>
      </tr>
      {open && (
        <tr>
          <td colSpan={5}>
            <dl className="facts">
              <dt>Fingerprint</dt>
              <dd>
                <code>{node.fingerprint}</code>
              </dd>
              <dt>Run</dt>
              <dd>
                <code>{node.runId}</code>
              </dd>
              <dt>Connection</dt>
              <dd>
                <code>{node.connectionId}</code>
              </dd>
              <dt>Assessments</dt>
              <dd>
                {node.assessmentIds.length === 0 ? 'None' : node.assessmentIds.join(', ')}
                {node.locked ? ' (approved: this row is immutable)' : ''}
              </dd>
            </dl>
            <pre>{JSON.stringify(node.data, null, 2)}</pre>
          </td>
        </tr>
      )}
    </>
  );
}
