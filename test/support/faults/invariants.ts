import { setTimeout as sleep } from 'node:timers/promises';
import { Types } from 'mongoose';
import { type AppProcess, type FaultWorld, type Org } from './fault-world';
import { waitFor } from './processes';
import type { SimUserTruth } from './okta-sim-process';

export const USER_MFA = 'okta.user_mfa';
export const EVIDENCE_TYPES = ['okta.user_mfa', 'okta.password_policy', 'okta.deprovisioning_event'];

export interface RunView {
  id: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'PARTIAL' | 'FAILED' | 'ABANDONED';
  trigger: string;
  startedAt: string;
  finishedAt: string | null;
  error: { code: string; message: string } | null;
  stats: { collector: string; items: number; complete: boolean; error: string | null }[];
}

export interface AuditView {
  seq: number;
  action: string;
  details: Record<string, unknown>;
}

export interface ControlView {
  control: { id: string; evidenceTypes: string[] };
  status: 'COVERED' | 'DEGRADED' | 'MISSING';
  reason: string;
}

export interface ConnectionView {
  id: string;
  status: string;
  statusReason: string | null;
  nextSyncAt: string | null;
  lastSyncAt: string | null;
  lastSuccessfulSyncAt: string | null;
}

export interface CurrentRow {
  id: string;
  sourceId: string;
  factorIds: string[];
}

const RUNS = `query($id: ID!) { connectorRuns(connectionId: $id, first: 100) { edges { node {
  id status trigger startedAt finishedAt error { code message } stats { collector items complete error } } } } }`;

/** The connection's runs, newest first (through the API, like an operator sees them). */
export async function runs(app: AppProcess, org: Org, connectionId: string): Promise<RunView[]> {
  const data = await app.q<{ connectorRuns: { edges: { node: RunView }[] } }>(org.token, RUNS, {
    id: connectionId,
  });
  return data.connectorRuns.edges.map((e) => e.node);
}

export async function connection(app: AppProcess, org: Org, connectionId: string): Promise<ConnectionView> {
  const data = await app.q<{ connection: ConnectionView }>(
    org.token,
    'query($id: ID!) { connection(id: $id) { id status statusReason nextSyncAt lastSyncAt lastSuccessfulSyncAt } }',
    { id: connectionId },
  );
  return data.connection;
}

export async function coverage(app: AppProcess, org: Org): Promise<ControlView[]> {
  const data = await app.q<{ coverage: { controls: ControlView[] } }>(
    org.token,
    '{ coverage { controls { control { id evidenceTypes } status reason } } }',
  );
  return data.coverage.controls;
}

/** Every audit entry about the connection, oldest first. */
export async function auditOf(app: AppProcess, org: Org, connectionId: string): Promise<AuditView[]> {
  const entries: AuditView[] = [];
  let after: string | null = null;
  for (;;) {
    const data: {
      auditLog: {
        edges: { node: AuditView }[];
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
      };
    } = await app.q(
      org.token,
      `query($after: String, $id: String) { auditLog(first: 100, after: $after, filter: { targetId: $id }) {
        edges { node { seq action details } } pageInfo { hasNextPage endCursor } } }`,
      { id: connectionId, ...(after === null ? {} : { after }) },
    );
    entries.push(...data.auditLog.edges.map((e) => e.node));
    if (!data.auditLog.pageInfo.hasNextPage) break;
    after = data.auditLog.pageInfo.endCursor;
  }
  return entries.sort((a, b) => a.seq - b.seq);
}

/** Waits until `pick` finds a run it likes among the connection's runs. */
export function waitForRun(
  app: AppProcess,
  org: Org,
  connectionId: string,
  what: string,
  pick: (runs: RunView[]) => RunView | undefined,
  timeoutMs: number,
): Promise<RunView> {
  // Once a second: the polling must not be what slows the database down.
  return waitFor(what, async () => pick(await runs(app, org, connectionId)), timeoutMs, 1_000);
}

/** Waits until run `id` is no longer RUNNING. */
export function waitForFinish(
  app: AppProcess,
  org: Org,
  connectionId: string,
  id: string,
  timeoutMs: number,
): Promise<RunView> {
  return waitForRun(
    app,
    org,
    connectionId,
    `run ${id} to finish`,
    (list) => list.find((r) => r.id === id && r.status !== 'RUNNING'),
    timeoutMs,
  );
}

