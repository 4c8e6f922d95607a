import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ZipFile } from 'yazl';
import { canonicalJson, legacyCanonicalJson } from '#src/common/util/canonical-json';
import { verifyBundle } from './bundle-verifier';
import { formatReport } from './report-text';
import { type Problem, type VerificationReport } from './verification-report';

// A bundle written here from EVIDENCE_FORMAT.md alone, then changed one way per test.

type Json = Record<string, unknown>;

const sha256 = (text: string | Buffer): string => createHash('sha256').update(text).digest('hex');
const ORG = '656f00000000000000000001';
const CONNECTION = '656f000000000000000000c1';
const PERIOD_START = '2026-01-01T00:00:00.000Z';
const PERIOD_END = '2026-12-31T23:59:59.999Z';
const id = (n: number): string => `6570000000000000000000${n.toString(16).padStart(2, '0')}`;
const jsonl = (objects: readonly Json[]): Buffer =>
  Buffer.from(objects.map((o) => `${canonicalJson(o)}\n`).join(''), 'utf8');

interface SigningKey {
  readonly privateKey: KeyObject;
  readonly publicKey: string;
  readonly fingerprint: string;
}

function signingKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x ?? '', 'base64url');
  return { privateKey, publicKey: raw.toString('base64url'), fingerprint: sha256(raw) };
}

function run(n: number, type: string, endpoint: string): Json {
  return {
    collectors: [
      {
        apiCalls: 1,
        closed: 0,
        complete: true,
        endpoint,
        filter: null,
        inserted: 1,
        items: 1,
        pages: 1,
        type,
        unchanged: 0,
      },
    ],
    connectionId: CONNECTION,
    connectorKey: 'okta',
    error: null,
    finishedAt: `2026-03-0${n}T00:01:00.000Z`,
    grantedScopes: ['okta.users.read'],
    id: id(0x80 + n),
    startedAt: `2026-03-0${n}T00:00:00.000Z`,
    status: 'SUCCEEDED',
    trigger: 'SCHEDULE',
  };
}

function row(
  n: number,
  type: string,
  sourceId: string,
  data: Json,
  runN: number,
  validUntil: string | null,
): Json {
  return {
    collectedAt: `2026-03-0${runN}T00:00:30.000Z`,
    connectionId: CONNECTION,
    connectorKey: 'okta',
    controls: ['CC6.1'],
    data,
    fingerprint: sha256(canonicalJson({ data, sourceId, type })),
    id: id(n),
    runId: id(0x80 + runN),
    sourceId,
    type,
    validUntil,
  };
}

function auditChain(count: number): Json[] {
  const entries: Json[] = [];
  let prevHash = '0'.repeat(64);
  for (let seq = 1; seq <= count; seq++) {
    const content = {
      action: 'CONNECTION_SYNCED',
      actor: { id: 'scheduler', type: 'SYSTEM' },
      at: `2026-03-0${seq}T00:02:00.000Z`,
      details: { run: seq },
      prevHash,
      seq,
      target: { id: CONNECTION, type: 'Connection' },
    };
    const hash = sha256(canonicalJson({ ...content, organizationId: ORG }));
    entries.push({ ...content, hash });
    prevHash = hash;
  }
  return entries;
}

/** The files of a small valid bundle, and the manifest without its `files` and `signature`. */
interface Fixture {
  readonly files: Map<string, Buffer>;
  readonly body: Json;
  readonly key: SigningKey;
}

