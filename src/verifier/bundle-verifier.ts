import { createHash } from 'node:crypto';
import { type Entry } from 'yauzl';
import { AuditLines } from './audit-lines';
import {
  type ListedFile,
  MANIFEST_PATH,
  type Manifest,
  manifestConsistency,
  readManifest,
  roleOf,
} from './bundle-manifest';
import { checkSignature, parsePinnedKey } from './bundle-signature';
import { CsvShape } from './csv-shape';
import { EvidenceLines } from './evidence-lines';
import { type JsonObject, memberProblems, parseCanonicalObject } from './json-shape';
import { type Line, LineSplitter } from './line-splitter';
import { RunsLines } from './runs-lines';
import {
  type CheckName,
  CHECKS,
  type ManifestSummary,
  ProblemList,
  type VerificationReport,
} from './verification-report';
import { openZip, type ZipArchive } from './zip-archive';

/** A bundle has a handful of files; far more entries is not a bundle. */
const MAX_ENTRIES = 10_000;
const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;
/** No row or run comes near this; a longer line is reported, not held in memory. */
const MAX_LINE_BYTES = 16 * 1024 * 1024;
/** continuity.json and coverage.json are one line each, and may be longer than a row. */
const MAX_DOCUMENT_BYTES = 64 * 1024 * 1024;
/** The first columns of every population CSV; the last is `otherData`, the data's fields between. */
const CSV_COLUMNS = ['id', 'sourceId', 'collectedAt', 'validUntil', 'connectionId', 'runId', 'fingerprint'];

export interface VerifyOptions {
  /** The key to pin: the base64url raw Ed25519 public key, or the hex SHA-256 fingerprint of one. */
  readonly publicKey?: string;
}

/**
 * Checks an auditor bundle as docs/EVIDENCE_FORMAT.md ("Verifying a bundle") specifies, reading the ZIP
 * as a stream with no database, network or configuration. Never throws: everything wrong with the file,
 * however broken, is a problem in the report.
 */
