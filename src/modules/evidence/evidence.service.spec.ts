import { type IndexedRow } from './current-index';
import { type EvidenceRepository } from './evidence.repository';
import { EvidenceService } from './evidence.service';
import { fingerprint } from './evidence.types';

const CONNECTION = '64b000000000000000000001';
const RUN = '64b0000000000000000000aa';
const A1 = '64b0000000000000000000a1';
const A2 = '64b0000000000000000000a2';
const A3 = '64b0000000000000000000a3';
const OLD = '64b00000000000000000001d';
const NEW = '64b00000000000000000000e';
const target = {
  connectionId: CONNECTION,
  connectorKey: 'idp',
  runId: RUN,
  collectedAt: new Date('2026-11-29T12:00:00Z'),
};
const item = (sourceId: string, mfa: boolean) => ({
  type: 'idp.user_mfa',
  sourceId,
  controls: ['CC6.1'],
  data: { mfa },
});
/** A current row as the repository streams it: the requested fields of its data. */
type StoredRow = Omit<IndexedRow, 'carried' | 'watched'> & { type: string; data: Record<string, unknown> };

const row = (id: string, sourceId: string, mfa: boolean, collectedAt: string): StoredRow => ({
  id,
  sourceId,
  fingerprint: fingerprint(item(sourceId, mfa)),
  data: { mfa },
  collectedAt: new Date(collectedAt),
  type: 'idp.user_mfa',
});

