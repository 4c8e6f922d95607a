import { type Aggregate, type AnyBulkWriteOperation, type Query, type Schema } from 'mongoose';

/** Thrown when a query on a tenant collection does not name its organization. A bug, never user error. */
export class TenantFilterMissingError extends Error {
  constructor(collection: string, operation: string) {
    super(`Query "${operation}" on tenant collection "${collection}" has no organizationId in its filter`);
    this.name = 'TenantFilterMissingError';
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
 * Mongoose plugin for every tenant collection. It asserts, it never injects: a find, count, update,
 * delete, aggregate or bulk write without `organizationId` (in the filter, or in the first `$match`)
 * throws before it reaches the database. `estimatedDocumentCount` cannot be scoped, so it always throws.
 */
export function tenantScopedPlugin(schema: Schema): void {
  schema.pre(
    FILTERED_QUERY_OPERATIONS as unknown as 'find'[],
    { document: false, query: true },
    function (this: Query<unknown, unknown>) {
      if (!hasOrganization(this.getFilter())) {
        throw new TenantFilterMissingError(
          this.model.collection.collectionName,
          (this as { op?: string }).op ?? 'query',
        );
      }
    },
  );

  schema.pre('estimatedDocumentCount', function (this: Query<unknown, unknown>) {
    throw new TenantFilterMissingError(this.model.collection.collectionName, 'estimatedDocumentCount');
  });

  schema.pre('aggregate', function (this: Aggregate<unknown>) {
    const first = this.pipeline()[0] as { $match?: unknown } | undefined;
    if (!hasOrganization(first?.$match)) {
      throw new TenantFilterMissingError(this.model().collection.collectionName, 'aggregate');
    }
  });

  schema.pre('bulkWrite', function (ops: AnyBulkWriteOperation[]) {
    for (const op of ops) {
      if (!bulkOperationScoped(op))
        throw new TenantFilterMissingError(this.collection.collectionName, 'bulkWrite');
    }
  });

  schema.pre('insertMany', function (docs: unknown) {
    for (const doc of Array.isArray(docs) ? docs : [docs]) {
      if (!hasOrganization(doc))
        throw new TenantFilterMissingError(this.collection.collectionName, 'insertMany');
    }
  });
}

function bulkOperationScoped(op: AnyBulkWriteOperation): boolean {
  if ('insertOne' in op) return hasOrganization(op.insertOne.document);
  if ('updateOne' in op) return hasOrganization(op.updateOne.filter);
  if ('updateMany' in op) return hasOrganization(op.updateMany.filter);
  if ('replaceOne' in op) return hasOrganization(op.replaceOne.filter);
  if ('deleteOne' in op) return hasOrganization(op.deleteOne.filter);
  if ('deleteMany' in op) return hasOrganization(op.deleteMany.filter);
  return false;
}
