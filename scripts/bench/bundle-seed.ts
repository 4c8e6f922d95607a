import { Types } from 'mongoose';
import {
  type OktaFactor,
  type OktaUser,
  toFactors,
  userMfaItem,
} from '#src/modules/connectors/okta/okta.mapper';
import { type RowOwner, storedRow } from './seed-rows';
import { type BenchOrg } from './world';

/** Where seeded rows belong: the org's real Okta connection and the run that "wrote" them. */
export interface SeedOwner {
  readonly organizationId: string;
  readonly connectionId: string;
  readonly runId: string;
  /** When the run collected the current rows. */
  readonly collectedAt: Date;
}

export interface SeededUsers {
  /** Current `okta.user_mfa` rows inserted. */
  readonly current: number;
  /** Earlier versions of some of those users, closed within the assessment period. */
  readonly closed: number;
}

const SEED_BATCH = 5000;
const DAY_MS = 86_400_000;
/** One user in this many has an earlier version (a factor enrolled since): the population's extra rows. */
const CHANGED_EVERY = 100;
/** One user in this many has no factor (fails the MFA check). */
const WITHOUT_MFA_EVERY = 20;

/**
 * Inserts `users` current `okta.user_mfa` rows on the org's connection straight through the driver, in
 * unordered batches, each made by the app's own mapper and fingerprint from an Okta-shaped user and its
 * factors, as a first sync stores it; and for one user in a hundred an earlier version, closed 30 days ago
 * the way a later sync closes a changed row (`slot` = `closed:<id>`).
 */
export async function seedUserMfa(org: BenchOrg, owner: SeedOwner, users: number): Promise<SeededUsers> {
  const evidence = org.mongo.getClient().db(org.dbName).collection('evidence');
  const ids = {
    organizationId: new Types.ObjectId(owner.organizationId),
    connectionId: new Types.ObjectId(owner.connectionId),
    runId: new Types.ObjectId(owner.runId),
  };
  const changedAt = new Date(owner.collectedAt.getTime() - 30 * DAY_MS);
  const firstSeen = new Date(owner.collectedAt.getTime() - 200 * DAY_MS);
  let batch: Record<string, unknown>[] = [];
  let closed = 0;
  const flush = async (): Promise<void> => {
    if (batch.length > 0) await evidence.insertMany(batch, { ordered: false });
    batch = [];
  };
  for (let i = 0; i < users; i += 1) {
    const user = oktaUser(i);
    const factors = oktaFactors(user.id, i);
    if (i % CHANGED_EVERY === 1) {
      const _id = new Types.ObjectId();
      const before = row(ids, user, factors.slice(0, -1), firstSeen);
      batch.push({ ...before, _id, validUntil: changedAt, slot: `closed:${_id.toHexString()}` });
      batch.push(row(ids, user, factors, changedAt));
      closed += 1;
    } else {
      batch.push(row(ids, user, factors, owner.collectedAt));
    }
    if (batch.length >= SEED_BATCH) await flush();
  }
  await flush();
  return { current: users, closed };
}

/** An active Okta user as `GET /api/v1/users` returns one (the fields the mapper reads). */
function oktaUser(i: number): OktaUser {
  const id = `00ubench${i.toString(36).padStart(6, '0')}`;
  return {
    id,
    status: 'ACTIVE',
    created: '2024-01-02T03:04:05.000Z',
    activated: '2024-01-02T03:05:00.000Z',
    statusChanged: '2024-01-02T03:05:00.000Z',
    lastLogin: new Date(Date.UTC(2026, 10, 1 + (i % 30), 8)).toISOString(),
    lastUpdated: '2025-06-01T00:00:00.000Z',
    profile: {
      login: `user${i}@bench.example`,
      email: `user${i}@bench.example`,
      firstName: 'Bench',
      lastName: `User ${i}`,
      userType: i % 10 === 0 ? 'Contractor' : 'Employee',
    },
  };
}

/** None for one user in twenty, else one to three of Okta Verify push, Google TOTP and a security key. */
function oktaFactors(userId: string, i: number): OktaFactor[] {
  if (i % WITHOUT_MFA_EVERY === 0) return [];
  const kinds = [
    { factorType: 'push', provider: 'OKTA' },
    { factorType: 'token:software:totp', provider: 'GOOGLE' },
    { factorType: 'webauthn', provider: 'FIDO' },
  ];
  return kinds.slice(0, 1 + (i % 3)).map((kind, n) => ({
    id: `${userId}f${n}`,
    ...kind,
    status: 'ACTIVE',
    created: `2024-0${n + 2}-01T00:00:00.000Z`,
  }));
}

function row(
  ids: RowOwner,
  user: OktaUser,
  factors: readonly OktaFactor[],
  collectedAt: Date,
): Record<string, unknown> {
  const item = userMfaItem(user, toFactors(factors));
  return storedRow(ids, item, collectedAt);
}
