import { createHash } from 'node:crypto';
import { Types } from 'mongoose';
import { AuditSealService } from '#src/modules/audit-seal/audit-seal.service';
import { TestApp, type TestOrg } from '../support/test-app';

const VERIFY = `{ verifyAuditChain { ok checked firstBrokenSeq truncated missingFromSeq missingToSeq
  checkpointSeq checkpointAt checkpointSignatureValid } }`;

interface Verification {
  ok: boolean;
  checked: number;
  firstBrokenSeq: number | null;
  truncated: boolean;
  missingFromSeq: number | null;
  missingToSeq: number | null;
  checkpointSeq: number | null;
  checkpointSignatureValid: boolean | null;
}

/** Tail protection: signed checkpoints outside the entries collection reveal deleted newest entries. */
describe('audit chain checkpoints and the signing key (e2e)', () => {
  let t: TestApp;
  let org: TestOrg;
  let other: TestOrg;

  beforeAll(async () => {
    t = await TestApp.start();
    org = await t.createOrg('Sealed');
    other = await t.createOrg('Elsewhere');
    for (const name of ['Sealed 2', 'Sealed 3', 'Sealed 4']) {
      const renamed = await t.gql(
        org.adminToken,
        'mutation($name: String!) { renameOrganization(input: { name: $name }) { name } }',
        { name },
      );
      expect(renamed.errors).toBeUndefined();
    }
  });
  afterAll(() => t.close());

  const settled = () => t.get<AuditSealService>(AuditSealService).settled();

  const verify = async (token = org.adminToken): Promise<Verification> => {
    const result = await t.gql<{ verifyAuditChain: Verification }>(token, VERIFY);
    if (result.data?.verifyAuditChain === undefined) throw new Error(JSON.stringify(result.errors));
    return result.data.verifyAuditChain;
  };
  const db = () => {
    const database = t.connection.db;
    if (database === undefined) throw new Error('no database');
    return database;
  };
  const orgFilter = () => ({ organizationId: new Types.ObjectId(org.organizationId) });

  it('publishes a stable Ed25519 public key whose fingerprint is the SHA-256 of its raw bytes', async () => {
    const query = '{ me { organization { signingKey { algorithm publicKey fingerprint } } } }';
    const first = await t.gql<{ me: { organization: { signingKey: Record<string, string> } } }>(
      org.adminToken,
      query,
    );
    const key = first.data?.me.organization.signingKey;
    expect(key?.algorithm).toBe('Ed25519');
    const raw = Buffer.from(key?.publicKey ?? '', 'base64url');
    expect(raw).toHaveLength(32);
    expect(key?.fingerprint).toBe(createHash('sha256').update(raw).digest('hex'));
    const again = await t.gql<{ me: { organization: { signingKey: Record<string, string> } } }>(
      await t.token(org.organizationId, 'AUDITOR'),
      query,
    );
    expect(again.data?.me.organization.signingKey).toEqual(key);
    const theirs = await t.gql<{ me: { organization: { signingKey: Record<string, string> } } }>(
      other.adminToken,
      query,
    );
    expect(theirs.data?.me.organization.signingKey.fingerprint).not.toBe(key?.fingerprint);
  });

  it('checkpoints the head after appends (in the background): an intact chain verifies up to it', async () => {
    await settled();
    expect(await verify()).toMatchObject({
      ok: true,
      checked: 4,
      truncated: false,
      checkpointSeq: 4,
      checkpointSignatureValid: true,
    });
    // Appends close together coalesce into fewer checkpoints, the last of the newest head.
    const stored = await db().collection('audit_checkpoints').countDocuments(orgFilter());
    expect(stored).toBeGreaterThanOrEqual(1);
    expect(stored).toBeLessThanOrEqual(4);
  });

  it('reports a truncated tail when the newest entries are deleted, naming the missing seqs', async () => {
    await db()
      .collection('audit_log')
      .deleteMany({ ...orgFilter(), seq: { $gte: 3 } });
    expect(await verify()).toMatchObject({
      ok: false,
      checked: 2,
      firstBrokenSeq: null,
      truncated: true,
      missingFromSeq: 3,
      missingToSeq: 4,
      checkpointSeq: 4,
      checkpointSignatureValid: true,
    });
    // The other organization's chain is untouched.
    expect(await verify(other.adminToken)).toMatchObject({ ok: true, truncated: false });
  });

  it('reports a checkpoint whose signature does not verify', async () => {
    await db()
      .collection('audit_checkpoints')
      .deleteMany({ ...orgFilter(), seq: { $gt: 2 } });
    await db()
      .collection('audit_checkpoints')
      .updateOne(
        { ...orgFilter(), seq: 2 },
        { $set: { signature: Buffer.alloc(64, 7).toString('base64url') } },
      );
    const result = await verify();
    expect(result.checkpointSignatureValid).toBe(false);
    expect(result.ok).toBe(false);
  });

  it('the hourly pass checkpoints a head that has none', async () => {
    await db().collection('audit_checkpoints').deleteMany(orgFilter());
    await db()
      .collection('audit_checkpoints')
      .deleteMany({ organizationId: new Types.ObjectId(other.organizationId) });
    expect(await t.get<AuditSealService>(AuditSealService).checkpointAll()).toBe(2);
    expect(await verify()).toMatchObject({
      ok: true,
      checked: 2,
      checkpointSeq: 2,
      checkpointSignatureValid: true,
    });
    expect(await t.get<AuditSealService>(AuditSealService).checkpointAll()).toBe(0);
  });
});