function fixture(): Fixture {
  const runs = [run(1, 'okta.user', '/api/v1/users'), run(2, 'okta.user', '/api/v1/users')];
  const users = [
    row(1, 'okta.user', 'u1', { login: 'ada@example.com', mfa: false }, 1, '2026-03-02T00:00:30.000Z'),
    row(2, 'okta.user', 'u2', { login: 'bob@example.com', mfa: true }, 1, null),
    row(3, 'okta.user', 'u1', { login: 'ada@example.com', mfa: true }, 2, null),
  ];
  const audit = auditChain(3);
  const files = new Map<string, Buffer>([
    ['audit.jsonl', jsonl(audit)],
    ['continuity.json', jsonl([{ connections: [], periodEnd: PERIOD_END, periodStart: PERIOD_START }])],
    ['coverage.json', jsonl([{ asOf: PERIOD_END, checks: [], coverage: [] }])],
    ['evidence/okta.user.jsonl', jsonl(users)],
    [
      'populations/okta.user.csv',
      Buffer.from(
        'id,sourceId,collectedAt,validUntil,connectionId,runId,fingerprint,login,mfa,otherData\r\n' +
          users
            .map((u) => {
              const { login, mfa } = u.data as { login: string; mfa: boolean };
              const fields = [u.id, u.sourceId, u.collectedAt, u.validUntil ?? '', CONNECTION, u.runId];
              return `${[...fields, u.fingerprint, login, mfa, ''].map(String).join(',')}\r\n`;
            })
            .join(''),
      ),
    ],
    ['runs.jsonl', jsonl(runs)],
  ]);
  const last = audit[audit.length - 1] ?? {};
  return {
    files,
    key: signingKey(),
    body: {
      assessment: {
        draft: false,
        framework: 'SOC2',
        id: '656f000000000000000000a1',
        name: 'SOC 2 Type II 2026',
        periodEnd: PERIOD_END,
        periodStart: PERIOD_START,
        status: 'APPROVED',
      },
      auditHead: { hash: last.hash, seq: last.seq },
      counts: { auditEntries: audit.length, evidence: { 'okta.user': users.length }, runs: runs.length },
      format: 'okta-evidence-bundle',
      generatedAt: '2026-12-05T04:00:00.000Z',
      organization: { id: ORG, name: 'Acme' },
      populations: [
        {
          connectorKeys: ['okta'],
          controls: ['CC6.1'],
          endpoints: ['/api/v1/users'],
          filters: [],
          items: 2,
          rows: users.length,
          runs: 2,
          type: 'okta.user',
        },
      ],
      version: 1,
    },
  };
}

function listing(files: ReadonlyMap<string, Buffer>): Json[] {
  return [...files.keys()].sort().map((path) => {
    const bytes = files.get(path) ?? Buffer.alloc(0);
    return {
      bytes: bytes.length,
      lines: bytes.filter((b) => b === 0x0a).length,
      path,
      sha256: sha256(bytes),
    };
  });
}

/** The manifest of `body` listing `files`, signed by `key` (or stating `claims` as its key). */
function manifest(
  body: Json,
  files: ReadonlyMap<string, Buffer>,
  key: SigningKey,
  claims: { publicKey?: string; keyFingerprint?: string } = {},
): Json {
  const unsigned = { ...body, files: listing(files) };
  const value = sign(null, Buffer.from(canonicalJson(unsigned)), key.privateKey).toString('base64url');
  return {
    ...unsigned,
    signature: {
      algorithm: 'Ed25519',
      keyFingerprint: claims.keyFingerprint ?? key.fingerprint,
      publicKey: claims.publicKey ?? key.publicKey,
      value,
    },
  };
}

let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'bundle-verifier-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let written = 0;
async function zip(entries: Iterable<[string, Buffer]>): Promise<string> {
  const path = join(dir, `bundle-${++written}.zip`);
  const archive = new ZipFile();
  for (const [name, bytes] of entries) archive.addBuffer(bytes, name);
  archive.end();
  const out = createWriteStream(path);
  archive.outputStream.pipe(out);
  await once(out, 'close');
  return path;
}

/** A bundle of `f`'s files, signed as they are, then with `change` applied to the files only. */
function bundle(f: Fixture, change: (files: Map<string, Buffer>) => void = () => undefined): Promise<string> {
  const files = new Map(f.files);
  const signed = Buffer.from(canonicalJson(manifest(f.body, f.files, f.key)));
  change(files);
  return zip([['manifest.json', signed], ...files]);
}

/** A bundle signed as it is after `change`: the manifest tells the truth about changed files. */
function resigned(f: Fixture, change: (files: Map<string, Buffer>, body: Json) => void): Promise<string> {
  const files = new Map(f.files);
  const body = structuredClone(f.body);
  change(files, body);
  return zip([['manifest.json', Buffer.from(canonicalJson(manifest(body, files, f.key)))], ...files]);
}

function replace(files: Map<string, Buffer>, path: string, from: string, to: string): void {
  const text = files.get(path)?.toString('utf8') ?? '';
  if (!text.includes(from)) throw new Error(`${path} has no ${from}`);
  files.set(path, Buffer.from(text.replace(from, to), 'utf8'));
}

