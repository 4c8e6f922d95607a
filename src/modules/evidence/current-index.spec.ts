import { createHash } from 'node:crypto';
import { Types } from 'mongoose';
import { CurrentIndex } from './current-index';

const print = (text: string): string => createHash('sha256').update(text).digest('hex');

describe('CurrentIndex', () => {
  it('keeps every row exactly past its initial capacity: ids, fingerprints, carried fields and what was seen', () => {
    const index = new CurrentIndex('idp.user_mfa');
    const rows = Array.from({ length: 3000 }, (_, i) => ({
      id: new Types.ObjectId().toHexString(),
      sourceId: `00u${i}`,
      fingerprint: print(`user ${i}`),
      collectedAt: new Date(1_700_000_000_000 + i),
      carried: { factors: [{ type: 'push', n: i }] },
    }));
    for (const row of rows) index.add(row);
    expect(index.size).toBe(3000);
    for (const row of [rows[0], rows[1023], rows[1024], rows[2999]]) {
      expect(index.current(row?.sourceId ?? '')).toEqual({ id: row?.id, fingerprint: row?.fingerprint });
      expect(index.carried(row?.sourceId ?? '')).toEqual(row?.carried);
    }
    const written = new Types.ObjectId().toHexString();
    index.written('00u5', written, print('changed'), new Date());
    expect(index.current('00u5')).toEqual({ id: written, fingerprint: print('changed') });
    expect(index.carried('00u5')).toBeUndefined();
    for (const row of rows.slice(1)) index.written(row.sourceId, row.id, row.fingerprint, new Date());
    expect(index.unseen()).toEqual([rows[0]?.id]);
  });

  it('keeps the newest of two current rows of an item and hands the older one over to be closed as of the newer', () => {
    const index = new CurrentIndex('idp.user_mfa');
    const older = { id: '64b000000000000000000001', at: new Date('2026-11-29T10:00:00Z') };
    const newer = { id: '64b000000000000000000002', at: new Date('2026-11-29T11:00:00Z') };
    index.add({ id: newer.id, sourceId: 'u1', fingerprint: print('b'), collectedAt: newer.at });
    index.add({ id: older.id, sourceId: 'u1', fingerprint: print('a'), collectedAt: older.at });
    expect(index.current('u1')).toEqual({ id: newer.id, fingerprint: print('b') });
    expect(index.takeSuperseded()).toEqual([{ id: older.id, at: newer.at }]);
    expect(index.takeSuperseded()).toEqual([]);
  });
});
