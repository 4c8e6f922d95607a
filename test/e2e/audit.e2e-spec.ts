import { getModelToken } from '@nestjs/mongoose';
import { type Model, Types } from 'mongoose';
import { AppendOnlyViolationError } from '#src/common/database/append-only.plugin';
import { AuditLogDocument } from '#src/modules/audit/audit.schema';
import { AuditService } from '#src/modules/audit/audit.service';
import { errorCode, TestApp, type TestOrg } from '../support/test-app';

interface Page {
  auditLog: {
    edges: { cursor: string; node: { seq: number; action: string } }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

const PAGE = `query($first: Int, $after: String, $filter: AuditLogFilter) {
  auditLog(first: $first, after: $after, filter: $filter) {
    edges { cursor node { seq action } }
    pageInfo { hasNextPage endCursor }
  }
}`;

describe('audit log (e2e)', () => {
  let t: TestApp;
  let org: TestOrg;
  let audit: AuditService;
  let model: Model<AuditLogDocument>;

  beforeAll(async () => {
    t = await TestApp.start();
    org = await t.createOrg('Audited');
    audit = t.get<AuditService>(AuditService);
    model = t.get<Model<AuditLogDocument>>(getModelToken(AuditLogDocument.name));
  });
  afterAll(() => t.close());

  const append = (n: number): Promise<unknown> =>
    t.asOrg(org.organizationId, () =>
      audit.append({ action: 'SYNC', target: { type: 'connection', id: `c${n}` }, details: { run: n } }),
    );

  it('keeps the chain gap-free under concurrent appends', async () => {
    await Promise.all(Array.from({ length: 30 }, (_, i) => append(i)));
    const seqs = (
      await model
        .find({ organizationId: new Types.ObjectId(org.organizationId) }, { seq: 1 })
        .sort({ seq: 1 })
        .lean()
    ).map((d) => d.seq);
    expect(seqs).toEqual(Array.from({ length: 31 }, (_, i) => i + 1));
    const verified = await t.gql(org.adminToken, '{ verifyAuditChain { ok checked firstBrokenSeq } }');
    expect(verified.data).toEqual({ verifyAuditChain: { ok: true, checked: 31, firstBrokenSeq: null } });
  });

  it('records the actor from the context', async () => {
    const entry = await t.asOrg(org.organizationId, () =>
      audit.append({ action: 'REVOKE', target: { type: 'connection', id: 'cx' }, details: {} }),
    );
    expect(entry.actor).toEqual({ type: 'system', id: 'test' });
  });

  it('refuses details that carry a secret-looking key', async () => {
    await expect(
      t.asOrg(org.organizationId, () =>
        audit.append({
          action: 'CONNECT',
          target: { type: 'connection', id: 'c' },
          details: { accessToken: 'x' },
        }),
      ),
    ).rejects.toThrow(/looks like a secret/);
  });

  describe('the model rejects updates and deletes', () => {
    const scoped = (): { organizationId: Types.ObjectId; seq: number } => ({
      organizationId: new Types.ObjectId(org.organizationId),
      seq: 1,
    });
    it.each<[string, () => Promise<unknown>]>([
      ['updateOne', () => model.updateOne(scoped(), { $set: { action: 'REVOKE' } }).exec()],
      ['updateMany', () => model.updateMany(scoped(), { $set: { action: 'REVOKE' } }).exec()],
      ['findOneAndUpdate', () => model.findOneAndUpdate(scoped(), { $set: { action: 'REVOKE' } }).exec()],
      ['replaceOne', () => model.replaceOne(scoped(), {}).exec()],
      ['deleteOne', () => model.deleteOne(scoped()).exec()],
      ['deleteMany', () => model.deleteMany(scoped()).exec()],
      ['findOneAndDelete', () => model.findOneAndDelete(scoped()).exec()],
      [
        'bulkWrite update',
        () => model.bulkWrite([{ updateOne: { filter: scoped(), update: { $set: { seq: 9 } } } }]),
      ],
      [
        'document save',
        async () => {
          const doc = await model.findOne(scoped()).orFail().exec();
          doc.action = 'REVOKE';
          return doc.save();
        },
      ],
      ['document deleteOne', async () => (await model.findOne(scoped()).orFail().exec()).deleteOne()],
    ])('%s', async (_name, run) => {
      await expect(run()).rejects.toBeInstanceOf(AppendOnlyViolationError);
      const first = await model.findOne(scoped()).lean();
      expect(first?.action).toBe('ORGANIZATION_CREATE');
    });
  });

  it('paginates newest first with keyset cursors and filters by action', async () => {
    const first = await t.gql<Page>(org.adminToken, PAGE, { first: 5 });
    const page1 = first.data?.auditLog;
    expect(page1?.edges.map((e) => e.node.seq)).toEqual([32, 31, 30, 29, 28]);
    expect(page1?.pageInfo.hasNextPage).toBe(true);
    const second = await t.gql<Page>(org.adminToken, PAGE, { first: 5, after: page1?.pageInfo.endCursor });
    expect(second.data?.auditLog.edges.map((e) => e.node.seq)).toEqual([27, 26, 25, 24, 23]);

    const creates = await t.gql<Page>(org.adminToken, PAGE, { filter: { action: 'ORGANIZATION_CREATE' } });
    expect(creates.data?.auditLog.edges.map((e) => e.node.seq)).toEqual([1]);
    expect(creates.data?.auditLog.pageInfo).toEqual({
      hasNextPage: false,
      endCursor: creates.data?.auditLog.edges[0]?.cursor,
    });

    const byTarget = await t.gql<Page>(org.adminToken, PAGE, {
      filter: { targetType: 'connection', targetId: 'c7' },
    });
    expect(byTarget.data?.auditLog.edges).toHaveLength(1);

    const future = await t.gql<Page>(org.adminToken, PAGE, {
      filter: { from: new Date(Date.now() + 60_000).toISOString() },
    });
    expect(future.data?.auditLog.edges).toEqual([]);
  });

  it.each<[string, Record<string, unknown>]>([
    ['first above the cap', { first: 101 }],
    ['first of zero', { first: 0 }],
    ['a forged cursor', { after: 'bm90LWEtY3Vyc29y' }],
  ])('rejects %s with BAD_USER_INPUT', async (_name, variables) => {
    expect(errorCode(await t.gql(org.adminToken, PAGE, variables))).toBe('BAD_USER_INPUT');
  });

  it('detects an entry altered directly in the database', async () => {
    const db = t.connection.db;
    if (db === undefined) throw new Error('no database');
    await db
      .collection('audit_log')
      .updateOne(
        { organizationId: new Types.ObjectId(org.organizationId), seq: 7 },
        { $set: { 'details.run': 999 } },
      );
    const verified = await t.gql(org.adminToken, '{ verifyAuditChain { ok checked firstBrokenSeq } }');
    expect(verified.data).toEqual({ verifyAuditChain: { ok: false, checked: 7, firstBrokenSeq: 7 } });
  });

  it('detects an entry deleted directly in the database', async () => {
    const other = await t.createOrg('Other');
    await t.asOrg(other.organizationId, async () => {
      for (let i = 0; i < 3; i++)
        await audit.append({ action: 'SYNC', target: { type: 'connection', id: 'c' } });
    });
    await t.connection.db
      ?.collection('audit_log')
      .deleteOne({ organizationId: new Types.ObjectId(other.organizationId), seq: 2 });
    const verified = await t.gql(other.adminToken, '{ verifyAuditChain { ok firstBrokenSeq } }');
    expect(verified.data).toEqual({ verifyAuditChain: { ok: false, firstBrokenSeq: 2 } });
  });
});

describe('query limits (e2e)', () => {
  let t: TestApp;
  let org: TestOrg;

  beforeAll(async () => {
    t = await TestApp.start({ GRAPHQL_MAX_DEPTH: '3', GRAPHQL_MAX_COMPLEXITY: '300' });
    org = await t.createOrg('Limits');
  });
  afterAll(() => t.close());

  it('rejects a query deeper than the limit with a clear error', async () => {
    const result = await t.gql(org.adminToken, '{ auditLog { edges { node { actor { id } } } } }');
    expect(result.data).toBeUndefined();
    expect(result.errors?.[0]?.message).toMatch(/exceeds maximum operation depth of 3/);
    expect((await t.gql(org.adminToken, '{ auditLog { edges { node { seq } } } }')).errors).toBeUndefined();
  });

  it('rejects a query whose page sizes make it too expensive, before resolving anything', async () => {
    const wide = `{ a: auditLog(first: 100) { edges { node { id seq hash prevHash } } }
                    b: auditLog(first: 100) { edges { node { id seq hash prevHash } } } }`;
    const result = await t.gql(org.adminToken, wide);
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.message).toMatch(/Query is too complex: cost \d+ exceeds the maximum of 300/);
    const small = await t.gql(org.adminToken, '{ auditLog(first: 10) { edges { node { id } } } }');
    expect(small.errors).toBeUndefined();
  });
});
