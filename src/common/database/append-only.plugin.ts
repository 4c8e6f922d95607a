import { type AnyBulkWriteOperation, type Schema } from 'mongoose';

export class AppendOnlyViolationError extends Error {
  constructor(collection: string, operation: string) {
    super(`Collection "${collection}" is append-only: "${operation}" is not allowed`);
    this.name = 'AppendOnlyViolationError';
  }
}

const MUTATING_QUERIES = [
  'updateOne',
  'updateMany',
  'findOneAndUpdate',
  'replaceOne',
  'findOneAndReplace',
  'deleteOne',
  'deleteMany',
  'findOneAndDelete',
] as const;

/** Rejects every update and delete through the model, its queries, its documents and bulk writes. */
export function appendOnlyPlugin(schema: Schema): void {
  schema.pre(
    MUTATING_QUERIES as unknown as 'updateOne'[],
    { document: true, query: true },
    function (this: { op?: string; collection: { collectionName: string } }) {
      throw new AppendOnlyViolationError(this.collection.collectionName, this.op ?? 'document change');
    },
  );
  schema.pre('save', function () {
    if (!this.isNew)
      throw new AppendOnlyViolationError(this.collection.collectionName, 'save of an existing document');
  });
  schema.pre('bulkWrite', function (ops: AnyBulkWriteOperation[]) {
    if (ops.some((op) => !('insertOne' in op)))
      throw new AppendOnlyViolationError(this.collection.collectionName, 'bulkWrite');
  });
}
