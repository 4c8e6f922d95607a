import { createHash, createPublicKey, verify } from 'node:crypto';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';
import { verifyBundle } from '#src/verifier/bundle-verifier';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Types } from 'mongoose';
import { canonicalJson } from '#src/common/util/canonical-json';
import { AuditSealService } from '#src/modules/audit-seal/audit-seal.service';
import { SyncService } from '#src/modules/connectors/sync/sync.service';
import { download, exportAssessment, type ExportView } from '../support/bundles';
import { type ConnectedOkta, startConnectedOkta } from '../support/connected-okta';
import { shiftHistory } from '../support/history';
import { processEnv, runEntry } from '../support/dist-process';
import { completeAuthorization } from '../support/okta-connect';
import { errorCode, type TestApp, type TestOrg } from '../support/test-app';
import { readZip } from '../support/zip';

jest.setTimeout(300_000);

const CLIENT = { clientId: 'bundle-client', clientSecret: 'bundle-client-secret' };
const HOUR = 3_600_000;
const USERS = 12;
const DEPROVISIONING = [
  'user.lifecycle.deactivate',
  'user.lifecycle.suspend',
  'user.lifecycle.delete.initiated',
  'application.user_membership.remove',
  'group.user_membership.remove',
];

interface Manifest {
  format: string;
  version: number;
  organization: { id: string; name: string };
  assessment: { id: string; draft: boolean; status: string };
  auditHead: { seq: number; hash: string };
  counts: { evidence: Record<string, number>; runs: number; auditEntries: number };
  populations: { type: string; rows: number; items: number; runs: number; endpoints: string[] }[];
  files: { path: string; bytes: number; lines: number; sha256: string }[];
  signature: { algorithm: string; publicKey: string; keyFingerprint: string; value: string };
}

/** A change to a bundle's files, and the problem the verifier must report for it. */
type Tamper = [
  string,
  (entries: Map<string, Buffer>) => void,
  { check: string; file: string; line?: number },
];

const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');
const lines = (bytes: Buffer | undefined) =>
  (bytes?.toString('utf8') ?? '').split('\n').filter((line) => line !== '');

/**
 * The auditor bundle of a real sync history with the simulator: a first sync backdated 10 hours, then a
 * user's MFA reset and another user deactivated, then a second sync. The bundle's populations are checked
 * against what the simulator held, and its manifest, hashes and signature against the published key.
 */