export async function verifyBundle(file: string, options: VerifyOptions = {}): Promise<VerificationReport> {
  const verification = new Verification(file, options);
  let zip: ZipArchive | undefined;
  try {
    zip = await openZip(file, MAX_ENTRIES);
  } catch (error) {
    verification.problem('archive', file, `is not a readable ZIP archive: ${messageOf(error)}`);
  }
  if (zip !== undefined) {
    try {
      await verification.run(zip);
    } catch (error) {
      verification.problem('archive', file, `verification stopped: ${messageOf(error)}`);
    } finally {
      zip.close();
    }
  }
  return verification.report();
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** How reading a listed file went: `complete` when it was read to its end and measured against the manifest. */
interface FileRead {
  readonly complete: boolean;
}

class Verification {
  private readonly problems = new ProblemList();
  private readonly warnings: string[] = [];
  private readonly reached = new Set<CheckName>(['archive']);
  /** Groups with a file that could not be read to its end. */
  private readonly incomplete = new Set<CheckName>();
  private summary: ManifestSummary | undefined;

  constructor(
    private readonly file: string,
    private readonly options: VerifyOptions,
  ) {}

  problem(check: CheckName, file: string, message: string, line?: number): void {
    this.problems.add(check, file, message, line);
  }

  report(): VerificationReport {
    const problems = this.problems.list();
    return {
      ok: problems.length === 0,
      bundle: this.file,
      ...(this.summary === undefined ? {} : { manifest: this.summary }),
      checks: CHECKS.map((name) => ({
        name,
        status: this.problems.hasFailed(name)
          ? 'failed'
          : this.incomplete.has(name)
            ? 'incomplete'
            : this.reached.has(name)
              ? 'ok'
              : 'not checked',
      })),
      problems,
      warnings: this.warnings,
    };
  }

  async run(zip: ZipArchive): Promise<void> {
    if (zip.error !== undefined)
      this.problem('archive', this.file, `the archive's directory cannot be read: ${zip.error}`);
    const entries = new Map<string, Entry>();
    for (const entry of zip.entries) {
      const name = entry.fileName;
      if (name.endsWith('/')) {
        // A folder entry carries nothing; the format needs none but a ZIP tool may add them.
        if (entry.uncompressedSize !== 0) this.problem('archive', name, 'is a folder entry with content');
      } else if (entries.has(name)) {
        this.problem('archive', name, 'appears more than once in the archive');
      } else {
        entries.set(name, entry);
      }
    }
    const manifest = await this.readManifest(zip, entries.get(MANIFEST_PATH));
    if (manifest === undefined) return;
    this.checkListing(manifest, entries);
    await this.checkFiles(zip, manifest, entries);
  }

  /** Checks 1 and 2: the manifest parses, has the format's shape, and its signature holds. */
  private async readManifest(zip: ZipArchive, entry: Entry | undefined): Promise<Manifest | undefined> {
    this.reached.add('manifest');
    if (entry === undefined) {
      this.problem('manifest', MANIFEST_PATH, 'is missing from the archive');
      return undefined;
    }
    const chunks: Buffer[] = [];
    const outcome = await zip.read(entry, MAX_MANIFEST_BYTES, (chunk) => chunks.push(chunk));
    if (outcome.kind !== 'read') {
      this.problem(
        'manifest',
        MANIFEST_PATH,
        outcome.kind === 'error'
          ? `cannot be read: ${outcome.message}`
          : `is larger than ${outcome.limit} bytes; not read`,
      );
      return undefined;
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
    } catch {
      this.problem('manifest', MANIFEST_PATH, 'is not valid UTF-8');
      return undefined;
    }
    const parsed = parseCanonicalObject(text);
    if (parsed.error !== undefined) this.problem('manifest', MANIFEST_PATH, `the manifest ${parsed.error}`);
    if (parsed.value === undefined) return undefined;

    const signature = this.checkSignature(parsed.value);
    const manifest = readManifest(parsed.value, (message) =>
      this.problem('manifest', MANIFEST_PATH, message),
    );
    if (manifest === undefined) return undefined;
    const { organization, assessment, auditHead, counts, generatedAt } = manifest;
    this.summary = {
      organization: { id: organization.id, name: organization.name },
      assessment: {
        id: assessment.id,
        name: assessment.name,
        framework: assessment.framework,
        status: assessment.status,
        periodStart: assessment.periodStart,
        periodEnd: assessment.periodEnd,
      },
      draft: assessment.draft,
      generatedAt,
      auditHead: { seq: auditHead.seq, hash: auditHead.hash },
      counts: { auditEntries: counts.auditEntries, runs: counts.runs, evidence: counts.evidence },
      keyFingerprint: signature.fingerprint ?? manifest.signature.keyFingerprint,
      keyPinned: signature.pinned,
    };
    if (assessment.draft)
      this.warnings.push(
        `the assessment is a draft (status ${assessment.status}): its evidence can still change`,
      );
    return manifest;
  }

  private checkSignature(manifest: JsonObject): { fingerprint?: string; pinned: boolean } {
    this.reached.add('signature');
    const given = this.options.publicKey;
    const pinned = given === undefined ? undefined : parsePinnedKey(given);
    if (given !== undefined && pinned === undefined) {
      this.problem(
        'signature',
        MANIFEST_PATH,
        'the key to pin is neither a base64url 32-byte Ed25519 public key nor a 64-hex fingerprint',
      );
    }
    const checked = checkSignature(manifest, pinned);
    for (const message of checked.problems) this.problem('signature', MANIFEST_PATH, message);
    if (pinned === undefined)
      this.warnings.push(
        'the key is NOT pinned (no --public-key): the signature shows the bundle is as its own key signed ' +
          'it, not who made it',
      );
    return {
      ...(checked.fingerprint === undefined ? {} : { fingerprint: checked.fingerprint }),
      pinned: pinned !== undefined,
    };
  }

  /** The manifest agrees with itself, and the archive holds exactly the files it lists (check 3). */
  private checkListing(manifest: Manifest, entries: ReadonlyMap<string, Entry>): void {
    for (const message of manifestConsistency(manifest)) this.problem('manifest', MANIFEST_PATH, message);
    const listed = new Set(manifest.files.map((f) => f.path));
    this.reached.add('files');
    for (const name of entries.keys())
      if (name !== MANIFEST_PATH && !listed.has(name))
        this.problem('files', name, 'is in the archive but not listed in the manifest');
    for (const path of listed)
      if (!entries.has(path))
        this.problem('files', path, 'is listed in the manifest but missing from the archive');
  }

  /** Reads every listed file once, runs.jsonl first (evidence rows name its runs): checks 3, 4 and 5. */
  private async checkFiles(
    zip: ZipArchive,
    manifest: Manifest,
    entries: ReadonlyMap<string, Entry>,
  ): Promise<void> {
    const ordered = [...manifest.files].sort(
      (a, b) => Number(b.path === 'runs.jsonl') - Number(a.path === 'runs.jsonl'),
    );
    const period = {
      start: Date.parse(manifest.assessment.periodStart),
      end: Date.parse(manifest.assessment.periodEnd),
    };
    let runIds: ReadonlySet<string> | undefined;
    // With no evidence types, the evidence and population checks hold vacuously.
    if (manifest.populations.length === 0) this.reached.add('evidence').add('populations');
    for (const listed of ordered) {
      const entry = entries.get(listed.path);
      if (entry === undefined) continue;
      const role = roleOf(listed.path);
      switch (role?.kind) {
        case 'runs': {
          this.reached.add('runs');
          const runs = new RunsLines();
          const read = await this.readLines(zip, entry, listed, 'runs', (row, problem) =>
            runs.check(row, problem),
          );
          if (!read.complete) break;
          runIds = runs.ids;
          if (read.lines !== manifest.counts.runs)
            this.problem(
              'runs',
              listed.path,
              `has ${read.lines} runs; counts.runs says ${manifest.counts.runs}`,
            );
          break;
        }
        case 'evidence': {
          this.reached.add('evidence').add('populations');
          const rows = new EvidenceLines(role.type, period, runIds);
          const read = await this.readLines(zip, entry, listed, 'evidence', (row, problem) =>
            rows.check(row, problem),
          );
          if (read.complete)
            for (const { check, message } of rows.compare(manifest, read.lines))
              this.problem(check, listed.path, message);
          break;
        }
        case 'population': {
          this.reached.add('populations');
          const csv = new CsvShape((line, message) =>
            this.problem('populations', listed.path, message, line),
          );
          const read = await this.readFile(zip, entry, listed, (chunk) => csv.push(chunk));
          if (!read.complete) this.incomplete.add('populations');
          const records = csv.finish();
          const header = csv.header ?? [];
          if (
            read.complete &&
            (CSV_COLUMNS.some((column, i) => header[i] !== column) ||
              header.length <= CSV_COLUMNS.length ||
              header[header.length - 1] !== 'otherData')
          )
            this.problem(
              'populations',
              listed.path,
              `the header is ${JSON.stringify(header)}: it must start ${JSON.stringify(CSV_COLUMNS)} ` +
                'and end "otherData"',
              1,
            );
          const rows = manifest.populations.find((p) => p.type === role.type)?.rows;
          if (read.complete && rows !== undefined && records !== rows + 1)
            this.problem(
              'populations',
              listed.path,
              `has ${records} records; a header and ${rows} rows were expected`,
            );
          break;
        }
        case 'audit': {
          this.reached.add('audit');
          const audit = new AuditLines(manifest.organization.id);
          const read = await this.readLines(zip, entry, listed, 'audit', (row, problem) =>
            audit.check(row, problem),
          );
          if (read.complete)
            for (const { message, line } of audit.compare(manifest, read.lines))
              this.problem('audit', listed.path, message, line);
          break;
        }
        case 'continuity':
        case 'coverage':
          await this.checkDocument(zip, entry, listed, role.kind, manifest);
          break;
        case undefined:
          await this.readFile(zip, entry, listed, () => undefined);
          break;
      }
    }
  }

  /**
   * continuity.json is `{ periodStart, periodEnd, connections }` over the assessment's period, coverage.json
   * `{ asOf, coverage, checks }`: each one canonical JSON object and a newline.
   */
  private async checkDocument(
    zip: ZipArchive,
    entry: Entry,
    listed: ListedFile,
    check: 'continuity' | 'coverage',
    manifest: Manifest,
  ): Promise<void> {
    this.reached.add(check);
    const { periodStart, periodEnd } = manifest.assessment;
    const read = await this.readLines(
      zip,
      entry,
      listed,
      check,
      (document, problem) => {
        const members =
          check === 'continuity'
            ? ['connections', 'periodEnd', 'periodStart']
            : ['asOf', 'checks', 'coverage'];
        for (const message of memberProblems(document, members, true)) problem(`the document ${message}`);
        if (check === 'continuity') {
          if (!Array.isArray(document.connections)) problem('connections is not an array');
          if (document.periodStart !== periodStart || document.periodEnd !== periodEnd)
            problem(`the period is not the assessment's (${periodStart} to ${periodEnd})`);
        }
      },
      MAX_DOCUMENT_BYTES,
    );
    if (read.complete && read.lines !== 1)
      this.problem(
        check,
        listed.path,
        `has ${read.lines} lines; one JSON object and a newline were expected`,
      );
  }

  /** Reads a `.jsonl` file line by line, each line a canonical JSON object handed to `check`. */
  private async readLines(
    zip: ZipArchive,
    entry: Entry,
    listed: ListedFile,
    check: CheckName,
    checkRow: (row: JsonObject, problem: (message: string) => void) => void,
    maxLineBytes = MAX_LINE_BYTES,
  ): Promise<FileRead & { lines: number }> {
    const path = listed.path;
    const splitter = new LineSplitter(maxLineBytes);
    const onLine = (line: Line): void => {
      if ('error' in line) return this.problem(check, path, `the line ${line.error}`, line.number);
      if (line.text === '') return this.problem(check, path, 'the line is empty', line.number);
      const parsed = parseCanonicalObject(line.text);
      if (parsed.error !== undefined) this.problem(check, path, `the line ${parsed.error}`, line.number);
      if (parsed.value !== undefined)
        checkRow(parsed.value, (message) => this.problem(check, path, message, line.number));
    };
    const read = await this.readFile(zip, entry, listed, (chunk) => {
      for (const line of splitter.push(chunk)) onLine(line);
    });
    if (read.complete) {
      const tail = splitter.finish();
      if (tail !== undefined) {
        this.problem(check, path, 'the last line does not end in \\n', tail.number);
        onLine(tail);
      }
    }
    if (!read.complete) this.incomplete.add(check);
    return { ...read, lines: splitter.lines };
  }

  /**
   * Streams one listed file to `sink`, checking its size, line count and SHA-256 against the manifest. An
   * entry that claims or turns out to be larger than the manifest says is not read further.
   */
  private async readFile(
    zip: ZipArchive,
    entry: Entry,
    listed: ListedFile,
    sink: (chunk: Buffer) => void,
  ): Promise<FileRead> {
    const path = listed.path;
    if (entry.uncompressedSize > listed.bytes) {
      this.problem(
        'files',
        path,
        `the archive entry holds ${entry.uncompressedSize} bytes; the manifest lists ${listed.bytes}; not read`,
      );
      return { complete: false };
    }
    const hash = createHash('sha256');
    let lines = 0;
    const outcome = await zip.read(entry, listed.bytes, (chunk) => {
      hash.update(chunk);
      for (let at = chunk.indexOf(0x0a); at !== -1; at = chunk.indexOf(0x0a, at + 1)) lines += 1;
      sink(chunk);
    });
    if (outcome.kind === 'error') {
      this.problem('files', path, `cannot be read: ${outcome.message}`);
      return { complete: false };
    }
    if (outcome.kind === 'too large') {
      this.problem(
        'files',
        path,
        `is larger than the ${listed.bytes} bytes the manifest lists; not read further`,
      );
      return { complete: false };
    }
    if (outcome.bytes !== listed.bytes)
      this.problem('files', path, `has ${outcome.bytes} bytes; the manifest lists ${listed.bytes}`);
    if (lines !== listed.lines)
      this.problem('files', path, `has ${lines} lines; the manifest lists ${listed.lines}`);
    const sha256 = hash.digest('hex');
    if (sha256 !== listed.sha256)
      this.problem('files', path, `has SHA-256 ${sha256}; the manifest lists ${listed.sha256}`);
    return { complete: true };
  }
}