/** A repository double recording the order of writes; `insertMany` can be made to fail like a dropped DB. */
function repository(current: StoredRow[], options: { insertFails?: boolean } = {}) {
  const calls: string[] = [];
  const closes: { ids: string[]; at: Date }[] = [];
  const repo = {
    currentRows: jest.fn(() =>
      (async function* () {
        for (const row of current) yield await Promise.resolve(row);
      })(),
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

/** Opens the index of the stored rows, then writes one batch into it, as a run does. */
async function openAndWrite(repo: EvidenceRepository, items: ReturnType<typeof item>[]) {
  const service = new EvidenceService(repo);
  const index = await service
    .forRun(CONNECTION, [{ type: 'idp.user_mfa', carries: ['mfa'] }])
    .of('idp.user_mfa');
  const healed = await service.heal(index);
  const { changed, ...counts } = await service.write(target, index, items);
  return { service, index, healed, counts, changed };
}

describe('EvidenceService', () => {
  it('never closes a current row when writing its successor fails (the successor is written first)', async () => {
    const { repo, calls } = repository([row(A1, 'u1', false, '2026-11-29T11:00:00Z')], {
      insertFails: true,
    });
    await expect(openAndWrite(repo, [item('u1', true)])).rejects.toThrow('connection closed');
    expect(calls).toEqual(['insert']);
  });

  it('inserts the changed item, then closes its previous row at the collection time', async () => {
    const { repo, calls, closes } = repository([row(A1, 'u1', false, '2026-11-29T11:00:00Z')]);
    const { counts } = await openAndWrite(repo, [item('u1', true), item('u2', true)]);
    expect(calls).toEqual(['insert', 'close']);
    expect(closes).toEqual([{ ids: [A1], at: target.collectedAt }]);
    expect(counts).toEqual({ inserted: 2, closed: 1, unchanged: 0 });
  });

  it('reads the stored rows of every type once per run: no lookup per batch, carried fields served from the index', async () => {
    const { repo } = repository([row(A1, 'u1', false, '2026-11-29T11:00:00Z')]);
    const service = new EvidenceService(repo);
    const run = service.forRun(CONNECTION, [
      { type: 'idp.user_mfa', carries: ['mfa'] },
      { type: 'idp.password_policy', carries: [] },
    ]);
    const index = await run.of('idp.user_mfa');
    expect((await run.of('idp.password_policy')).size).toBe(0);
    expect(index.carried('u1')).toEqual({ mfa: false });
    expect(index.carried('u9')).toBeUndefined();
    for (const batch of [[item('u1', false)], [item('u2', true)], [item('u3', true)]])
      await service.write(target, index, batch);
    expect((repo.currentRows as jest.Mock).mock.calls).toEqual([
      [CONNECTION, ['idp.user_mfa', 'idp.password_policy'], ['mfa']],
    ]);
  });

  it('hands the change feed each new or changed item with its watched fields as stored, and the vanished ones', async () => {
    const { repo } = repository([
      { ...row(A1, 'u1', false, '2026-11-29T11:00:00Z'), data: { mfa: false, login: 'a@x', factors: ['x'] } },
      { ...row(A2, 'u2', true, '2026-11-29T11:00:00Z'), data: { mfa: true, login: 'b@x' } },
      { ...row(A3, 'u3', true, '2026-11-29T11:00:00Z'), data: { mfa: true, login: 'c@x' } },
    ]);
    const service = new EvidenceService(repo);
    const index = await service
      .forRun(CONNECTION, [{ type: 'idp.user_mfa', carries: ['factors'], watches: ['mfa', 'login'] }])
      .of('idp.user_mfa');
    expect(index.carried('u1')).toEqual({ factors: ['x'] });
    const { changed } = await service.write(target, index, [
      item('u1', true),
      item('u2', true),
      item('u4', true),
    ]);
    expect(
      changed.map(({ sourceId, beforeId, before, after }) => ({ sourceId, beforeId, before, after })),
    ).toEqual([
      { sourceId: 'u1', beforeId: A1, before: { mfa: false, login: 'a@x' }, after: { mfa: true } },
      { sourceId: 'u4', beforeId: undefined, before: undefined, after: { mfa: true } },
    ]);
    expect(changed.every((c) => c.afterId !== undefined && c.afterFingerprint !== undefined)).toBe(true);
    expect(service.vanished(index)).toEqual([
      {
        sourceId: 'u3',
        beforeId: A3,
        afterId: undefined,
        afterFingerprint: undefined,
        before: { mfa: true, login: 'c@x' },
        after: undefined,
      },
    ]);
    expect((repo.currentRows as jest.Mock).mock.calls).toEqual([
      [CONNECTION, ['idp.user_mfa'], ['factors', 'mfa', 'login']],
    ]);
  });

  it('closes, after a complete collection, exactly the rows of items the run did not see', async () => {
    const { repo, closes } = repository([
      row(A1, 'u1', false, '2026-11-29T11:00:00Z'),
      row(A2, 'u2', false, '2026-11-29T11:00:00Z'),
      row(A3, 'u3', true, '2026-11-29T11:00:00Z'),
    ]);
    const { service, index } = await openAndWrite(repo, [item('u1', false), item('u3', false)]);
    closes.splice(0);
    expect(await service.closeVanished(index, target.collectedAt)).toBe(1);
    expect(closes).toEqual([{ ids: [A2], at: target.collectedAt }]);
  });

  it('heals an item left current twice by an interrupted write: the newest row wins, the older one ends when it began', async () => {
    const { repo, closes } = repository([
      row(OLD, 'u1', false, '2026-11-29T10:00:00Z'),
      row(NEW, 'u1', true, '2026-11-29T11:00:00Z'),
    ]);
    const { counts, healed } = await openAndWrite(repo, [item('u1', true)]);
    expect({ counts, healed }).toEqual({ counts: { inserted: 0, closed: 0, unchanged: 1 }, healed: 1 });
    expect(closes).toEqual([{ ids: [OLD], at: new Date('2026-11-29T11:00:00Z') }]);
  });

  it('frees the slot of a superseded row before the item returns to its content, closing the newest row last', async () => {
    const { repo, calls, closes } = repository([
      row(NEW, 'u1', true, '2026-11-29T11:00:00Z'),
      row(OLD, 'u1', false, '2026-11-29T10:00:00Z'),
    ]);
    const { counts, healed } = await openAndWrite(repo, [item('u1', false)]);
    expect(calls).toEqual(['close', 'insert', 'close']);
    expect(closes).toEqual([
      { ids: [OLD], at: new Date('2026-11-29T11:00:00Z') },
      { ids: [NEW], at: target.collectedAt },
    ]);
    expect({ counts, healed }).toEqual({ counts: { inserted: 1, closed: 1, unchanged: 0 }, healed: 1 });
  });
});