describe('the auditor bundle (e2e)', () => {
  let world: ConnectedOkta;
  let t: TestApp;
  let org: TestOrg;
  let other: TestOrg;
  let activeAtFirstSync = 0;
  let deprovisioningEvents = 0;
  let passwordPolicies = 0;
  let mfaLostId = '';
  let assessmentId = '';
  let exported: ExportView;
  let bundle: Buffer;
  let files: Map<string, Buffer>;
  let manifest: Manifest;

  const gql = <T>(query: string, variables: Record<string, unknown> = {}, token = org.adminToken) =>
    t.gql<T>(token, query, variables);
  const createAssessment = async (name: string, from: Date, to: Date): Promise<string> => {
    const created = await gql<{ createAssessment: { id: string } }>(
      'mutation($input: CreateAssessmentInput!) { createAssessment(input: $input) { id } }',
      { input: { name, periodStart: from.toISOString(), periodEnd: to.toISOString() } },
    );
    return created.data?.createAssessment.id ?? '';
  };

  const syncNow = (): Promise<void> => t.syncNow(org.adminToken, world.connectionId);
  const status = async (): Promise<string | undefined> =>
    (
      await gql<{ connection: { status: string } }>('query($id: ID!) { connection(id: $id) { status } }', {
        id: world.connectionId,
      })
    ).data?.connection.status;

  beforeAll(async () => {
    world = await startConnectedOkta({ users: USERS, seed: 21, orgName: 'Bundled', client: CLIENT });
    ({ t, org } = world);
    other = await t.createOrg('Elsewhere');
    const state = world.sim.state;
    activeAtFirstSync = state.activeUsers().length;
    passwordPolicies = state.policies.filter((p) => p.type === 'PASSWORD').length;

    // The organization, its connection and first sync "happened" 11 hours ago (10, then 1 more below).
    const db = t.connection.db;
    if (db === undefined) throw new Error('no database');
    await shiftHistory(db, org.organizationId, 10 * HOUR);

    // Then one user loses their MFA and another is deactivated; the next sync sees both.
    const [mfaLost, leaver] = state.activeUsers();
    if (mfaLost === undefined || leaver === undefined) throw new Error('the simulator has too few users');
    mfaLostId = mfaLost.id;
    state.resetFactors(mfaLost.id);
    state.deactivateUser(leaver.id);
    await syncNow();

    // Then Okta stops granting a scope: the next sync leaves the connection NEEDS_REAUTH. An hour later
    // the admin authorizes it again.
    world.sim.api.revokedScopes.add('okta.policies.read');
    await syncNow();
    expect(await status()).toBe('NEEDS_REAUTH');
    await shiftHistory(db, org.organizationId, HOUR);
    world.sim.api.revokedScopes.delete('okta.policies.read');
    const reauth = await gql<{ reauthorizeConnection: { authorizeUrl: string } }>(
      'mutation($id: ID!) { reauthorizeConnection(input: { connectionId: $id }) { authorizeUrl } }',
      { id: world.connectionId },
    );
    await completeAuthorization(
      t.url,
      world.publicUrl,
      reauth.data?.reauthorizeConnection.authorizeUrl ?? '',
    );
    await t.get<SyncService>(SyncService).idle();
    expect(await status()).toBe('ACTIVE');
    const since = Date.now() - 30 * 86_400_000;
    deprovisioningEvents = state.logs.filter(
      (e) => DEPROVISIONING.includes(e.eventType) && Date.parse(e.published) >= since,
    ).length;

    assessmentId = await createAssessment(
      'FY26',
      new Date(Date.now() - 12 * HOUR),
      new Date(Date.now() + HOUR),
    );
    exported = await exportAssessment(t, await t.token(org.organizationId, 'AUDITOR'), assessmentId);
    expect(exported).toMatchObject({ status: 'READY', error: null, draft: true });
    const fetched = await download(t, exported.downloadPath ?? '', org.adminToken);
    expect({ status: fetched.status, type: fetched.type }).toEqual({ status: 200, type: 'application/zip' });
    bundle = fetched.body;
    files = await readZip(bundle);
    manifest = JSON.parse(files.get('manifest.json')?.toString('utf8') ?? '{}') as Manifest;
  });
  afterAll(() => world.close());

  it('holds exactly the files its manifest lists, each with its SHA-256, size and line count', () => {
    expect(sha256(bundle)).toBe(exported.sha256);
    expect(manifest).toMatchObject({ format: 'okta-evidence-bundle', version: 1 });
    expect([...files.keys()].sort()).toEqual(['manifest.json', ...manifest.files.map((f) => f.path)].sort());
    for (const file of manifest.files) {
      const bytes = files.get(file.path) ?? Buffer.alloc(0);
      expect({ path: file.path, sha256: sha256(bytes), bytes: bytes.length }).toEqual({
        path: file.path,
        sha256: file.sha256,
        bytes: file.bytes,
      });
      expect(bytes.toString('utf8').split('\n').length - 1).toBe(file.lines);
    }
    expect(manifest.files.map((f) => f.path)).toEqual([
      'audit.jsonl',
      'continuity.json',
      'coverage.json',
      // Empty: this org's admin did not grant okta.roles.read; the file says the population is empty.
      'evidence/okta.admin_role_assignment.jsonl',
      'evidence/okta.authentication_policy.jsonl',
      'evidence/okta.deprovisioning_event.jsonl',
      'evidence/okta.group_membership.jsonl',
      'evidence/okta.password_policy.jsonl',
      'evidence/okta.user_mfa.jsonl',
      'populations/okta.admin_role_assignment.csv',
      'populations/okta.authentication_policy.csv',
      'populations/okta.deprovisioning_event.csv',
      'populations/okta.group_membership.csv',
      'populations/okta.password_policy.csv',
      'populations/okta.user_mfa.csv',
      'runs.jsonl',
    ]);
  });

  it("is signed with the organization's published key, over the manifest without its signature", async () => {
    const published = await gql<{
      me: { organization: { signingKey: { publicKey: string; fingerprint: string } } };
    }>('{ me { organization { signingKey { publicKey fingerprint } } } }');
    const key = published.data?.me.organization.signingKey;
    expect(manifest.signature).toMatchObject({
      algorithm: 'Ed25519',
      publicKey: key?.publicKey,
      keyFingerprint: key?.fingerprint,
    });
    const { signature, ...unsigned } = manifest;
    const publicKey = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: key?.publicKey ?? '' },
      format: 'jwk',
    });
    const payload = Buffer.from(canonicalJson(unsigned), 'utf8');
    expect(verify(null, payload, publicKey, Buffer.from(signature.value, 'base64url'))).toBe(true);
    const forged = Buffer.from(canonicalJson({ ...unsigned, counts: { ...unsigned.counts, runs: 99 } }));
    expect(verify(null, forged, publicKey, Buffer.from(signature.value, 'base64url'))).toBe(false);
  });

  it("has each type's population as the simulator's history makes it", () => {
    const population = Object.fromEntries(manifest.populations.map((p) => [p.type, p]));
    // Every user active at the first sync, plus the new version of the one who lost MFA; the leaver's row
    // is closed, not replaced.
    expect(population['okta.user_mfa']).toMatchObject({
      rows: activeAtFirstSync + 1,
      items: activeAtFirstSync,
      runs: 2,
      endpoints: ['/api/v1/users'],
    });
    expect(population['okta.password_policy']).toMatchObject({
      rows: passwordPolicies,
      items: passwordPolicies,
    });
    expect(population['okta.deprovisioning_event']).toMatchObject({
      rows: deprovisioningEvents,
      items: deprovisioningEvents,
    });
    expect(exported.populations).toEqual(
      manifest.populations.map(({ type, rows, items, runs, endpoints }) => ({
        type,
        rows,
        items,
        runs,
        endpoints,
      })),
    );
    for (const { type, rows } of manifest.populations) {
      expect(lines(files.get(`evidence/${type}.jsonl`))).toHaveLength(rows);
      expect(lines(files.get(`populations/${type}.csv`))).toHaveLength(rows + 1);
      expect(manifest.counts.evidence[type]).toBe(rows);
    }
    const mfa = lines(files.get('evidence/okta.user_mfa.jsonl')).map(
      (line) => JSON.parse(line) as { sourceId: string; validUntil: string | null; fingerprint: string },
    );
    expect(mfa.filter((row) => row.validUntil !== null)).toHaveLength(2); // the changed one and the leaver's
    // Each line is the JCS serialization of its row.
    for (const line of lines(files.get('evidence/okta.user_mfa.jsonl')))
      expect(canonicalJson(JSON.parse(line))).toBe(line);
  });

  it('records how the evidence was collected (runs.jsonl) and the continuity over the period', () => {
    const runs = lines(files.get('runs.jsonl')).map(
      (line) =>
        JSON.parse(line) as {
          id: string;
          status: string;
          startedAt: string;
          grantedScopes: string[];
          collectors: {
            type: string;
            endpoint: string;
            filter: string;
            pages: number;
            items: number;
            complete: boolean;
          }[];
        },
    );
    runs.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
    // The first sync, the one after the change, the one that lost a scope, and the one re-authorization
    // started.
    expect(runs.map((r) => r.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'PARTIAL', 'SUCCEEDED']);
    expect(manifest.counts.runs).toBe(4);
    // The token still named the scope; Okta refused it, so the password policies were not collected.
    expect(runs[2]?.collectors.find((c) => c.type === 'okta.password_policy')?.complete).toBe(false);
    for (const run of runs) {
      expect(run.grantedScopes).toEqual(expect.arrayContaining(['okta.users.read']));
      const users = run.collectors.find((c) => c.type === 'okta.user_mfa');
      expect(users?.endpoint).toBe('/api/v1/users');
      expect(users?.pages).toBeGreaterThan(0);
    }
    const runIds = new Set(runs.map((r) => r.id));
    for (const { type } of manifest.populations)
      for (const line of lines(files.get(`evidence/${type}.jsonl`)))
        expect(runIds.has((JSON.parse(line) as { runId: string }).runId)).toBe(true);

    const continuity = JSON.parse(files.get('continuity.json')?.toString() ?? '{}') as {
      connections: {
        connectionId: string;
        continuity: {
          successfulSyncs: number;
          stale: unknown[];
          needsReauth: { from: string; to: string }[];
        };
      }[];
    };
    expect(continuity.connections).toHaveLength(1);
    const only = continuity.connections[0];
    expect(only?.connectionId).toBe(world.connectionId);
    expect(only?.continuity.successfulSyncs).toBe(3);
    expect(only?.continuity.stale).toHaveLength(1); // 10 h without a sync
    // NEEDS_REAUTH from the sync that lost the scope until the re-authorization an hour later.
    expect(only?.continuity.needsReauth).toHaveLength(1);
    const [reauth] = only?.continuity.needsReauth ?? [];
    expect(Date.parse(reauth?.to ?? '') - Date.parse(reauth?.from ?? '')).toBeGreaterThanOrEqual(HOUR);
    expect(Date.parse(reauth?.to ?? '') - Date.parse(reauth?.from ?? '')).toBeLessThan(HOUR + 5 * 60_000);
  });

  it('carries the audit chain to the head it names, and the export itself is audited with the manifest hash', async () => {
    const entries = lines(files.get('audit.jsonl')).map(
      (line) => JSON.parse(line) as { seq: number; hash: string; prevHash: string },
    );
    expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1));
    expect(entries.at(-1)).toMatchObject(manifest.auditHead);
    for (let i = 1; i < entries.length; i++) expect(entries[i]?.prevHash).toBe(entries[i - 1]?.hash);

    const audit = await gql<{
      auditLog: { edges: { node: { action: string; details: Record<string, unknown> } }[] };
    }>('{ auditLog(first: 5, filter: { action: ASSESSMENT_EXPORT }) { edges { node { action details } } } }');
    const details = audit.data?.auditLog.edges.map((e) => e.node.details);
    expect(details).toContainEqual(
      expect.objectContaining({
        exportId: exported.id,
        manifestSha256: sha256(files.get('manifest.json') ?? ''),
        bundleSha256: exported.sha256,
        draft: true,
      }),
    );
  });

  it('for a period that ended before the change, holds the population and the coverage as they were then', async () => {
    const end = new Date(Date.now() - 5 * HOUR);
    const earlier = await createAssessment('before', new Date(Date.now() - 12 * HOUR), end);
    const view = await exportAssessment(t, org.adminToken, earlier);
    expect(view.populations.find((p) => p.type === 'okta.user_mfa')).toMatchObject({
      rows: activeAtFirstSync,
      items: activeAtFirstSync,
      runs: 1,
    });
    const fetched = await download(t, view.downloadPath ?? '', org.adminToken);
    const coverage = JSON.parse((await readZip(fetched.body)).get('coverage.json')?.toString() ?? '{}') as {
      asOf: string;
      coverage: { percent: number };
      checks: { key: string; status: string; failingCount: number; failing: { sourceId: string }[] }[];
    };
    expect(coverage.asOf).toBe(end.toISOString());
    const then = await gql<{
      coverage: { percent: number };
      checks: { key: string; status: string; failingCount: number }[];
    }>(
      'query($at: DateTime!) { coverage(asOf: $at) { percent } checks(asOf: $at) { key status failingCount } }',
      {
        at: end.toISOString(),
      },
    );
    expect(coverage.coverage.percent).toBe(then.data?.coverage.percent);
    expect(coverage.checks.map(({ key, status, failingCount }) => ({ key, status, failingCount }))).toEqual(
      then.data?.checks,
    );
    for (const check of coverage.checks) expect(check.failing).toHaveLength(check.failingCount);
    // The user who lost MFA after the period's end was not failing then.
    const mfa = coverage.checks.find((c) => c.key === 'mfa_enrolled');
    expect(mfa?.failing.map((item) => item.sourceId)).not.toContain(mfaLostId);
  });

  it('is exported and downloaded by ADMIN and AUDITOR only, and never across organizations', async () => {
    const member = await t.token(org.organizationId, 'MEMBER');
    const path = exported.downloadPath ?? '';
    expect(path).toBe(`/api/exports/${exported.id}/bundle.zip`);
    expect((await download(t, path)).status).toBe(401);
    expect((await download(t, path, member)).status).toBe(403);
    expect((await download(t, path, other.adminToken)).status).toBe(404);
    expect((await download(t, '/api/exports/not-an-id/bundle.zip', org.adminToken)).status).toBe(404);
    const asMember = await gql(
      'mutation($id: ID!) { exportAssessment(input: { assessmentId: $id }) { id } }',
      { id: assessmentId },
      member,
    );
    expect(errorCode(asMember)).toBe('FORBIDDEN');
    const foreign = await gql(
      'query($id: ID!) { assessmentExport(id: $id) { id } }',
      { id: exported.id },
      other.adminToken,
    );
    expect(errorCode(foreign)).toBe('NOT_FOUND');
    const foreignStart = await gql(
      'mutation($id: ID!) { exportAssessment(input: { assessmentId: $id }) { id } }',
      { id: assessmentId },
      other.adminToken,
    );
    expect(errorCode(foreignStart)).toBe('NOT_FOUND');
  });

  it('is written by the CLI to a file, with the same populations, and audited', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'bundle-cli-')), 'fy26.zip');
    const env = processEnv({}, t.config);
    const result = await runEntry(
      'cli.js',
      ['bundle', '--org', org.organizationId, '--assessment', assessmentId, '--out', out],
      env,
      120_000,
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout) as { file: string; manifestSha256: string; draft: boolean };
    expect(printed).toMatchObject({ file: out, draft: true });
    const written = await readZip(readFileSync(out));
    expect(sha256(written.get('manifest.json') ?? '')).toBe(printed.manifestSha256);
    const fromCli = JSON.parse(written.get('manifest.json')?.toString() ?? '{}') as Manifest;
    expect(fromCli.populations).toEqual(manifest.populations);
    const audit = await gql<{
      auditLog: { edges: { node: { actor: { id: string }; details: Record<string, unknown> } }[] };
    }>(
      '{ auditLog(first: 1, filter: { action: ASSESSMENT_EXPORT }) { edges { node { actor { id } details } } } }',
    );
    expect(audit.data?.auditLog.edges[0]?.node).toEqual({
      actor: { id: 'cli-bundle' },
      details: expect.objectContaining({ via: 'cli', manifestSha256: printed.manifestSha256 }) as unknown,
    });

    const misuse = await runEntry('cli.js', ['bundle', '--org', org.organizationId, '--out', out], env);
    expect(misuse.code).toBe(2);
    expect(misuse.stderr).toMatch(/--assessment must be a 24-character hex assessment id/);
  });

  it('refuses periods over 18 months or ending before they start, for new assessments and for exports', async () => {
    const create = (from: Date, to: Date) =>
      gql('mutation($input: CreateAssessmentInput!) { createAssessment(input: $input) { id } }', {
        input: { name: 'bad', periodStart: from.toISOString(), periodEnd: to.toISOString() },
      });
    const now = Date.now();
    expect(errorCode(await create(new Date(now - 19 * 30 * 24 * HOUR), new Date(now)))).toBe(
      'BAD_USER_INPUT',
    );
    expect(errorCode(await create(new Date(now), new Date(now - HOUR)))).toBe('BAD_USER_INPUT');

    // An assessment stored before periods were bounded.
    const db = t.connection.db;
    if (db === undefined) throw new Error('no database');
    const long = await db.collection('assessments').insertOne({
      organizationId: new Types.ObjectId(org.organizationId),
      framework: 'SOC2',
      name: 'legacy',
      periodStart: new Date(now - 600 * 24 * HOUR),
      periodEnd: new Date(now),
      status: 'DRAFT',
      evidenceIds: [],
      createdBy: 'test',
    });
    const started = await gql(
      'mutation($id: ID!) { exportAssessment(input: { assessmentId: $id }) { id } }',
      {
        id: long.insertedId.toHexString(),
      },
    );
    expect(errorCode(started)).toBe('BAD_USER_INPUT');
  });

  it('marks an export of an APPROVED assessment as final, and of a DRAFT one as draft', async () => {
    const approved = await createAssessment(
      'approved',
      new Date(Date.now() - 12 * HOUR),
      new Date(Date.now()),
    );
    const result = await gql(
      'mutation($id: ID!) { approveAssessment(input: { assessmentId: $id }) { status } }',
      {
        id: approved,
      },
    );
    expect(result.errors).toBeUndefined();
    const view = await exportAssessment(t, org.adminToken, approved);
    expect(view).toMatchObject({ status: 'READY', draft: false });
    const fetched = await download(t, view.downloadPath ?? '', org.adminToken);
    const approvedManifest = JSON.parse(
      (await readZip(fetched.body)).get('manifest.json')?.toString() ?? '{}',
    ) as Manifest;
    expect(approvedManifest.assessment).toMatchObject({ id: approved, status: 'APPROVED', draft: false });
    expect(manifest.assessment).toMatchObject({ id: assessmentId, status: 'DRAFT', draft: true });
  });

  it('runs one export at a time per organization, and takes over from one whose process stopped', async () => {
    const db = t.connection.db;
    if (db === undefined) throw new Error('no database');
    const exports = db.collection('bundle_exports');
    const running = (heartbeatAt: Date) =>
      exports.insertOne({
        organizationId: new Types.ObjectId(org.organizationId),
        assessmentId: new Types.ObjectId(assessmentId),
        status: 'RUNNING',
        slot: 'running',
        requestedBy: 'elsewhere',
        createdAt: heartbeatAt,
        heartbeatAt,
        finishedAt: null,
      });
    const start = () =>
      gql<{ exportAssessment: { id: string } }>(
        'mutation($id: ID!) { exportAssessment(input: { assessmentId: $id }) { id } }',
        { id: assessmentId },
      );

    const live = await running(new Date());
    const refused = await start();
    expect(errorCode(refused)).toBe('CONFLICT');
    expect(refused.errors?.[0]?.extensions?.exportId).toBe(live.insertedId.toHexString());
    await exports.deleteOne({ _id: live.insertedId });

    const abandoned = await running(new Date(Date.now() - 10 * 60_000));
    const leftover = { _id: `${abandoned.insertedId.toHexString()}:0` } as unknown as { _id: Types.ObjectId };
    await db.collection('bundle_chunks').insertOne({
      ...leftover,
      organizationId: new Types.ObjectId(org.organizationId),
      exportId: abandoned.insertedId,
      n: 0,
      data: Buffer.from('partial'),
    });
    const status = (id: string) =>
      gql<{ assessmentExport: { status: string; error: string | null } }>(
        'query($id: ID!) { assessmentExport(id: $id) { status error } }',
        { id },
      );
    expect((await status(abandoned.insertedId.toHexString())).data?.assessmentExport).toEqual({
      status: 'FAILED',
      error: expect.stringMatching(/^Interrupted/) as unknown,
    });
    const view = await exportAssessment(t, org.adminToken, assessmentId);
    expect(view.status).toBe('READY');
    expect((await status(abandoned.insertedId.toHexString())).data?.assessmentExport.status).toBe('FAILED');
    // What the stopped export had stored is removed when it is taken over.
    expect(await db.collection('bundle_chunks').countDocuments({ exportId: abandoned.insertedId })).toBe(0);

    // A FAILED or RUNNING export has nothing to download.
    const notReady = await download(
      t,
      `/api/exports/${abandoned.insertedId.toHexString()}/bundle.zip`,
      org.adminToken,
    );
    expect(notReady.status).toBe(409);
  });

  it('refuses to sign a chain whose newest entries were deleted after its last signed checkpoint', async () => {
    const victim = await t.createOrg('Truncated');
    for (const name of ['Truncated 1', 'Truncated 2', 'Truncated 3']) {
      const renamed = await t.gql(
        victim.adminToken,
        'mutation($name: String!) { renameOrganization(input: { name: $name }) { name } }',
        { name },
      );
      expect(renamed.errors).toBeUndefined();
    }
    await t.get<AuditSealService>(AuditSealService).settled();
    const db = t.connection.db;
    if (db === undefined) throw new Error('no database');
    const owner = new Types.ObjectId(victim.organizationId);
    await db.collection('audit_log').deleteMany({ organizationId: owner, seq: { $gte: 3 } });
    const created = await t.gql<{ createAssessment: { id: string } }>(
      victim.adminToken,
      'mutation($input: CreateAssessmentInput!) { createAssessment(input: $input) { id } }',
      {
        input: {
          name: 'x',
          periodStart: new Date(Date.now() - HOUR).toISOString(),
          periodEnd: new Date().toISOString(),
        },
      },
    );
    const view = await exportAssessment(t, victim.adminToken, created.data?.createAssessment.id ?? '');
    expect(view.status).toBe('FAILED');
    expect(view.error).toMatch(/no longer reaches its last signed checkpoint \(seq 4\)/);
    expect(await db.collection('bundle_chunks').countDocuments({ organizationId: owner })).toBe(0);
  });

  describe('verified offline', () => {
    let dir = '';
    let fingerprint = '';
    const write = async (name: string, entries: Map<string, Buffer>): Promise<string> => {
      const path = join(dir, name);
      const zip = new ZipFile();
      for (const [file, bytes] of entries) zip.addBuffer(bytes, file);
      zip.end();
      await pipeline(zip.outputStream, createWriteStream(path));
      return path;
    };
    const tampered = (edit: (entries: Map<string, Buffer>) => void) => {
      const copy = new Map([...files].map(([file, bytes]) => [file, Buffer.from(bytes)]));
      edit(copy);
      return copy;
    };
    const editLines = (entries: Map<string, Buffer>, file: string, edit: (lines: string[]) => string[]) =>
      entries.set(
        file,
        Buffer.from(
          edit(lines(entries.get(file)))
            .map((l) => `${l}\n`)
            .join(''),
        ),
      );

    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'bundle-verify-'));
      writeFileSync(join(dir, 'bundle.zip'), bundle);
      fingerprint = manifest.signature.keyFingerprint;
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('holds, checked by `npm run verify` as a process with nothing but the file and the pinned key', async () => {
      const result = await runEntry(
        'verify.js',
        [join(dir, 'bundle.zip'), '--public-key', fingerprint, '--json'],
        {},
      );
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const report = JSON.parse(result.stdout) as {
        ok: boolean;
        problems: unknown[];
        manifest: { keyPinned: boolean };
      };
      expect(report).toMatchObject({ ok: true, problems: [], manifest: { keyPinned: true } });
    });

    it.each<Tamper>([
      [
        'one byte of an evidence row',
        (e) =>
          editLines(e, 'evidence/okta.user_mfa.jsonl', (l) =>
            l.map((x, i) => (i === 2 ? x.replace('"sourceId":"0', '"sourceId":"1') : x)),
          ),
        { check: 'evidence', file: 'evidence/okta.user_mfa.jsonl', line: 3 },
      ],
      ...(
        [
          ['the CSV', 'populations/okta.user_mfa.csv', 'Z,', 'Y,', 'files'],
          ['runs.jsonl', 'runs.jsonl', '"SUCCEEDED"', '"SUCCEEDEX"', 'files'],
          ['continuity.json', 'continuity.json', '"successfulSyncs":3', '"successfulSyncs":4', 'files'],
          ['coverage.json', 'coverage.json', '"asOf":"2', '"asOf":"3', 'files'],
          ['the manifest', 'manifest.json', '"name":"Bundled"', '"name":"Bundlex"', 'signature'],
        ] as const
      ).map(([what, file, from, to, check]): Tamper => [
        `one byte of ${what}`,
        (e) => e.set(file, Buffer.from(String(e.get(file)).replace(from, to))),
        { check, file },
      ]),
      [
        'an audit entry dropped',
        (e) => editLines(e, 'audit.jsonl', (l) => l.filter((_, i) => i !== 1)),
        { check: 'audit', file: 'audit.jsonl', line: 2 },
      ],
      [
        'two audit entries swapped',
        (e) => editLines(e, 'audit.jsonl', (l) => [l[1] ?? '', l[0] ?? '', ...l.slice(2)]),
        { check: 'audit', file: 'audit.jsonl', line: 1 },
      ],
      [
        'an evidence row dropped',
        (e) => editLines(e, 'evidence/okta.user_mfa.jsonl', (l) => l.slice(1)),
        { check: 'files', file: 'evidence/okta.user_mfa.jsonl' },
      ],
      [
        'two evidence rows swapped',
        (e) => editLines(e, 'evidence/okta.user_mfa.jsonl', (l) => [l[1] ?? '', l[0] ?? '', ...l.slice(2)]),
        { check: 'files', file: 'evidence/okta.user_mfa.jsonl' },
      ],
    ])('fails after %s, naming what broke', async (name, edit, expected) => {
      const path = await write(`${name.replaceAll(' ', '-')}.zip`, tampered(edit));
      const report = await verifyBundle(path, { publicKey: fingerprint });
      expect(report.ok).toBe(false);
      expect(report.problems).toContainEqual(expect.objectContaining(expected));
    });

    it("fails against another organization's pinned key, and as a process exits 1 naming it", async () => {
      const otherKey = await t.gql<{ me: { organization: { signingKey: { fingerprint: string } } } }>(
        other.adminToken,
        '{ me { organization { signingKey { fingerprint } } } }',
      );
      const pinned = otherKey.data?.me.organization.signingKey.fingerprint ?? '';
      const result = await runEntry('verify.js', [join(dir, 'bundle.zip'), '--public-key', pinned], {});
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/signature/i);
      expect(result.stdout).toContain('manifest.json');
      const garbage = await write('garbage.zip', new Map([['manifest.json', Buffer.from('not json')]]));
      const broken = await runEntry('verify.js', [garbage, '--public-key', pinned], {});
      expect(broken.code).toBe(1);
      expect(broken.stderr).toBe('');
    });
  });
});
