import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { getModelToken } from '@nestjs/mongoose';
import { type Model, Types } from 'mongoose';
import { IS_PUBLIC } from '#src/common/tenancy/decorators';
import { MissingOrgContextError } from '#src/common/tenancy/org-context';
import { ForeignOrganizationError, TenantFilterMissingError } from '#src/common/tenancy/tenant.plugin';
import { AuditLogDocument } from '#src/modules/audit/audit.schema';
import { AlertDocument } from '#src/modules/coverage/coverage.schema';
import { AuditService } from '#src/modules/audit/audit.service';
import { printAppSchema } from '#src/schema-generate';
import { rootOperations } from '../support/resolver-walk';

/** The metadata key @nestjs/graphql puts on @Query/@Mutation/@Subscription/@ResolveField methods. */
const RESOLVER_TYPE_METADATA = 'graphql:resolver_type';
import { errorCode, TestApp, type TestOrg } from '../support/test-app';

describe('tenancy (e2e)', () => {
  let t: TestApp;
  let orgA: TestOrg;
  let orgB: TestOrg;

  beforeAll(async () => {
    t = await TestApp.start();
    orgA = await t.createOrg('Org A');
    orgB = await t.createOrg('Org B');
  });
  afterAll(() => t.close());

  describe('every resolver is guarded', () => {
    it('answers UNAUTHENTICATED, with no data, to every query and mutation sent without a token', async () => {
      const operations = rootOperations(t.get<GraphQLSchemaHost>(GraphQLSchemaHost).schema).filter(
        (op) => op.kind !== 'subscription',
      );
      expect(operations.length).toBeGreaterThanOrEqual(5);
      const unguarded: string[] = [];
      for (const op of operations) {
        const result = await t.gql(undefined, op.document, op.variables);
        const leaked =
          result.data !== null &&
          result.data !== undefined &&
          Object.values(result.data).some((v) => v !== null);
        if (errorCode(result) !== 'UNAUTHENTICATED' || leaked) {
          unguarded.push(`${op.kind} ${op.field}: ${JSON.stringify(result.errors ?? result.data)}`);
        }
      }
      expect(unguarded).toEqual([]);
    });

    it('has no resolver method or class marked @Public()', () => {
      const discovery = t.get<DiscoveryService>(DiscoveryService);
      const scanner = new MetadataScanner();
      const reflector = t.get<Reflector>(Reflector);
      const publicResolvers: string[] = [];
      let methods = 0;
      for (const wrapper of discovery.getProviders()) {
        const instance = wrapper.instance as object | undefined;
        if (!instance || !wrapper.metatype) continue;
        const proto = Object.getPrototypeOf(instance) as Record<string, unknown>;
        for (const name of scanner.getAllMethodNames(proto)) {
          const handler = proto[name] as (...args: unknown[]) => unknown;
          if (reflector.get(RESOLVER_TYPE_METADATA, handler) === undefined) continue;
          methods++;
          if (
            reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, [
              handler,
              wrapper.metatype as () => unknown,
            ]) === true
          ) {
            publicResolvers.push(`${wrapper.name}.${name}`);
          }
        }
      }
      expect(methods).toBeGreaterThanOrEqual(5);
      expect(publicResolvers).toEqual([]);
    });
  });

  describe('the tenant plugin', () => {
    let model: Model<AuditLogDocument>;
    const org = (): Types.ObjectId => new Types.ObjectId(orgA.organizationId);

    beforeAll(() => {
      model = t.get<Model<AuditLogDocument>>(getModelToken(AuditLogDocument.name));
    });

    it.each<[string, () => Promise<unknown>]>([
      ['find', () => model.find({}).exec()],
      ['findOne', () => model.findOne({ seq: 1 }).exec()],
      ['findById', () => model.findById(new Types.ObjectId()).exec()],
      ['countDocuments', () => model.countDocuments({}).exec()],
      ['estimatedDocumentCount', () => model.estimatedDocumentCount().exec()],
      ['distinct', () => model.distinct('action').exec()],
      ['updateMany', () => model.updateMany({}, { $set: { action: 'SYNC' } }).exec()],
      ['deleteMany', () => model.deleteMany({}).exec()],
      ['findOneAndUpdate', () => model.findOneAndUpdate({ seq: 1 }, { $set: { seq: 2 } }).exec()],
      ['aggregate without a leading $match', () => model.aggregate([{ $sort: { seq: 1 } }]).exec()],
      ['aggregate with a $match lacking the org', () => model.aggregate([{ $match: { seq: 1 } }]).exec()],
      ['bulkWrite', () => model.bulkWrite([{ deleteOne: { filter: { seq: 1 } } }])],
      ['insertMany without an org', () => model.insertMany([{ seq: 1 }])],
    ])('throws on %s without organizationId', async (_name, run) => {
      await expect(run()).rejects.toBeInstanceOf(TenantFilterMissingError);
    });

    it('lets scoped reads through', async () => {
      await expect(model.countDocuments({ organizationId: org() }).exec()).resolves.toBeGreaterThanOrEqual(1);
      const rows = await model
        .aggregate<{ n: number }>([{ $match: { organizationId: org() } }, { $count: 'n' }])
        .exec();
      expect(rows[0]?.n).toBeGreaterThanOrEqual(1);
    });

    it.each<[string, (other: Types.ObjectId) => Promise<unknown>]>([
      ['find', (other) => model.find({ organizationId: other }).exec()],
      ['find by a string id', (other) => model.find({ organizationId: other.toHexString() }).exec()],
      ['find with an operator', (other) => model.find({ organizationId: { $in: [org(), other] } }).exec()],
      ['countDocuments', (other) => model.countDocuments({ organizationId: other }).exec()],
      [
        'updateMany',
        (other) => model.updateMany({ organizationId: other }, { $set: { action: 'X' } }).exec(),
      ],
      ['deleteMany', (other) => model.deleteMany({ organizationId: other }).exec()],
      ['aggregate', (other) => model.aggregate([{ $match: { organizationId: other } }]).exec()],
      ['bulkWrite', (other) => model.bulkWrite([{ deleteOne: { filter: { organizationId: other } } }])],
      ['insertMany', (other) => model.insertMany([{ organizationId: other, seq: 1 }])],
      ['create', (other) => model.create({ organizationId: other, seq: 1 })],
      ['save', (other) => new model({ organizationId: other, seq: 1 }).save()],
    ])('refuses %s naming another organization than the one the work runs for', async (_name, run) => {
      const other = new Types.ObjectId(orgB.organizationId);
      await expect(t.asOrg(orgA.organizationId, () => run(other))).rejects.toBeInstanceOf(
        ForeignOrganizationError,
      );
    });

    it.each<[string, (own: Types.ObjectId, other: Types.ObjectId) => Promise<unknown>]>([
      [
        'updateMany moving rows',
        (own, other) => model.updateMany({ organizationId: own }, { $set: { organizationId: other } }).exec(),
      ],
      [
        'updateOne, implicit $set',
        (own, other) => model.updateOne({ organizationId: own }, { organizationId: other }).exec(),
      ],
      [
        'an upsert inserting for another',
        (own, other) =>
          model
            .updateOne(
              { organizationId: own, seq: -1 },
              { $setOnInsert: { organizationId: other } },
              { upsert: true },
            )
            .exec(),
      ],
      [
        '$unset of the organization',
        (own) => model.updateMany({ organizationId: own }, { $unset: { organizationId: 1 } }).exec(),
      ],
      [
        'findOneAndUpdate',
        (own, other) =>
          model.findOneAndUpdate({ organizationId: own }, { $set: { organizationId: other } }).exec(),
      ],
      [
        'replaceOne',
        (own, other) =>
          model.replaceOne({ organizationId: own, seq: -2 }, { organizationId: other, seq: -2 }).exec(),
      ],
      [
        'bulkWrite updateOne',
        (own, other) =>
          model.bulkWrite([
            { updateOne: { filter: { organizationId: own }, update: { $set: { organizationId: other } } } },
          ]),
      ],
      [
        'bulkWrite replaceOne',
        (own, other) =>
          model.bulkWrite([
            {
              replaceOne: {
                filter: { organizationId: own },
                replacement: { organizationId: other } as never,
              },
            },
          ]),
      ],
    ])('refuses %s to another organization, inside a context or not', async (_name, run) => {
      const own = new Types.ObjectId(orgA.organizationId);
      const other = new Types.ObjectId(orgB.organizationId);
      await expect(run(own, other)).rejects.toBeInstanceOf(ForeignOrganizationError);
      await expect(t.asOrg(orgA.organizationId, () => run(own, other))).rejects.toBeInstanceOf(
        ForeignOrganizationError,
      );
    });

    it("lets an update name its own filter's organization (on a collection that takes updates)", async () => {
      const own = new Types.ObjectId(orgA.organizationId);
      const alerts = t.get<Model<AlertDocument>>(getModelToken(AlertDocument.name));
      await expect(
        t.asOrg(orgA.organizationId, () =>
          alerts
            .updateMany({ organizationId: own, kind: 'NEEDS_REAUTH' }, { $set: { organizationId: own } })
            .exec(),
        ),
      ).resolves.toMatchObject({ acknowledged: true });
    });

    it("lets the context's own organization through, and any organization outside a context", async () => {
      await expect(
        t.asOrg(orgA.organizationId, () => model.countDocuments({ organizationId: org() }).exec()),
      ).resolves.toBeGreaterThanOrEqual(1);
      await expect(
        t.asOrg(orgA.organizationId, () =>
          model.countDocuments({ organizationId: orgA.organizationId }).exec(),
        ),
      ).resolves.toEqual(expect.any(Number));
      await expect(
        model.countDocuments({ organizationId: new Types.ObjectId(orgB.organizationId) }).exec(),
      ).resolves.toBeGreaterThanOrEqual(0);
    });

    it('makes tenant repositories throw outside an organization context', async () => {
      await expect(t.get<AuditService>(AuditService).page({}, 10)).rejects.toBeInstanceOf(
        MissingOrgContextError,
      );
    });
  });

  describe('cross-tenant reads', () => {
    it("gives org B NOT_FOUND for org A's audit entry, and org A its own", async () => {
      const aLog = await t.gql<{ auditLog: { edges: { node: { id: string } }[] } }>(
        orgA.adminToken,
        '{ auditLog { edges { node { id } } } }',
      );
      const aEntryId = aLog.data?.auditLog.edges[0]?.node.id;
      expect(aEntryId).toMatch(/^[0-9a-f]{24}$/);
      const query = 'query($id: ID!) { auditLogEntry(id: $id) { id action } }';
      expect(errorCode(await t.gql(orgB.adminToken, query, { id: aEntryId }))).toBe('NOT_FOUND');
      expect(errorCode(await t.gql(orgB.adminToken, query, { id: 'not-an-id' }))).toBe('NOT_FOUND');
      const own = await t.gql(orgA.adminToken, query, { id: aEntryId });
      expect(own.data).toEqual({ auditLogEntry: { id: aEntryId, action: 'ORGANIZATION_CREATE' } });
    });

    it("never lists another organization's audit entries", async () => {
      const query = '{ auditLog(first: 100) { edges { node { id target { id } } } } }';
      const b = await t.gql<{ auditLog: { edges: { node: { target: { id: string } } }[] } }>(
        orgB.adminToken,
        query,
      );
      const targets = b.data?.auditLog.edges.map((e) => e.node.target.id) ?? [];
      expect(targets.length).toBeGreaterThan(0);
      expect(targets.every((id) => id === orgB.organizationId)).toBe(true);
    });
  });

  it('serves exactly the committed schema.gql (every resolver is in SCHEMA_RESOLVERS)', () => {
    const committed = readFileSync(join(__dirname, '..', '..', 'schema.gql'), 'utf8');
    expect(printAppSchema(t.get<GraphQLSchemaHost>(GraphQLSchemaHost).schema)).toBe(committed);
  });
});