/** Waits until the run has written at least `items` user rows (live progress on the run record). */
export function waitForProgress(
  app: AppProcess,
  org: Org,
  connectionId: string,
  id: string,
  items: number,
  timeoutMs: number,
): Promise<RunView> {
  return waitForRun(
    app,
    org,
    connectionId,
    `run ${id} to collect ${items} users`,
    (list) => {
      const run = list.find((r) => r.id === id);
      if (run !== undefined && run.status !== 'RUNNING')
        throw new Error(`run ${id} ended ${run.status} before reaching ${items} users`);
      return (run?.stats.find((s) => s.collector === USER_MFA)?.items ?? 0) >= items ? run : undefined;
    },
    timeoutMs,
  );
}

/** A manual sync through the API; returns the new run's id. */
export async function syncNow(app: AppProcess, org: Org, connectionId: string): Promise<string> {
  const data = await app.q<{ syncConnection: { id: string; status: string } }>(
    org.token,
    'mutation($input: SyncConnectionInput!) { syncConnection(input: $input) { id status } }',
    { input: { connectionId } },
  );
  return data.syncConnection.id;
}

/** The stored current user rows of the connection (`validUntil: null`), read from the database itself. */
export async function currentRows(world: FaultWorld, connectionId: string): Promise<CurrentRow[]> {
  const db = await world.mongo();
  const docs = await db
    .collection('evidence')
    .find(
      { connectionId: new Types.ObjectId(connectionId), type: USER_MFA, validUntil: null },
      { projection: { sourceId: 1, 'data.factors': 1 } },
    )
    .toArray();
  return docs.map((d) => ({
    id: String(d._id),
    sourceId: String(d.sourceId),
    factorIds: ((d.data as { factors?: { id: string }[] } | undefined)?.factors ?? [])
      .map((f) => f.id)
      .sort(),
  }));
}

/** Source ids with a row valid at `at` (what an `asOf` query of that instant has to show). */
export async function validAt(world: FaultWorld, connectionId: string, at: Date): Promise<Set<string>> {
  const db = await world.mongo();
  const docs = await db
    .collection('evidence')
    .find(
      {
        connectionId: new Types.ObjectId(connectionId),
        type: USER_MFA,
        collectedAt: { $lte: at },
        $or: [{ validUntil: null }, { validUntil: { $gt: at } }],
      },
      { projection: { sourceId: 1 } },
    )
    .toArray();
  return new Set(docs.map((d) => String(d.sourceId)));
}

/** Current rows equal the Okta org's active users exactly: one each, none extra, the latest factors. */
export function evidenceProblems(rows: readonly CurrentRow[], truth: readonly SimUserTruth[]): string[] {
  const problems: string[] = [];
  const bySource = new Map<string, CurrentRow[]>();
  for (const row of rows) bySource.set(row.sourceId, [...(bySource.get(row.sourceId) ?? []), row]);
  const duplicated = [...bySource].filter(([, list]) => list.length > 1);
  if (duplicated.length > 0)
    problems.push(`${duplicated.length} users have more than one current row (e.g. ${duplicated[0]?.[0]})`);
  const active = new Map(truth.map((u) => [u.id, u]));
  const missing = truth.filter((u) => !bySource.has(u.id));
  if (missing.length > 0)
    problems.push(
      `${missing.length} of ${truth.length} active users have no current row (e.g. ${missing[0]?.id})`,
    );
  const extra = [...bySource.keys()].filter((id) => !active.has(id));
  if (extra.length > 0) problems.push(`${extra.length} current rows for users that are not active`);
  const stale = truth.filter((u) => {
    const list = bySource.get(u.id);
    return list !== undefined && !list.some((r) => r.factorIds.join() === u.factorIds.join());
  });
  if (stale.length > 0)
    problems.push(
      `${stale.length} users' current rows do not show their factors at Okta (e.g. ${stale[0]?.id})`,
    );
  return problems;
}

/** Users that had a current row before the fault and have none now. */
export function lossProblems(before: ReadonlySet<string>, now: ReadonlySet<string>, when: string): string[] {
  const lost = [...before].filter((id) => !now.has(id));
  return lost.length === 0
    ? []
    : [`${lost.length} of ${before.size} users lost their current evidence ${when} (e.g. ${lost[0]})`];
}

