import {
  type Aggregate,
  type AnyBulkWriteOperation,
  type Document,
  type Query,
  type Schema,
  Types,
} from 'mongoose';
import { OrgContext } from './org-context';

/** Thrown when a query on a tenant collection does not name its organization. A bug, never user error. */
export class TenantFilterMissingError extends Error {
  constructor(collection: string, operation: string) {
    super(`Query "${operation}" on tenant collection "${collection}" has no organizationId in its filter`);
    this.name = 'TenantFilterMissingError';
  }
}

/** Thrown when work running for one organization names another in a filter or document. A bug, never user error. */
export class ForeignOrganizationError extends Error {
  constructor(collection: string, operation: string) {
    super(
      `"${operation}" on tenant collection "${collection}" names an organization other than the one it runs for`,
    );
    this.name = 'ForeignOrganizationError';
  }
}

export const FILTERED_QUERY_OPERATIONS = [
  'countDocuments',
  'deleteMany',
  'deleteOne',
  'distinct',
  'find',
  'findOne',
  'findOneAndDelete',
  'findOneAndReplace',
  'findOneAndUpdate',
  'replaceOne',
  'updateMany',
  'updateOne',
] as const;

function hasOrganization(filter: unknown): boolean {
  if (typeof filter !== 'object' || filter === null) return false;
  const value = (filter as Record<string, unknown>).organizationId;
  return value !== undefined && value !== null;
}

/**
 * Whether a filter or document that names an organization names another than the one in context. Outside
 * an organization context (the scheduler's claim across organizations, retention) any one may be named.
 * An operator (`{ $in: [...] }`) is never the context's organization.
 */
function foreign(filter: unknown): boolean {
  if (!OrgContext.has()) return false;
  return organizationOf((filter as Record<string, unknown>).organizationId) !== OrgContext.organizationId();
}

/** Throws unless `filter` names an organization, and the one in context when there is one. */
function assertScoped(filter: unknown, collection: string, operation: string): void {
  if (!hasOrganization(filter)) throw new TenantFilterMissingError(collection, operation);
  if (foreign(filter)) throw new ForeignOrganizationError(collection, operation);
}

function organizationOf(value: unknown): string | undefined {
  return typeof value === 'string'
    ? value
    : value instanceof Types.ObjectId
      ? value.toHexString()
      : undefined;
}

/**
 * Throws when an update or replacement would move documents to another organization, or strip theirs: it
 * may only set `organizationId` (directly, in `$set` or in `$setOnInsert`) to the one its filter names.
 */
function assertUpdateKeepsOrganization(
  filter: unknown,
  update: unknown,
  collection: string,
  operation: string,
): void {
  if (typeof update !== 'object' || update === null) return;
  const doc = update as Record<string, Record<string, unknown> | undefined>;
  const stages = Array.isArray(update) ? (update as Record<string, unknown>[]) : [doc];
  const owner = organizationOf((filter as Record<string, unknown>).organizationId);
  for (const stage of stages) {
    const set = stage as Record<string, Record<string, unknown> | undefined>;
    const named = [stage, set.$set, set.$setOnInsert].filter((d) => d !== undefined && 'organizationId' in d);
    const removed = [set.$unset, set.$rename].some((d) => d !== undefined && 'organizationId' in d);
    if (removed || named.some((d) => organizationOf(d?.organizationId) !== owner))
      throw new ForeignOrganizationError(collection, operation);
  }
}

/**
 * Mongoose plugin for every tenant collection. It asserts, it never injects: a find, count, update,
 * delete, aggregate or bulk write without `organizationId` (in the filter, or in the first `$match`)
 * throws before it reaches the database. `estimatedDocumentCount` cannot be scoped, so it always throws.
 */
export function tenantScopedPlugin(schema: Schema): void {
  schema.pre(
    FILTERED_QUERY_OPERATIONS as unknown as 'find'[],
    { document: false, query: true },
    function (this: Query<unknown, unknown>) {
      const collection = this.model.collection.collectionName;
      const operation = (this as { op?: string }).op ?? 'query';
      assertScoped(this.getFilter(), collection, operation);
      assertUpdateKeepsOrganization(this.getFilter(), this.getUpdate(), collection, operation);
    },
  );

  schema.pre('estimatedDocumentCount', function (this: Query<unknown, unknown>) {
    throw new TenantFilterMissingError(this.model.collection.collectionName, 'estimatedDocumentCount');
  });

  schema.pre('aggregate', function (this: Aggregate<unknown>) {
    const first = this.pipeline()[0] as { $match?: unknown } | undefined;
    assertScoped(first?.$match, this.model().collection.collectionName, 'aggregate');
  });

  schema.pre('bulkWrite', function (ops: AnyBulkWriteOperation[]) {
    for (const op of ops) {
      assertScoped(bulkOperationScope(op), this.collection.collectionName, 'bulkWrite');
      const change =
        'updateOne' in op
          ? [op.updateOne.filter, op.updateOne.update]
          : 'updateMany' in op
            ? [op.updateMany.filter, op.updateMany.update]
            : 'replaceOne' in op
              ? [op.replaceOne.filter, op.replaceOne.replacement]
              : undefined;
      if (change !== undefined)
        assertUpdateKeepsOrganization(change[0], change[1], this.collection.collectionName, 'bulkWrite');
    }
  });

  schema.pre('insertMany', function (docs: unknown) {
    for (const doc of Array.isArray(docs) ? docs : [docs])
      assertScoped(doc, this.collection.collectionName, 'insertMany');
  });

  // `create` and `save` (a new document, or a change to one read earlier): before validation, and at save
  // for a save that skips validation.
  for (const hook of ['validate', 'save'] as const) {
    schema.pre(hook, function (this: Document) {
      assertScoped(this, this.collection.collectionName, 'save');
    });
  }
}

/** The filter (or inserted document) of one bulk operation. */
function bulkOperationScope(op: AnyBulkWriteOperation): unknown {
  if ('insertOne' in op) return op.insertOne.document;
  if ('updateOne' in op) return op.updateOne.filter;
  if ('updateMany' in op) return op.updateMany.filter;
  if ('replaceOne' in op) return op.replaceOne.filter;
  if ('deleteOne' in op) return op.deleteOne.filter;
  if ('deleteMany' in op) return op.deleteMany.filter;
  return undefined;
}
