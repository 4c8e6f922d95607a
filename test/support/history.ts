import { type Connection, Types } from 'mongoose';
import { type AuditAction } from '#src/modules/audit/audit.schema';
import { GENESIS_HASH, hashAuditEntry } from '#src/modules/audit/audit-chain';

type Db = NonNullable<Connection['db']>;

/** The date fields of each collection an organization's history lives in (exception expiries stay put). */
const HISTORY_FIELDS: Readonly<Record<string, readonly string[]>> = {
  connections: ['createdAt', 'updatedAt', 'authorizedAt', 'lastSyncAt', 'lastSuccessfulSyncAt', 'nextSyncAt'],
  connector_runs: ['startedAt', 'finishedAt', 'heartbeatAt'],
  evidence: ['collectedAt', 'validUntil'],
  audit_log: ['at'],
  check_settings_versions: ['effectiveFrom', 'recordedAt'],
  check_exceptions: ['createdAt'],
};

/**
 * Moves everything the organization has done so far `ms` into the past (its creation, connections, runs,
 * evidence, audit entries, settings versions and exceptions), as if it had happened then: how suites build
 * a history hours long in seconds. The audit chain is re-linked over the moved times, so it still verifies;
 * its signed checkpoints, which vouch for the old hashes, are removed (the next append writes a new one).
 */
export async function shiftHistory(db: Db, organizationId: string, ms: number): Promise<void> {
  const orgId = new Types.ObjectId(organizationId);
  const shift = async (collection: string, filter: Record<string, unknown>, fields: readonly string[]) => {
    for (const doc of await db.collection(collection).find(filter).toArray()) {
      const set: Record<string, Date> = {};
      for (const field of fields) {
        const value: unknown = doc[field];
        if (value instanceof Date) set[field] = new Date(value.getTime() - ms);
      }
      if (Object.keys(set).length > 0)
        await db.collection(collection).updateOne({ _id: doc._id }, { $set: set });
    }
  };
  await shift('organizations', { _id: orgId }, ['createdAt']);
  for (const [collection, fields] of Object.entries(HISTORY_FIELDS))
    await shift(collection, { organizationId: orgId }, fields);
  await relinkAuditChain(db, orgId);
}

async function relinkAuditChain(db: Db, orgId: Types.ObjectId): Promise<void> {
  const entries = await db.collection('audit_log').find({ organizationId: orgId }).sort({ seq: 1 }).toArray();
  let prevHash = GENESIS_HASH;
  for (const entry of entries) {
    const hash = hashAuditEntry({
      organizationId: orgId.toHexString(),
      seq: entry.seq as number,
      at: entry.at as Date,
      actor: entry.actor as { type: 'user' | 'system'; id: string },
      action: entry.action as AuditAction,
      target: entry.target as { type: string; id: string },
      details: (entry.details ?? {}) as Record<string, unknown>,
      prevHash,
    });
    await db.collection('audit_log').updateOne({ _id: entry._id }, { $set: { prevHash, hash } });
    prevHash = hash;
  }
  await db.collection('audit_checkpoints').deleteMany({ organizationId: orgId });
}