/** No run left RUNNING; every finished run audited once, as SYNC when it succeeded and SYNC_FAILURE otherwise. */
export function runAuditProblems(list: readonly RunView[], audit: readonly AuditView[]): string[] {
  const problems: string[] = [];
  for (const run of list) {
    if (run.status === 'RUNNING') {
      problems.push(`run ${run.id} (${run.trigger}, started ${run.startedAt}) is still RUNNING`);
      continue;
    }
    const expected = run.status === 'SUCCEEDED' ? 'SYNC' : 'SYNC_FAILURE';
    const entries = audit.filter(
      (e) => (e.action === 'SYNC' || e.action === 'SYNC_FAILURE') && e.details.runId === run.id,
    );
    if (entries.length !== 1 || entries[0]?.action !== expected)
      problems.push(
        `run ${run.id} ended ${run.status}${run.error ? ` (${run.error.code})` : ''} but has ` +
          `${entries.length === 0 ? 'no audit entry' : entries.map((e) => e.action).join(', ')} (expected one ${expected})`,
      );
    if (run.status !== 'SUCCEEDED' && (run.error?.code ?? '') === '')
      problems.push(`run ${run.id} ended ${run.status} without an error code`);
  }
  return problems;
}

/**
 * Coverage never says COVERED for a control whose evidence types the latest finished run did not collect
 * completely; after a complete run (and with checks that pass) every control is COVERED.
 */
export function coverageProblems(controls: readonly ControlView[], latest: RunView | undefined): string[] {
  if (latest === undefined) return ['no finished run to judge coverage by'];
  const complete = new Set(latest.stats.filter((s) => s.complete).map((s) => s.collector));
  const incomplete = EVIDENCE_TYPES.filter((t) => !complete.has(t));
  const problems: string[] = [];
  for (const c of controls) {
    const affected = c.control.evidenceTypes.filter((t) => incomplete.includes(t));
    if (affected.length > 0 && c.status === 'COVERED')
      problems.push(
        `coverage says ${c.control.id} COVERED although the last run (${latest.id}, ${latest.status}) did not complete ${affected.join(', ')}`,
      );
    if (affected.length === 0 && latest.status === 'SUCCEEDED' && c.status !== 'COVERED')
      problems.push(`coverage says ${c.control.id} ${c.status} after a complete run: ${c.reason}`);
  }
  return problems;
}

/**
 * A run's outcome is recorded a moment before its audit entry is appended: the verdict is the first
 * consistent view within `withinMs`, or the last one seen.
 */
export async function settledRunAuditProblems(
  app: AppProcess,
  org: Org,
  connectionId: string,
  withinMs = 10_000,
): Promise<{ list: RunView[]; findings: string[] }> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const list = await runs(app, org, connectionId);
    const findings = runAuditProblems(list, await auditOf(app, org, connectionId));
    if (findings.length === 0 || Date.now() > deadline) return { list, findings };
    await sleep(1_000);
  }
}

/**
 * Coverage is refreshed right after a run ends, so a reader may see the previous snapshot for a moment:
 * the verdict is the first one without problems within `withinMs`, or the last one seen.
 */
export async function settledCoverageProblems(
  app: AppProcess,
  org: Org,
  latest: RunView | undefined,
  withinMs = 10_000,
): Promise<string[]> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const problems = coverageProblems(await coverage(app, org), latest);
    if (problems.length === 0 || Date.now() > deadline) return problems;
    await sleep(500);
  }
}

/** A run a fault hit: it ended, PARTIAL or FAILED, with a code. */
export function faultedRunProblems(run: RunView | undefined, what: string): string[] {
  if (run === undefined) return [`no run was found for ${what}`];
  if (run.status === 'RUNNING') return [`the run hit by ${what} is still RUNNING`];
  if (run.status === 'SUCCEEDED') return [`the run hit by ${what} says SUCCEEDED`];
  return (run.error?.code ?? '') === '' ? [`the run hit by ${what} ended ${run.status} without a code`] : [];
}

/** Every invariant at once, for a connection after recovery: evidence exact, runs honest, audit complete. */
export async function recoveredProblems(
  world: FaultWorld,
  app: AppProcess,
  org: Org,
  connectionId: string,
): Promise<string[]> {
  const { list, findings: runFindings } = await settledRunAuditProblems(app, org, connectionId);
  const latest = list.find((r) => r.status !== 'RUNNING');
  const [coverageFindings, rows, truth, chain] = await Promise.all([
    settledCoverageProblems(app, org, latest),
    currentRows(world, connectionId),
    world.sim.activeUsers(),
    app.q<{ verifyAuditChain: { ok: boolean; firstBrokenSeq: number | null } }>(
      org.token,
      '{ verifyAuditChain { ok firstBrokenSeq } }',
    ),
  ]);
  return [
    ...(latest?.status === 'SUCCEEDED' ? [] : [`the latest finished run is ${latest?.status ?? 'missing'}`]),
    ...evidenceProblems(rows, truth),
    ...runFindings,
    ...coverageFindings,
    ...(chain.verifyAuditChain.ok
      ? []
      : [`the audit chain is broken at seq ${String(chain.verifyAuditChain.firstBrokenSeq)}`]),
  ];
}
