import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ZipFile } from 'yazl';
import { canonicalJson } from '#src/common/util/canonical-json';
import { runEntry } from '../support/dist-process';

const ORG = '656f00000000000000000001';
const START = '2026-01-01T00:00:00.000Z';
const END = '2026-12-31T23:59:59.999Z';

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** The smallest bundle EVIDENCE_FORMAT.md allows with an audit chain: no populations, no runs, one entry. */
async function writeBundle(
  path: string,
  tamper: boolean,
): Promise<{ publicKey: string; fingerprint: string }> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x ?? '', 'base64url');
  const entry = {
    action: 'ORGANIZATION_CREATED',
    actor: { id: 'cli', type: 'SYSTEM' },
    at: '2026-03-01T00:00:00.000Z',
    details: {},
    prevHash: '0'.repeat(64),
    seq: 1,
    target: { id: ORG, type: 'Organization' },
  };
  const hash = sha256(canonicalJson({ ...entry, organizationId: ORG }));
  const files: [string, Buffer][] = [
    ['audit.jsonl', Buffer.from(`${canonicalJson({ ...entry, hash })}\n`)],
    [
      'continuity.json',
      Buffer.from(`${canonicalJson({ connections: [], periodEnd: END, periodStart: START })}\n`),
    ],
    ['coverage.json', Buffer.from(`${canonicalJson({ asOf: END, checks: [], coverage: [] })}\n`)],
    ['runs.jsonl', Buffer.alloc(0)],
  ];
  const unsigned = {
    assessment: {
      draft: false,
      framework: 'SOC2',
      id: '656f000000000000000000a1',
      name: 'SOC 2 2026',
      periodEnd: END,
      periodStart: START,
      status: 'APPROVED',
    },
    auditHead: { hash, seq: 1 },
    counts: { auditEntries: 1, evidence: {}, runs: 0 },
    files: files.map(([path, bytes]) => ({
      bytes: bytes.length,
      lines: bytes.filter((b) => b === 0x0a).length,
      path,
      sha256: sha256(bytes),
    })),
    format: 'okta-evidence-bundle',
    generatedAt: '2026-12-05T04:00:00.000Z',
    organization: { id: ORG, name: 'Acme' },
    populations: [],
    version: 1,
  };
  const signature = {
    algorithm: 'Ed25519',
    keyFingerprint: sha256(raw),
    publicKey: raw.toString('base64url'),
    value: sign(null, Buffer.from(canonicalJson(unsigned)), privateKey).toString('base64url'),
  };
  if (tamper) files[1] = ['continuity.json', Buffer.from(files[1]?.[1].toString().replace('[]', '{}') ?? '')];
  const zip = new ZipFile();
  zip.addBuffer(Buffer.from(canonicalJson({ ...unsigned, signature })), 'manifest.json');
  for (const [name, bytes] of files) zip.addBuffer(bytes, name);
  zip.end();
  const out = createWriteStream(path);
  zip.outputStream.pipe(out);
  await once(out, 'close');
  return { publicKey: signature.publicKey, fingerprint: signature.keyFingerprint };
}

/** The verifier as an auditor runs it: a process with no database, network or app configuration. */
const verify = (args: string[]) => runEntry('verify.js', args, {});

describe('npm run verify (dist/verify.js)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'verify-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 0 for a bundle that holds, and warns when the key is not pinned', async () => {
    const path = join(dir, 'good.zip');
    const key = await writeBundle(path, false);
    const pinned = await verify([path, '--public-key', key.publicKey]);
    expect(pinned).toEqual(expect.objectContaining({ code: 0, stderr: '' }));
    expect(pinned.stdout).toMatch(/^audit {8}OK$/m);
    expect(pinned.stdout).toMatch(/^RESULT: OK/m);
    expect(pinned.stdout).not.toMatch(/WARNING/);
    const unpinned = await verify([path]);
    expect(unpinned.code).toBe(0);
    expect(unpinned.stdout).toMatch(/^WARNING: the key is NOT pinned/m);
    expect(unpinned.stdout).toMatch(
      /^RESULT: OK, the bundle holds, but only against the key it names itself/m,
    );
  });

  it('exits 1 naming the file that does not hold, as text and as JSON', async () => {
    const path = join(dir, 'tampered.zip');
    const key = await writeBundle(path, true);
    const text = await verify([path, '--public-key', key.fingerprint]);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^files {8}FAILED$/m);
    expect(text.stdout).toMatch(/^ {2}continuity\.json: has SHA-256 /m);
    const json = await verify(['--json', path, '--public-key', key.fingerprint]);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as { ok: boolean; problems: { file: string }[] };
    expect(report.ok).toBe(false);
    expect(report.problems).toContainEqual(expect.objectContaining({ file: 'continuity.json' }));
  });

  it('prints usage for --help and exits 2 with one line on misuse', async () => {
    const help = await verify(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: npm run verify -- <bundle\.zip> \[--public-key <key>\] \[--json\]/);
    for (const args of [
      [],
      ['a.zip', 'b.zip'],
      ['--frobnicate'],
      [join(dir, 'x.zip'), '--public-key', 'nope'],
    ]) {
      const misuse = await verify(args);
      expect(misuse.code).toBe(2);
      expect(misuse.stdout).toBe('');
      expect(misuse.stderr.trimEnd().split('\n')).toHaveLength(1);
    }
    expect((await verify([join(dir, 'absent.zip')])).code).toBe(2);
  });
});
