import { type Model, type QueryFilter, Types } from 'mongoose';
import { OrgContext } from './org-context';

/**
 * Base of every repository over a tenant collection. Subclasses expose named queries and build their
 * filters through `scope()`, which sets `organizationId` from the async context, overwriting anything a
 * caller passed. The schema's `tenantScopedPlugin` catches a filter that bypassed this.
 */
export abstract class TenantRepository<TSchema> {
  protected constructor(protected readonly model: Model<TSchema>) {}

  protected organizationId(): Types.ObjectId {
    return new Types.ObjectId(OrgContext.organizationId());
  }

  protected scope(filter: QueryFilter<TSchema> = {}): QueryFilter<TSchema> {
    return { ...filter, organizationId: this.organizationId() };
  }

  /** A new document for this organization; `organizationId` cannot be chosen by the caller. */
  protected owned<T extends object>(doc: T): T & { organizationId: Types.ObjectId } {
    return { ...doc, organizationId: this.organizationId() };
  }
}

/** Parses an id from client input; anything malformed reads as "not found" rather than an error. */
export function toObjectId(id: string): Types.ObjectId | undefined {
  return /^[0-9a-f]{24}$/i.test(id) ? new Types.ObjectId(id) : undefined;
}
