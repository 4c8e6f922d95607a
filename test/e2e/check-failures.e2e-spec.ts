import { getModelToken } from '@nestjs/mongoose';
import { type Model, Types } from 'mongoose';
import {
  CheckFailuresRepository,
  FAILURES_CHUNK,
  newGeneration,
} from '#src/modules/coverage/check-failures.repository';
import { type CheckItem } from '#src/modules/coverage/checks/check.types';
import { CheckFailuresDocument } from '#src/modules/coverage/coverage.schema';
import { TestApp, type TestOrg } from '../support/test-app';

const items = (n: number, prefix = 'u'): CheckItem[] =>
  Array.from({ length: n }, (_, i) => ({ sourceId: `${prefix}${i}`, label: `${prefix}${i}@x`, reason: 'r' }));

/** The failing items of checks, stored in chunks apart from the coverage state, on CI's backend. */
describe('check failures store (e2e)', () => {
  let t: TestApp;
  let org: TestOrg;
  let other: TestOrg;
  let failures: CheckFailuresRepository;
  let model: Model<CheckFailuresDocument>;

  beforeAll(async () => {
    t = await TestApp.start({ SCHEDULER_TICK_MS: '3600000', STALENESS_CHECK_MS: '3600000' });
    failures = t.get<CheckFailuresRepository>(CheckFailuresRepository);
    model = t.get<Model<CheckFailuresDocument>>(getModelToken(CheckFailuresDocument.name));
    org = await t.createOrg('Chunks');
    other = await t.createOrg('Other chunks');
  });
  afterAll(() => t.close());

  it('pages across chunk boundaries, in the order written, and only within the organization', async () => {
    const written = items(2 * FAILURES_CHUNK + 500);
    const generation = newGeneration();
    await t.asOrg(org.organizationId, () => failures.write(generation, 'mfa_enrolled', written));
    await t.asOrg(other.organizationId, () => failures.write(generation, 'mfa_enrolled', items(3, 'o')));
    const slice = (offset: number, limit: number) =>
      t.asOrg(org.organizationId, () => failures.slice(generation, 'mfa_enrolled', offset, limit));

    expect(await slice(0, 3)).toEqual(written.slice(0, 3));
    expect(await slice(FAILURES_CHUNK - 50, 100)).toEqual(
      written.slice(FAILURES_CHUNK - 50, FAILURES_CHUNK + 50),
    );
    expect(await slice(written.length - 10, 100)).toEqual(written.slice(-10));
    expect(await slice(written.length, 100)).toEqual([]);
    expect(
      await t.asOrg(other.organizationId, () => failures.slice(generation, 'mfa_enrolled', 0, 100)),
    ).toEqual(items(3, 'o'));
    expect(
      await t.asOrg(org.organizationId, () => failures.slice(generation, 'no_dormant_users', 0, 10)),
    ).toEqual([]);
  });

  it('deletes older generations once their grace has passed, never the current one nor another organization’s', async () => {
    const org2 = new Types.ObjectId(org.organizationId);
    const old = Types.ObjectId.createFromTime(Math.floor(Date.now() / 1000) - 3600).toHexString();
    const recent = Types.ObjectId.createFromTime(Math.floor(Date.now() / 1000) - 60).toHexString();
    const current = newGeneration();
    for (const generation of [old, recent, current]) {
      await t.asOrg(org.organizationId, () => failures.write(generation, 'mfa_enrolled', items(2)));
      await t.asOrg(other.organizationId, () => failures.write(generation, 'mfa_enrolled', items(2)));
    }
    await t.asOrg(org.organizationId, () => failures.deleteOlderThan(current));
    const left = async (organizationId: Types.ObjectId): Promise<string[]> =>
      (await model.find({ organizationId, generation: { $in: [old, recent, current] } }).lean()).map(
        (d) => d.generation,
      );
    // The recent one could still be a racing refresh's: it stays until a later refresh.
    expect((await left(org2)).sort()).toEqual([recent, current].sort());
    expect(await left(new Types.ObjectId(other.organizationId))).toHaveLength(3);
  });
});