function editLines(files: Map<string, Buffer>, path: string, edit: (lines: string[]) => string[]): void {
  const lines = (files.get(path)?.toString('utf8') ?? '').split('\n').slice(0, -1);
  files.set(
    path,
    Buffer.from(
      edit(lines)
        .map((l) => `${l}\n`)
        .join(''),
      'utf8',
    ),
  );
}

const where = (report: VerificationReport): string[] =>
  report.problems.map((p) => `${p.check} ${p.file}${p.line === undefined ? '' : `:${p.line}`}`);

function expectProblem(report: VerificationReport, expected: Partial<Problem>): void {
  expect(report.ok).toBe(false);
  expect(report.problems).toContainEqual(expect.objectContaining(expected));
}

describe('verifyBundle', () => {
  it('holds for a valid bundle, pinned by public key or fingerprint, and warns when nothing is pinned', async () => {
    const f = fixture();
    const path = await bundle(f);

    const unpinned = await verifyBundle(path, {});
    expect(unpinned.problems).toEqual([]);
    expect(unpinned.ok).toBe(true);
    expect(unpinned.checks.every((c) => c.status === 'ok')).toBe(true);
    expect(unpinned.manifest).toEqual(
      expect.objectContaining({
        organization: { id: ORG, name: 'Acme' },
        draft: false,
        auditHead: { seq: 3, hash: expect.any(String) as string },
        counts: { auditEntries: 3, runs: 2, evidence: { 'okta.user': 3 } },
        keyFingerprint: f.key.fingerprint,
        keyPinned: false,
      }),
    );
    expect(unpinned.warnings.join('\n')).toMatch(/NOT pinned/);

    for (const publicKey of [f.key.publicKey, f.key.fingerprint]) {
      const pinned = await verifyBundle(path, { publicKey });
      expect(pinned.ok).toBe(true);
      expect(pinned.manifest?.keyPinned).toBe(true);
      expect(pinned.warnings).toEqual([]);
    }
  });

  it('holds for an empty population and chain, and warns about a draft', async () => {
    const f = fixture();
    const path = await resigned(f, (files, body) => {
      for (const path of ['evidence/okta.user.jsonl', 'populations/okta.user.csv']) files.delete(path);
      files.set('audit.jsonl', Buffer.alloc(0));
      files.set('runs.jsonl', Buffer.alloc(0));
      Object.assign(body, {
        assessment: { ...(body.assessment as Json), draft: true, status: 'IN_REVIEW' },
        auditHead: { hash: '0'.repeat(64), seq: 0 },
        counts: { auditEntries: 0, evidence: {}, runs: 0 },
        populations: [],
      });
    });
    const report = await verifyBundle(path, { publicKey: f.key.fingerprint });
    expect(report.problems).toEqual([]);
    expect(report.warnings.join('\n')).toMatch(/draft/);
  });

  describe('fails naming the file when one byte changes in', () => {
    it.each<[string, string, string, string, number | undefined]>([
      ['manifest.json', 'manifest.json', '"Acme"', '"Acmf"', undefined],
      ['an evidence file', 'evidence/okta.user.jsonl', 'bob@', 'bop@', 2],
      ['a population CSV', 'populations/okta.user.csv', 'sourceId', 'sourceID', undefined],
      ['runs.jsonl', 'runs.jsonl', 'SUCCEEDED', 'SUCCEEDEE', undefined],
      ['continuity.json', 'continuity.json', 'connections', 'connectionz', 1],
      ['coverage.json', 'coverage.json', 'checks', 'checkz', 1],
      ['audit.jsonl', 'audit.jsonl', '"run":2', '"run":3', 2],
    ])('%s', async (_name, path, from, to, line) => {
      const f = fixture();
      const changed =
        path === 'manifest.json'
          ? await zip([
              [
                'manifest.json',
                Buffer.from(canonicalJson(manifest(f.body, f.files, f.key)).replace(from, to)),
              ],
              ...f.files,
            ])
          : await bundle(f, (files) => replace(files, path, from, to));
      const result = await verifyBundle(changed, { publicKey: f.key.publicKey });
      expectProblem(result, { file: path });
      if (path === 'manifest.json') expectProblem(result, { check: 'signature', file: path });
      else
        expectProblem(result, {
          check: 'files',
          file: path,
          message: expect.stringContaining('SHA-256') as string,
        });
      if (line !== undefined) expectProblem(result, { file: path, line });
    });
  });

  it('names the line when an evidence row or an audit entry is dropped', async () => {
    const f = fixture();
    const evidence = await verifyBundle(
      await bundle(f, (files) =>
        editLines(files, 'evidence/okta.user.jsonl', (l) => [l[0] ?? '', l[2] ?? '']),
      ),
      {},
    );
    expect(where(evidence)).toEqual(
      expect.arrayContaining(['files evidence/okta.user.jsonl', 'evidence evidence/okta.user.jsonl']),
    );
    expect(evidence.problems.map((p) => p.message).join('\n')).toMatch(/has 2 rows; counts.evidence says 3/);

    const audit = await verifyBundle(
      await bundle(f, (files) => editLines(files, 'audit.jsonl', (l) => [l[0] ?? '', l[2] ?? ''])),
      {},
    );
    expectProblem(audit, {
      check: 'audit',
      file: 'audit.jsonl',
      line: 2,
      message: 'seq is 3 where 2 was expected',
    });
  });

  it('fails when two evidence rows or two audit entries trade places, naming the audit line', async () => {
    const f = fixture();
    const swap = (l: string[]): string[] => [l[1] ?? '', l[0] ?? '', ...l.slice(2)];
    // Rows come in no particular order: only the file's hash shows the change.
    const evidence = await verifyBundle(
      await bundle(f, (files) => editLines(files, 'evidence/okta.user.jsonl', swap)),
      {},
    );
    expect(where(evidence)).toEqual(['files evidence/okta.user.jsonl']);
    const audit = await verifyBundle(await bundle(f, (files) => editLines(files, 'audit.jsonl', swap)), {});
    expectProblem(audit, {
      check: 'audit',
      file: 'audit.jsonl',
      line: 1,
      message: 'seq is 2 where 1 was expected',
    });
  });

  it('names the line of an evidence row or run whose id appears twice', async () => {
    const f = fixture();
    const twice = (l: string[]): string[] => [...l, l[0] ?? ''];
    const report = await verifyBundle(
      await resigned(f, (files) => {
        editLines(files, 'evidence/okta.user.jsonl', twice);
        editLines(files, 'runs.jsonl', twice);
      }),
      {},
    );
    expectProblem(report, {
      check: 'evidence',
      file: 'evidence/okta.user.jsonl',
      line: 4,
      message: `id ${id(1)} appears more than once`,
    });
    expectProblem(report, {
      check: 'runs',
      file: 'runs.jsonl',
      line: 3,
      message: `id ${id(0x81)} appears more than once`,
    });
  });

  describe('a swapped signing key', () => {
    it('fails against the pinned key, by public key or fingerprint, though it holds by its own key', async () => {
      const f = fixture();
      const path = await bundle({ ...f, key: signingKey() });
      expect((await verifyBundle(path, {})).ok).toBe(true);
      for (const publicKey of [f.key.publicKey, f.key.fingerprint]) {
        const report = await verifyBundle(path, { publicKey });
        expectProblem(report, {
          check: 'signature',
          file: 'manifest.json',
          message: expect.stringContaining(`not the pinned key ${f.key.fingerprint}`) as string,
        });
      }
    });

    it('fails when the manifest claims the original fingerprint for another key', async () => {
      const f = fixture();
      const other = signingKey();
      const claimed = manifest(f.body, f.files, other, { keyFingerprint: f.key.fingerprint });
      const path = await zip([['manifest.json', Buffer.from(canonicalJson(claimed))], ...f.files]);
      for (const options of [{}, { publicKey: f.key.fingerprint }]) {
        expectProblem(await verifyBundle(path, options), {
          check: 'signature',
          message: expect.stringContaining('is not the SHA-256 of signature.publicKey') as string,
        });
      }
    });

    it('fails when the manifest names the original key but another key signed it', async () => {
      const f = fixture();
      const forged = manifest(f.body, f.files, signingKey(), {
        publicKey: f.key.publicKey,
        keyFingerprint: f.key.fingerprint,
      });
      const path = await zip([['manifest.json', Buffer.from(canonicalJson(forged))], ...f.files]);
      expectProblem(await verifyBundle(path, { publicKey: f.key.publicKey }), {
        check: 'signature',
        message: 'the signature does not verify with the pinned key',
      });
    });
  });

  it('fails on a file the manifest does not list, and on a listed file that is missing', async () => {
    const f = fixture();
    const extra = await bundle(f, (files) => files.set('notes.txt', Buffer.from('hello\n')));
    expectProblem(await verifyBundle(extra, {}), { check: 'files', file: 'notes.txt' });
    const missing = await bundle(f, (files) => files.delete('coverage.json'));
    expectProblem(await verifyBundle(missing, {}), {
      check: 'files',
      file: 'coverage.json',
      message: 'is listed in the manifest but missing from the archive',
    });
  });

  it('reports a truncated archive, random bytes and a missing file as problems, without throwing', async () => {
    const whole = readFileSync(await bundle(fixture()));
    for (const bytes of [
      whole.subarray(0, Math.floor(whole.length / 2)),
      whole.subarray(0, whole.length - 10),
      randomBytes(4096),
    ]) {
      const path = join(dir, `broken-${++written}.zip`);
      writeFileSync(path, bytes);
      const report = await verifyBundle(path, {});
      expectProblem(report, { check: 'archive', file: path });
      expect(report.checks.find((c) => c.name === 'audit')?.status).toBe('not checked');
    }
    expectProblem(await verifyBundle(join(dir, 'absent.zip'), {}), { check: 'archive' });
  });

  it('catches a tampered row whose hash was fixed up in the manifest by the signature and the fingerprint', async () => {
    const f = fixture();
    const original = manifest(f.body, f.files, f.key);
    const files = new Map(f.files);
    replace(files, 'evidence/okta.user.jsonl', '"mfa":false', '"mfa":true');
    const fixedUp = { ...original, files: listing(files) };
    const report = await verifyBundle(
      await zip([['manifest.json', Buffer.from(canonicalJson(fixedUp))], ...files]),
      {
        publicKey: f.key.publicKey,
      },
    );
    expect(report.checks.filter((c) => c.status === 'failed').map((c) => c.name)).toEqual([
      'signature',
      'evidence',
    ]);
    expectProblem(report, {
      check: 'signature',
      file: 'manifest.json',
      message: 'the signature does not verify with the pinned key',
    });
    expectProblem(report, {
      check: 'evidence',
      file: 'evidence/okta.user.jsonl',
      line: 1,
      message: expect.stringContaining('does not recompute') as string,
    });
  });

  it('does not read an entry larger than the manifest lists (a zip bomb)', async () => {
    const f = fixture();
    const path = await bundle(f, (files) => files.set('coverage.json', Buffer.alloc(64 * 1024 * 1024, 0x20)));
    const report = await verifyBundle(path, {});
    expectProblem(report, {
      check: 'files',
      file: 'coverage.json',
      message: expect.stringContaining('not read') as string,
    });
    expect(report.checks.find((c) => c.name === 'coverage')?.status).toBe('incomplete');
  });

  it('checks the manifest format and version, and that it parses', async () => {
    const f = fixture();
    const version = await resigned(f, (_files, body) => (body.version = 2));
    expectProblem(await verifyBundle(version, {}), {
      check: 'manifest',
      message: expect.stringContaining('version is 2') as string,
    });
    const garbage = await zip([['manifest.json', Buffer.from('{"format":')], ...f.files]);
    expectProblem(await verifyBundle(garbage, {}), { check: 'manifest', file: 'manifest.json' });
  });

  it('checks the manifest against itself and the population summary against the rows', async () => {
    const f = fixture();
    const path = await resigned(f, (_files, body) => {
      const counts = body.counts as { evidence: Json };
      counts.evidence['okta.group'] = 0;
      const [population] = body.populations as Json[];
      Object.assign(population ?? {}, { items: 3, controls: ['CC6.1', 'CC6.2'] });
    });
    const report = await verifyBundle(path, {});
    expectProblem(report, {
      check: 'manifest',
      file: 'manifest.json',
      message: 'counts.evidence has "okta.group", which populations does not',
    });
    expectProblem(report, {
      check: 'populations',
      file: 'evidence/okta.user.jsonl',
      message: 'has 2 distinct items (connectionId and sourceId); populations says 3',
    });
    expectProblem(report, {
      check: 'populations',
      file: 'evidence/okta.user.jsonl',
      message: 'has controls ["CC6.1"]; populations says ["CC6.1","CC6.2"]',
    });
  });

  it('reports lines that are not canonical JSON objects, at most 20 per file then how many more', async () => {
    const f = fixture();
    const path = await resigned(f, (files) => files.set('audit.jsonl', Buffer.from('nope\n'.repeat(30))));
    const report = await verifyBundle(path, {});
    const audit = report.problems.filter((p) => p.file === 'audit.jsonl');
    expect(audit).toHaveLength(21);
    expect(audit[0]).toEqual(
      expect.objectContaining({ line: 1, message: expect.stringContaining('is not JSON') as string }),
    );
    expect(audit[20]?.message).toMatch(/^and \d+ more problems$/);
  });

  it('checks that each evidence row is of its file type, within the period and from a listed run', async () => {
    const f = fixture();
    const path = await resigned(f, (files) => {
      replace(files, 'evidence/okta.user.jsonl', `"runId":"${id(0x82)}"`, `"runId":"${id(0x90)}"`);
      replace(
        files,
        'evidence/okta.user.jsonl',
        '"collectedAt":"2026-03-01T00:00:30.000Z"',
        '"collectedAt":"2027-03-01T00:00:30.000Z"',
      );
    });
    const report = await verifyBundle(path, {});
    expectProblem(report, {
      file: 'evidence/okta.user.jsonl',
      line: 3,
      message: `runId ${id(0x90)} is not in runs.jsonl`,
    });
    expectProblem(report, {
      file: 'evidence/okta.user.jsonl',
      line: 1,
      message: expect.stringContaining('is after the period') as string,
    });
  });
});

