import { createHash, createPublicKey, verify } from 'node:crypto';
import { download, exportAssessment } from '../support/bundles';
import { type ConnectedOkta, startConnectedOkta } from '../support/connected-okta';
import { type TestApp, type TestOrg } from '../support/test-app';
import { readZip } from '../support/zip';

/*
 * An auditor's own check, written from docs/EVIDENCE_FORMAT.md alone: its canonical JSON, hashes and signature
 * check are implemented here and import nothing from src/. It reads everything through the GraphQL API and
 * the bundle download; the ZIP is read with a general-purpose library.
 */

/** RFC 8785 (JCS) for the JSON values the API returns. */
function jcs(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string')
    return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(jcs).join(',')}]`;
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)); // UTF-16 code units
  return `{${keys.map((k) => `${JSON.stringify(k)}:${jcs(object[k])}`).join(',')}}`;
}
const sha256 = (text: string | Buffer): string => createHash('sha256').update(text).digest('hex');

const CLIENT = { clientId: 'format-client', clientSecret: 'format-client-secret' };

interface Entry {
  seq: number;
  at: string;
  action: string;
  actor: { type: string; id: string };
  target: { type: string; id: string };
  details: unknown;
  prevHash: string;
  hash: string;
}

describe('the documented evidence format, checked by an independent implementation (e2e)', () => {
  let world: ConnectedOkta;
  let t: TestApp;
  let org: TestOrg;

  beforeAll(async () => {
    world = await startConnectedOkta({ users: 12, seed: 9, orgName: 'Format', client: CLIENT });
    ({ t, org } = world);
  });
  afterAll(() => world.close());

  it('recomputes every evidence fingerprint', async () => {
    const result = await t.gql<{
      evidence: { edges: { node: { type: string; sourceId: string; data: unknown; fingerprint: string } }[] };
    }>(org.adminToken, '{ evidence(first: 100) { edges { node { type sourceId data fingerprint } } } }');
    const rows = result.data?.evidence.edges.map((e) => e.node) ?? [];
    expect(rows.length).toBeGreaterThan(12);
    for (const row of rows)
      expect(sha256(jcs({ data: row.data, sourceId: row.sourceId, type: row.type }))).toBe(row.fingerprint);
  });

  it('recomputes the audit chain from genesis and verifies the signed checkpoint with the pinned key', async () => {
    const result = await t.gql<{
      me: { organization: { id: string; signingKey: { publicKey: string; fingerprint: string } } };
      auditLog: { edges: { node: Entry }[] };
      auditCheckpoint: { seq: number; hash: string; at: string; signature: string; keyFingerprint: string };
    }>(
      org.adminToken,
      `{ me { organization { id signingKey { publicKey fingerprint } } }
         auditLog(first: 100) { edges { node { seq at action actor { type id } target { type id } details prevHash hash } } }
         auditCheckpoint { seq hash at signature keyFingerprint } }`,
    );
    const data = result.data;
    if (data === undefined || data === null) throw new Error(JSON.stringify(result.errors));
    const organizationId = data.me.organization.id;
    const entries = data.auditLog.edges.map((e) => e.node).sort((a, b) => a.seq - b.seq);
    expect(entries.length).toBeGreaterThanOrEqual(3);
    let prevHash = '0'.repeat(64);
    entries.forEach((entry, i) => {
      expect(entry.seq).toBe(i + 1);
      expect(entry.prevHash).toBe(prevHash);
      const { seq, at, action, actor, target, details } = entry;
      expect(sha256(jcs({ action, actor, at, details, organizationId, prevHash, seq, target }))).toBe(
        entry.hash,
      );
      prevHash = entry.hash;
    });

    const key = data.me.organization.signingKey;
    const raw = Buffer.from(key.publicKey, 'base64url');
    expect(createHash('sha256').update(raw).digest('hex')).toBe(key.fingerprint);
    const checkpoint = data.auditCheckpoint;
    expect(checkpoint.keyFingerprint).toBe(key.fingerprint);
    expect(checkpoint.seq).toBe(entries.at(-1)?.seq);
    expect(checkpoint.hash).toBe(entries.at(-1)?.hash);
    const payload = jcs({
      at: checkpoint.at,
      hash: checkpoint.hash,
      organizationId,
      seq: checkpoint.seq,
      type: 'audit-checkpoint',
      v: 1,
    });
    const publicKey = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: key.publicKey },
      format: 'jwk',
    });
    expect(
      verify(null, Buffer.from(payload, 'utf8'), publicKey, Buffer.from(checkpoint.signature, 'base64url')),
    ).toBe(true);
    // A changed payload does not verify.
    const forged = jcs({
      at: checkpoint.at,
      hash: checkpoint.hash,
      organizationId,
      seq: checkpoint.seq + 1,
      type: 'audit-checkpoint',
      v: 1,
    });
    expect(
      verify(null, Buffer.from(forged, 'utf8'), publicKey, Buffer.from(checkpoint.signature, 'base64url')),
    ).toBe(false);
  });

  it('verifies an auditor bundle: manifest signature, file hashes, every row and the audit chain', async () => {
    const who = await t.gql<{
      me: { organization: { id: string; signingKey: { publicKey: string; fingerprint: string } } };
    }>(org.adminToken, '{ me { organization { id signingKey { publicKey fingerprint } } } }');
    const pinned = who.data?.me.organization.signingKey;
    if (pinned === undefined) throw new Error(JSON.stringify(who.errors));
    const created = await t.gql<{ createAssessment: { id: string } }>(
      org.adminToken,
      'mutation($input: CreateAssessmentInput!) { createAssessment(input: $input) { id } }',
      {
        input: {
          name: 'Format',
          periodStart: new Date(Date.now() - 86_400_000).toISOString(),
          periodEnd: new Date(Date.now() + 60_000).toISOString(),
        },
      },
    );
    const exported = await exportAssessment(t, org.adminToken, created.data?.createAssessment.id ?? '');
    const fetched = await download(t, exported.downloadPath ?? '', org.adminToken);
    expect(fetched.status).toBe(200);
    const files = await readZip(fetched.body);

    // 1. The manifest, its format, and its signature with the pinned key.
    const manifestBytes = files.get('manifest.json') ?? Buffer.alloc(0);
    const manifest = JSON.parse(manifestBytes.toString('utf8')) as {
      format: string;
      version: number;
      organization: { id: string };
      auditHead: { seq: number; hash: string };
      counts: { evidence: Record<string, number> };
      populations: { type: string; rows: number }[];
      files: { path: string; bytes: number; lines: number; sha256: string }[];
      signature: { algorithm: string; publicKey: string; keyFingerprint: string; value: string };
    };
    expect([manifest.format, manifest.version]).toEqual(['okta-evidence-bundle', 1]);
    expect(manifestBytes.toString('utf8')).toBe(jcs(manifest));
    const { signature, ...unsigned } = manifest;
    expect(signature.publicKey).toBe(pinned.publicKey);
    expect(sha256(Buffer.from(pinned.publicKey, 'base64url'))).toBe(signature.keyFingerprint);
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: pinned.publicKey }, format: 'jwk' });
    expect(
      verify(null, Buffer.from(jcs(unsigned), 'utf8'), key, Buffer.from(signature.value, 'base64url')),
    ).toBe(true);

    // 2. Exactly the listed files, each as listed.
    expect([...files.keys()].sort()).toEqual(['manifest.json', ...manifest.files.map((f) => f.path)].sort());
    for (const file of manifest.files) {
      const bytes = files.get(file.path) ?? Buffer.alloc(0);
      const newlines = bytes.toString('utf8').split('\n').length - 1;
      expect({ path: file.path, bytes: bytes.length, lines: newlines, sha256: sha256(bytes) }).toEqual(file);
    }
    const jsonl = (path: string) =>
      (files.get(path)?.toString('utf8') ?? '')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => {
          const value = JSON.parse(line) as Record<string, unknown>;
          expect(jcs(value)).toBe(line);
          return value;
        });

    // 3. Every row: its type, its fingerprint, its run; no id twice; the counts.
    const runIds = new Set(jsonl('runs.jsonl').map((run) => run.id));
    for (const { type, rows } of manifest.populations) {
      const lines = jsonl(`evidence/${type}.jsonl`);
      expect(lines).toHaveLength(rows);
      expect(manifest.counts.evidence[type]).toBe(rows);
      expect(new Set(lines.map((row) => row.id)).size).toBe(rows);
      for (const row of lines) {
        expect(row.type).toBe(type);
        expect(sha256(jcs({ data: row.data, sourceId: row.sourceId, type: row.type }))).toBe(row.fingerprint);
        expect(runIds.has(row.runId)).toBe(true);
      }
    }
    expect(manifest.populations.reduce((sum, p) => sum + p.rows, 0)).toBeGreaterThan(12);

    // 4. The audit chain, from genesis to the head the manifest names.
    const entries = jsonl('audit.jsonl') as unknown as Entry[];
    let prevHash = '0'.repeat(64);
    entries.forEach((entry, i) => {
      expect(entry.seq).toBe(i + 1);
      expect(entry.prevHash).toBe(prevHash);
      const { seq, at, action, actor, target, details } = entry;
      const organizationId = manifest.organization.id;
      expect(sha256(jcs({ action, actor, at, details, organizationId, prevHash, seq, target }))).toBe(
        entry.hash,
      );
      prevHash = entry.hash;
    });
    expect({ seq: entries.at(-1)?.seq, hash: entries.at(-1)?.hash }).toEqual(manifest.auditHead);
  });
});
