import {
  assertNoSecretKeys,
  type AuditEntry,
  GENESIS_HASH,
  hashAuditEntry,
  verifyChain,
} from './audit-chain';

const ORG = '65a1b2c3d4e5f60718293a4b';

function chain(length: number): AuditEntry[] {
  const entries: AuditEntry[] = [];
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= length; seq++) {
    const content = {
      organizationId: ORG,
      seq,
      at: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)),
      actor: { type: 'user' as const, id: 'u1' },
      action: 'SYNC' as const,
      target: { type: 'connection', id: 'c1' },
      details: { run: seq },
      prevHash,
    };
    const hash = hashAuditEntry(content);
    entries.push({ ...content, id: String(seq), hash });
    prevHash = hash;
  }
  return entries;
}

async function* iterate(entries: AuditEntry[]): AsyncGenerator<AuditEntry> {
  for (const entry of entries) yield await Promise.resolve(entry);
}

describe('audit chain', () => {
  it('verifies an intact chain', async () => {
    await expect(verifyChain(iterate(chain(5)))).resolves.toEqual({
      ok: true,
      checked: 5,
      firstBrokenSeq: null,
    });
  });

  it('verifies an empty chain', async () => {
    await expect(verifyChain(iterate([]))).resolves.toEqual({ ok: true, checked: 0, firstBrokenSeq: null });
  });

  it.each<[string, (entries: AuditEntry[]) => AuditEntry[], number]>([
    ['altered details', (e) => e.map((x) => (x.seq === 3 ? { ...x, details: { run: 99 } } : x)), 3],
    ['altered action', (e) => e.map((x) => (x.seq === 2 ? { ...x, action: 'REVOKE' as const } : x)), 2],
    ['a removed entry', (e) => e.filter((x) => x.seq !== 4), 4],
    [
      'a rehashed entry (its successor no longer links)',
      (e) =>
        e.map((x) => {
          if (x.seq !== 2) return x;
          const forged = { ...x, details: { run: -1 } };
          return { ...forged, hash: hashAuditEntry(forged) };
        }),
      3,
    ],
    ['swapped entries', (e) => [e[0]!, e[2]!, e[1]!, e[3]!, e[4]!], 2],
  ])('finds %s', async (_name, tamper, firstBroken) => {
    const result = await verifyChain(iterate(tamper(chain(5))));
    expect(result.ok).toBe(false);
    expect(result.firstBrokenSeq).toBe(firstBroken);
  });

  it('refuses details whose keys name secrets', () => {
    expect(() => assertNoSecretKeys({ outcome: 'ok', nested: { refreshToken: 'x' } })).toThrow(
      /refreshToken/,
    );
    expect(() => assertNoSecretKeys({ clientSecret: 'x' })).toThrow();
    expect(() => assertNoSecretKeys({ runId: 'r', counts: { users: 3 } })).not.toThrow();
  });
});
