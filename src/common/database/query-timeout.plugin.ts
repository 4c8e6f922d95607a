import { type Aggregate, type Query, type Schema } from 'mongoose';

/** `distinct` is left out: FerretDB 1.x refuses it with `maxTimeMS` ("unknown field"); the socket timeout bounds it. */
const READS: ('find' | 'findOne' | 'countDocuments' | 'estimatedDocumentCount')[] = [
  'find',
  'findOne',
  'countDocuments',
  'estimatedDocumentCount',
];

/**
 * Bounds every read with `maxTimeMS` unless the query sets its own: the server gives up (and frees the
 * backend connection FerretDB holds for it) instead of letting one slow query hang a pooled connection.
 * Writes are bounded by the driver's socket timeout.
 */
export function queryTimeoutPlugin(maxTimeMs: number): (schema: Schema) => void {
  return (schema) => {
    schema.pre(READS, function (this: Query<unknown, unknown>) {
      if (this.getOptions().maxTimeMS === undefined) this.maxTimeMS(maxTimeMs);
    });
    schema.pre('aggregate', function (this: Aggregate<unknown>) {
      if (this.options.maxTimeMS === undefined) this.option({ maxTimeMS: maxTimeMs });
    });
  };
}
