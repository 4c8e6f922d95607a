import { getModelToken } from '@nestjs/mongoose';
import { type Model, Types } from 'mongoose';
import { EvidenceRepository } from '#src/modules/evidence/evidence.repository';
import { EvidenceDocument } from '#src/modules/evidence/evidence.schema';
import { TestApp, type TestOrg } from '../support/test-app';

const TYPE = 'okta.user_mfa';
/** Far above what these closes need when the database answers; a wedged database never answers. */
const ANSWER_MS = 45_000;

/**
 * Bulk closes against the backend CI runs (FerretDB 1.x). FerretDB holds a backend connection for every
 * matched update statement until its command ends, so one command of 100 closes, or several commands of 25
 * at once, take the whole SQLite pool and wedge the database for good (ADR 8).
 */
describe('Evidence bulk closes on FerretDB (e2e)', () => {
  let t: TestApp;
  let org: TestOrg;
  let evidence: Model<EvidenceDocument>;
  let repository: EvidenceRepository;

  beforeAll(async () => {
    t = await TestApp.start({ SCHEDULER_TICK_MS: '3600000', STALENESS_CHECK_MS: '3600000' });
    evidence = t.get<Model<EvidenceDocument>>(getModelToken(EvidenceDocument.name));
    repository = t.get<EvidenceRepository>(EvidenceRepository);
    org = await t.createOrg('Bulk closes');
  });
  afterAll(() => t.close());

  /** `count` current rows of one new connection, inserted directly; their ids. */
  async function currentRows(count: number): Promise<string[]> {
    const connectionId = new Types.ObjectId();
    const docs = await evidence.insertMany(
      Array.from({ length: count }, (_, i) => ({
        organizationId: new Types.ObjectId(org.organizationId),
        connectionId,
        runId: new Types.ObjectId(),
        connectorKey: 'okta',
        type: TYPE,
        sourceId: `user-${i}`,
        controls: ['CC6.1'],
        data: { login: `user-${i}@example.com`, factors: [] },
        fingerprint: `print-${i}`,
        slot: `print-${i}`,
        collectedAt: new Date(),
      })),
    );
    return docs.map((d) => d._id.toHexString());
  }

  /** The work's result, or a failure naming the database as unresponsive. */
  async function answered<T>(work: Promise<T>, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        work,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ANSWER_MS} ms`)), ANSWER_MS);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  const stillCurrent = (ids: readonly string[]) =>
    evidence
      .countDocuments({
        organizationId: new Types.ObjectId(org.organizationId),
        _id: { $in: ids.map((id) => new Types.ObjectId(id)) },
        validUntil: null,
      })
      .maxTimeMS(10_000);

  it('closes 150 rows in one call (one command of 100 matching updates wedges FerretDB)', async () => {
    const ids = await currentRows(150);
    const at = new Date();
    const closed = await answered(
      t.asOrg(org.organizationId, () => repository.close(ids, at)),
      'closing 150 rows',
    );
    expect(closed).toBe(150);
    expect(await stillCurrent(ids)).toBe(0);
  }, 60_000);

  it('closes rows of eight concurrent syncs at once, and the database still answers', async () => {
    const batches = await Promise.all(Array.from({ length: 8 }, () => currentRows(25)));
    const at = new Date();
    const closed = await answered(
      Promise.all(batches.map((ids) => t.asOrg(org.organizationId, () => repository.close(ids, at)))),
      'eight concurrent closes of 25 rows',
    );
    expect(closed).toEqual(batches.map(() => 25));
    expect(await stillCurrent(batches.flat())).toBe(0);
  }, 60_000);
});
