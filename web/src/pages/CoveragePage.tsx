import { type FormEvent, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../gql';
import { Empty, ErrorMessage, Loading, when, present } from '../ui';

const COVERAGE = graphql(`
  query CoveragePage {
    coverage {
      percent
      controls {
        control {
          id
          title
        }
        status
        reason
        evidenceCount
      }
    }
    checks {
      key
      title
      control
      status
      reason
      failingCount
      failingItems(first: 20) {
        edges {
          node {
            sourceId
            label
            reason
          }
        }
      }
    }
    checkExceptions {
      id
      check
      sourceId
      reason
      expiresAt
      active
      approvedBy
    }
    checkSettings {
      dormantDays
      maxSuperAdmins
      passwordBaseline {
        minLength
        maxLockoutAttempts
        minHistoryCount
      }
    }
  }
`);

const UPDATE_SETTINGS = graphql(`
  mutation UpdateSettings($input: UpdateCheckSettingsInput!) {
    updateCheckSettings(input: $input) {
      dormantDays
    }
  }
`);

const CREATE_EXCEPTION = graphql(`
  mutation CreateException($input: CreateCheckExceptionInput!) {
    createCheckException(input: $input) {
      id
    }
  }
`);

type CheckKey =
  | 'mfa_enrolled'
  | 'no_dormant_users'
  | 'password_baseline'
  | 'second_factor_for_everyone'
  | 'super_admins_limited';

/** The organization's coverage, its checks with their failing items, exceptions and check settings. */
export function CoveragePage({ admin }: { admin: boolean }) {
  const [result, refetch] = useQuery({ query: COVERAGE, requestPolicy: 'cache-and-network' });
  if (result.fetching && !present(result.data)) return <Loading what="coverage" />;
  const data = result.data;
  return (
    <>
      <h1>Coverage</h1>
      <ErrorMessage error={result.error} />
      {present(data) && (
        <>
          <p>
            <strong>{Math.round(data.coverage.percent)} %</strong> of the controls are covered.
          </p>
          <table aria-label="Controls">
            <thead>
              <tr>
                <th scope="col">Control</th>
                <th scope="col">Status</th>
                <th scope="col">Evidence</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {data.coverage.controls.map((c) => (
                <tr key={c.control.id}>
                  <td>
                    {c.control.id} {c.control.title}
                  </td>
                  <td>{c.status}</td>
                  <td>{c.evidenceCount}</td>
                  <td>{c.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2>Checks</h2>
          {data.checks.map((check) => (
            <section key={check.key} aria-label={check.title}>
              <h3>
                {check.title} ({check.control}): {check.status}
              </h3>
              <p>{check.reason}</p>
              {check.failingCount > 0 && (
                <table aria-label={`Failing: ${check.title}`}>
                  <thead>
                    <tr>
                      <th scope="col">Item</th>
                      <th scope="col">Why</th>
                      <th scope="col">Source id</th>
                    </tr>
                  </thead>
                  <tbody>
                    {check.failingItems.edges.map(({ node }) => (
                      <tr key={node.sourceId}>
                        <td>{node.label}</td>
                        <td>{node.reason}</td>
                        <td>
                          <code>{node.sourceId}</code>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
              {check.failingCount > check.failingItems.edges.length && (
                <p>and {check.failingCount - check.failingItems.edges.length} more.</p>
              )}
            </section>
          ))}
          <h2>Exceptions</h2>
          {data.checkExceptions.length === 0 ? (
            <Empty>No exceptions.</Empty>
          ) : (
            <table aria-label="Exceptions">
              <thead>
                <tr>
                  <th scope="col">Check</th>
                  <th scope="col">Item</th>
                  <th scope="col">Reason</th>
                  <th scope="col">Expires</th>
                  <th scope="col">State</th>
                </tr>
              </thead>
              <tbody>
                {data.checkExceptions.map((e) => (
                  <tr key={e.id}>
                    <td>{e.check}</td>
                    <td>
                      <code>{e.sourceId}</code>
                    </td>
                    <td>{e.reason}</td>
                    <td>{when(e.expiresAt)}</td>
                    <td>{e.active ? 'Active' : 'Expired'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {admin && <ExceptionForm onCreated={() => refetch({ requestPolicy: 'network-only' })} />}
          <h2>Check settings</h2>
          {admin ? (
            <SettingsForm
              current={{
                dormantDays: data.checkSettings.dormantDays,
                minLength: data.checkSettings.passwordBaseline.minLength,
                maxLockoutAttempts: data.checkSettings.passwordBaseline.maxLockoutAttempts,
                minHistoryCount: data.checkSettings.passwordBaseline.minHistoryCount,
                maxSuperAdmins: data.checkSettings.maxSuperAdmins,
              }}
              onSaved={() => refetch({ requestPolicy: 'network-only' })}
            />
          ) : (
            <dl className="facts">
              <dt>Dormant after</dt>
              <dd>{data.checkSettings.dormantDays} days</dd>
              <dt>Password minimum length</dt>
              <dd>{data.checkSettings.passwordBaseline.minLength}</dd>
              <dt>Lockout after at most</dt>
              <dd>{data.checkSettings.passwordBaseline.maxLockoutAttempts} attempts</dd>
              <dt>Password history</dt>
              <dd>{data.checkSettings.passwordBaseline.minHistoryCount}</dd>
              <dt>Super Admins at most</dt>
              <dd>{data.checkSettings.maxSuperAdmins}</dd>
            </dl>
          )}
        </>
      )}
    </>
  );
}

function ExceptionForm({ onCreated }: { onCreated: () => void }) {
  const [values, setValues] = useState({ check: 'mfa_enrolled', sourceId: '', reason: '', expires: '' });
  const [state, create] = useMutation(CREATE_EXCEPTION);
  const [done, setDone] = useState(false);
  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setDone(false);
    const result = await create({
      input: {
        check: values.check as CheckKey,
        sourceId: values.sourceId.trim(),
        reason: values.reason.trim(),
        // The end of the chosen day, in the admin's own time zone.
        expiresAt: values.expires === '' ? '' : new Date(`${values.expires}T23:59:59.999`).toISOString(),
      },
    });
    if (result.error === undefined) {
      setDone(true);
      onCreated();
    }
  };
  return (
    <form onSubmit={(e) => void submit(e)} aria-label="Make an exception">
      <h3>Make an exception</h3>
      <div className="field">
        <label htmlFor="exception-check">Check</label>
        <select
          id="exception-check"
          value={values.check}
          onChange={(e) => setValues({ ...values, check: e.target.value })}
        >
          <option value="mfa_enrolled">Every active user has MFA</option>
          <option value="no_dormant_users">No dormant users</option>
          <option value="password_baseline">Password policies meet the baseline</option>
          <option value="second_factor_for_everyone">Sign-on requires a second factor</option>
          <option value="super_admins_limited">Super Admins limited, with MFA</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor="exception-source">Item (source id)</label>
        <input
          id="exception-source"
          required
          value={values.sourceId}
          onChange={(e) => setValues({ ...values, sourceId: e.target.value })}
        />
      </div>
      <div className="field">
        <label htmlFor="exception-reason">Reason</label>
        <input
          id="exception-reason"
          required
          value={values.reason}
          onChange={(e) => setValues({ ...values, reason: e.target.value })}
        />
      </div>
      <div className="field">
        <label htmlFor="exception-expires">Expires</label>
        <input
          id="exception-expires"
          type="date"
          required
          value={values.expires}
          onChange={(e) => setValues({ ...values, expires: e.target.value })}
        />
      </div>
      <ErrorMessage error={state.error} />
      {done && <p role="status">Exception recorded.</p>}
      <button type="submit" disabled={state.fetching}>
        Make exception
      </button>
    </form>
  );
}

interface Settings {
  dormantDays: number;
  minLength: number;
  maxLockoutAttempts: number;
  minHistoryCount: number;
  maxSuperAdmins: number;
}

const SETTING_LABELS: Readonly<Record<keyof Settings, string>> = {
  dormantDays: 'Dormant after (days)',
  minLength: 'Password minimum length',
  maxLockoutAttempts: 'Lockout after at most (attempts)',
  minHistoryCount: 'Password history',
  maxSuperAdmins: 'Super Admins at most',
};

/** ADMIN: the check settings; saving recomputes the checks (audited). */
function SettingsForm({ current, onSaved }: { current: Settings; onSaved: () => void }) {
  const [values, setValues] = useState<Record<keyof Settings, string>>({
    dormantDays: String(current.dormantDays),
    minLength: String(current.minLength),
    maxLockoutAttempts: String(current.maxLockoutAttempts),
    minHistoryCount: String(current.minHistoryCount),
    maxSuperAdmins: String(current.maxSuperAdmins),
  });
  const [state, save] = useMutation(UPDATE_SETTINGS);
  const [saved, setSaved] = useState(false);
  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setSaved(false);
    const input = Object.fromEntries(
      Object.entries(values).map(([k, v]) => [k, Number(v)]),
    ) as unknown as Settings;
    const result = await save({ input });
    if (result.error === undefined) {
      setSaved(true);
      onSaved();
    }
  };
  return (
    <form onSubmit={(e) => void submit(e)} aria-label="Check settings">
      {(Object.keys(SETTING_LABELS) as (keyof Settings)[]).map((key) => (
        <div className="field" key={key}>
          <label htmlFor={`setting-${key}`}>{SETTING_LABELS[key]}</label>
          <input
            id={`setting-${key}`}
            type="number"
            min={0}
            required
            value={values[key]}
            onChange={(e) => setValues({ ...values, [key]: e.target.value })}
          />
        </div>
      ))}
      <ErrorMessage error={state.error} />
      {saved && <p role="status">Settings saved; the checks were recomputed.</p>}
      <button type="submit" disabled={state.fetching}>
        Save settings
      </button>
    </form>
  );
}