describe('formatReport', () => {
  it('prints one line per check group and each problem as file:line: message', async () => {
    const f = fixture();
    const text = formatReport(
      await verifyBundle(
        await bundle(f, (files) => editLines(files, 'audit.jsonl', (l) => l.slice(0, 2))),
        {},
      ),
    );
    expect(text).toMatch(/^audit {8}FAILED$/m);
    expect(text).toMatch(/^ {2}audit\.jsonl:2: the last entry is not auditHead/m);
    expect(text).toMatch(/^evidence {5}OK$/m);
    expect(text).toMatch(/^WARNING: the key is NOT pinned/m);
    expect(text).toMatch(/^RESULT: FAILED, \d+ problems$/m);
  });

  it('recomputes rows and entries hashed by the v0 scheme that say so, and refuses an unknown scheme', async () => {
    const f = fixture();
    // Array-index keys: the one case where v0 and RFC 8785 serialize differently.
    const data = { '10': 'ten', '2': 'two', login: 'ada@example.com' };
    const legacyFingerprint = sha256(legacyCanonicalJson({ data, sourceId: 'u1', type: 'okta.user' }));
    const withScheme = (scheme: unknown) =>
      resigned(f, (files, body) => {
        editLines(files, 'evidence/okta.user.jsonl', (lines) =>
          lines.map((line, i) => {
            if (i !== 0) return line;
            const row = JSON.parse(line) as Json;
            return canonicalJson({ ...row, data, fingerprint: legacyFingerprint, fingerprintScheme: scheme });
          }),
        );
        // The chain's first entry, with details keyed "1" and "10", hashed by v0 and re-linked after it.
        const entries = (files.get('audit.jsonl')?.toString('utf8') ?? '')
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => JSON.parse(l) as Json);
        let prevHash = '0'.repeat(64);
        const relinked = entries.map((entry, i) => {
          const { hash: _hash, hashScheme: _scheme, ...content } = entry;
          const next: Json = {
            ...content,
            prevHash,
            ...(i === 0 ? { details: { '1': 'a', '10': 'b' } } : {}),
          };
          const serialize = i === 0 && scheme !== undefined ? legacyCanonicalJson : canonicalJson;
          const hash = sha256(serialize({ ...next, organizationId: ORG }));
          prevHash = hash;
          return { ...next, hash, ...(i === 0 && scheme !== undefined ? { hashScheme: scheme } : {}) };
        });
        files.set('audit.jsonl', jsonl(relinked));
        const last: Json = relinked.at(-1) ?? {};
        body.auditHead = { hash: last.hash, seq: last.seq };
      });

    const v0 = await verifyBundle(await withScheme('v0'), { publicKey: f.key.publicKey });
    expect(v0.problems).toEqual([]);
    expect(v0.ok).toBe(true);

    const unknown = await verifyBundle(await withScheme('v9'), { publicKey: f.key.publicKey });
    expectProblem(unknown, {
      file: 'evidence/okta.user.jsonl',
      line: 1,
      message: expect.stringContaining('fingerprintScheme "v9" is not a known scheme') as string,
    });
    expectProblem(unknown, {
      file: 'audit.jsonl',
      line: 1,
      message: expect.stringContaining('hashScheme "v9" is not a known scheme') as string,
    });
  });
});
