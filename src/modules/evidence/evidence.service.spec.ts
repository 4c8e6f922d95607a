import { type CurrentRow, type EvidenceRepository } from './evidence.repository';
import { EvidenceService } from './evidence.service';
import { fingerprint } from './evidence.types';

const CONNECTION = '64b000000000000000000001';
const RUN = '64b0000000000000000000aa';
const target = {
  connectionId: CONNECTION,
  connectorKey: 'okta',
  runId: RUN,
  collectedAt: new Date('2026-11-29T12:00:00Z'),
};
const item = (sourceId: string, mfa: boolean) => ({
  type: 'okta.user_mfa',
  sourceId,
  controls: ['CC6.1'],
  data: { mfa },
});
const row = (id: string, sourceId: string, mfa: boolean, collectedAt: string): CurrentRow => ({
  id,
  sourceId,
  fingerprint: fingerprint(item(sourceId, mfa)),
  data: { mfa },
  collectedAt: new Date(collectedAt),
});

/** A repository double recording the order of writes; `insertMany` can be made to fail like a dropped DB. */
function repository(current: CurrentRow[], options: { insertFails?: boolean } = {}) {
  const calls: string[] = [];
  const closes: { ids: string[]; at: Date }[] = [];
  const repo = {
    current: jest.fn((_c: string, _t: string, ids: readonly string[]) =>
      Promise.resolve(current.filter((r) => ids.includes(r.sourceId))),
    ),
    insertMany: jest.fn(() => {
      calls.push('insert');
      return options.insertFails === true
        ? Promise.reject(new Error('connection closed'))
        : Promise.resolve();
    }),
    close: jest.fn((ids: readonly string[], at: Date) => {
      calls.push('close');
      closes.push({ ids: [...ids], at });
      return Promise.resolve(ids.length);
    }),
  };
  return { repo: repo as unknown as EvidenceRepository, calls, closes };
}

describe('EvidenceService.write', () => {
  it('never closes a current row when writing its successor fails (the successor is written first)', async () => {
    const { repo, calls } = repository([row('a1', 'u1', false, '2026-11-29T11:00:00Z')], {
      insertFails: true,
    });
    await expect(
      new EvidenceService(repo).write(target, 'okta.user_mfa', [item('u1', true)]),
    ).rejects.toThrow('connection closed');
    expect(calls).toEqual(['insert']);
  });

  it('inserts the changed item, then closes its previous row at the collection time', async () => {
    const { repo, calls, closes } = repository([row('a1', 'u1', false, '2026-11-29T11:00:00Z')]);
    const counts = await new EvidenceService(repo).write(target, 'okta.user_mfa', [
      item('u1', true),
      item('u2', true),
    ]);
    expect(calls).toEqual(['insert', 'close']);
    expect(closes).toEqual([{ ids: ['a1'], at: target.collectedAt }]);
    expect(counts).toEqual({ inserted: 2, closed: 1, unchanged: 0 });
  });

  it('heals an item left current twice by an interrupted write: the newest row wins, the older one ends when it began', async () => {
    const { repo, closes } = repository([
      row('old', 'u1', false, '2026-11-29T10:00:00Z'),
      row('new', 'u1', true, '2026-11-29T11:00:00Z'),
    ]);
    const counts = await new EvidenceService(repo).write(target, 'okta.user_mfa', [item('u1', true)]);
    expect(counts).toEqual({ inserted: 0, closed: 1, unchanged: 1 });
    expect(closes).toEqual([{ ids: ['old'], at: new Date('2026-11-29T11:00:00Z') }]);
  });

  it('frees the slot of a superseded row before the item returns to its content, closing the newest row last', async () => {
    const { repo, calls, closes } = repository([
      row('old', 'u1', false, '2026-11-29T10:00:00Z'),
      row('new', 'u1', true, '2026-11-29T11:00:00Z'),
    ]);
    const counts = await new EvidenceService(repo).write(target, 'okta.user_mfa', [item('u1', false)]);
    expect(calls).toEqual(['close', 'insert', 'close']);
    expect(closes).toEqual([
      { ids: ['old'], at: new Date('2026-11-29T11:00:00Z') },
      { ids: ['new'], at: target.collectedAt },
    ]);
    expect(counts).toEqual({ inserted: 1, closed: 2, unchanged: 0 });
  });
});
