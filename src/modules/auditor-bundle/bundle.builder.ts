import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { Injectable } from '@nestjs/common';
import { ZipFile } from 'yazl';
import { canonicalJson, sha256Hex } from '#src/common/util/canonical-json';
import { GENESIS_HASH } from '#src/modules/audit/audit-chain';
import { AuditService } from '#src/modules/audit/audit.service';
import { AuditSealService } from '#src/modules/audit-seal/audit-seal.service';
import { SigningKeyService } from '#src/modules/audit-seal/signing-key.service';
import { DomainError } from '#src/common/errors/domain.error';
import { type Evidence } from '#src/modules/evidence/evidence.types';
import { ConnectionsService } from '#src/modules/connections/connections.service';
import { ConnectorRegistry } from '#src/modules/connectors/connector.registry';
import { ContinuityService } from '#src/modules/connectors/sync/continuity/continuity.service';
import { type ConnectorRun, SyncService } from '#src/modules/connectors/sync/sync.service';
import { CoverageService } from '#src/modules/coverage/coverage.service';
import { AssessmentsService } from '#src/modules/evidence/assessments.service';
import { EvidenceService } from '#src/modules/evidence/evidence.service';
import { OrganizationsService } from '#src/modules/organizations/organizations.service';
import {
  auditLine,
  evidenceLine,
  jsonLine,
  type Manifest,
  MeasuringStream,
  PopulationCsv,
  runLine,
  sortedSet,
  type UnsignedManifest,
} from './bundle-format';
import {
  BUNDLE_FORMAT,
  BUNDLE_VERSION,
  type ListedFile,
  type PopulationSummary,
} from '#src/verifier/bundle-manifest';

export interface BuiltBundle {
  readonly manifest: Manifest;
  /** SHA-256 of `manifest.json` as written: what the export's audit entry records. */
  readonly manifestSha256: string;
}

/** Rows written so far, for progress reports. */
export type BundleProgress = (rows: number) => void;

interface PopulationTally {
  rows: number;
  /** Distinct items, counted once the type's file is written (the item keys are held only until then). */
  items: number;
  readonly runIds: Set<string>;
  readonly connectorKeys: Set<string>;
  readonly controls: Set<string>;
}

/**
 * Writes an assessment's auditor bundle (docs/EVIDENCE_FORMAT.md) as a ZIP stream to `out`. Every file is
 * streamed from the database into the archive and measured on the way; the signed manifest comes last. The
 * evidence rows are never held: only counters, the distinct row and item keys of the type being written,
 * the distinct run ids, and one temporary CSV file. `coverage.json` is computed apart, after them: the
 * picture at the period's end, which holds an entry per item and every failing item meanwhile (ADR 12).
 */
@Injectable()
export class BundleBuilder {
  constructor(
    private readonly assessments: AssessmentsService,
    private readonly organizations: OrganizationsService,
    private readonly evidence: EvidenceService,
    private readonly sync: SyncService,
    private readonly continuity: ContinuityService,
    private readonly coverage: CoverageService,
    private readonly audit: AuditService,
    private readonly keys: SigningKeyService,
    private readonly seal: AuditSealService,
    private readonly connections: ConnectionsService,
    private readonly registry: ConnectorRegistry,
  ) {}

  /**
   * Writes the bundle to `out`; `signal` aborts it (the export's deadline), and a failure of `out` stops it:
   * either way every source is destroyed, so its database cursor is closed.
   */
  async build(
    assessmentId: string,
    out: Writable,
    progress: BundleProgress = () => {},
    signal?: AbortSignal,
  ): Promise<BuiltBundle> {
    const assessment = await this.assessments.get(assessmentId);
    const organization = await this.organizations.current();
    const key = await this.keys.publicKey();
    const head = await this.sealedHead();
    const generatedAt = new Date();
    const { periodStart: start } = assessment;
    // A snapshot at generation: nothing collected after it, and rows closed since read as current then.
    const end = assessment.periodEnd;
    const until = new Date(Math.min(end.getTime(), generatedAt.getTime()));
    const asGenerated = (row: Evidence): Evidence =>
      row.validUntil !== null && row.validUntil > generatedAt ? { ...row, validUntil: null } : row;
    const stop = new AbortController();
    const abort = () => stop.abort(signal?.reason);
    if (signal?.aborted === true) abort();
    signal?.addEventListener('abort', abort, { once: true });

    const zip = new ZipFile();
    const sink = pipeline(zip.outputStream, out);
    // A failed sink stops the producers (waiting on back-pressure forever otherwise).
    const sinkFailed = new Promise<never>((_, reject) => {
      sink.catch((error: unknown) => reject(error instanceof Error ? error : new Error(String(error))));
    });
    sinkFailed.catch(() => {});
    const files: ListedFile[] = [];
    const add = async (path: string, source: Readable): Promise<void> => {
      stop.signal.throwIfAborted();
      const measuring = new MeasuringStream(path);
      zip.addReadStream(measuring, path, { mtime: generatedAt, compress: true });
      await Promise.race([pipeline(source, measuring, { signal: stop.signal }), sinkFailed]);
      // The entry is complete once yazl has read it to the end.
      if (!measuring.readableEnded) await Promise.race([once(measuring, 'end'), sinkFailed]);
      files.push(measuring.measured());
    };

    const scratch = await mkdtemp(join(tmpdir(), 'bundle-'));
    try {
      let written = 0;
      const tallies = new Map<string, PopulationTally>();
      const ordinals = new Map<string, number>();
      const ordinal = (connectionId: string): number => {
        let n = ordinals.get(connectionId);
        if (n === undefined) ordinals.set(connectionId, (n = ordinals.size));
        return n;
      };
      for (const type of this.evidenceTypes()) {
        const tally: PopulationTally = {
          rows: 0,
          items: 0,
          runIds: new Set(),
          connectorKeys: new Set(),
          controls: new Set(),
        };
        tallies.set(type, tally);
        const csvPath = join(scratch, 'population.csv');
        const csv = createWriteStream(csvPath);
        const table = new PopulationCsv();
        const rows = this.evidence.population(type, start, until);
        // A row a concurrent sync moves within the read's index can be read twice (MongoDB): once only.
        const ids = new Set<string>();
        // Items as <connection's ordinal>\0<sourceId>: shorter keys than the connection's id.
        const items = new Set<string>();
        const lines = async function* (): AsyncGenerator<string> {
          for await (const read of rows) {
            if (ids.has(read.id)) continue;
            ids.add(read.id);
            const row = asGenerated(read);
            if (tally.rows === 0) {
              table.columnsFrom(row);
              await write(csv, table.header());
            }
            tally.rows++;
            items.add(`${ordinal(row.connectionId)}\u0000${row.sourceId}`);
            tally.runIds.add(row.runId);
            tally.connectorKeys.add(row.connectorKey);
            for (const control of row.controls) tally.controls.add(control);
            await write(csv, table.line(row));
            if (++written % 1000 === 0) progress(written);
            yield evidenceLine(row);
          }
          if (tally.rows === 0) {
            table.columnsFrom(undefined);
            await write(csv, table.header());
          }
        };
        try {
          await add(`evidence/${type}.jsonl`, Readable.from(lines()));
        } finally {
          csv.end();
          await once(csv, 'close');
        }
        tally.items = items.size;
        await add(`populations/${type}.csv`, createReadStream(csvPath));
      }
      progress(written);

      const collected = new Map<string, { endpoints: Set<string>; filters: Set<string> }>();
      let runCount = 0;
      const connectorOf = await this.connectorKeys();
      const referenced = new Set([...tallies.values()].flatMap((t) => [...t.runIds]));
      const sync = this.sync;
      const runLines = async function* (): AsyncGenerator<string> {
        const seen = new Set<string>();
        const emit = (run: ConnectorRun): string => {
          seen.add(run.id);
          runCount++;
          for (const stats of run.stats) {
            if (tallies.get(stats.collector)?.runIds.has(run.id) !== true) continue;
            const entry = collected.get(stats.collector) ?? { endpoints: new Set(), filters: new Set() };
            entry.endpoints.add(stats.endpoint);
            entry.filters.add(stats.filter);
            collected.set(stats.collector, entry);
          }
          return runLine(run, connectorOf.get(run.connectionId) ?? 'unknown');
        };
        for await (const run of sync.runsOverlapping(start, end)) if (!seen.has(run.id)) yield emit(run);
        const missing = [...referenced].filter((id) => !seen.has(id));
        for await (const run of sync.runsByIds(missing)) if (!seen.has(run.id)) yield emit(run);
        const gone = [...referenced].filter((id) => !seen.has(id));
        if (gone.length > 0) {
          // Purged while the bundle was written (retention): the rows would name runs it does not hold.
          throw new DomainError(
            'CONFLICT',
            `${gone.length} run(s) of the evidence were removed while the bundle was written: export again`,
          );
        }
      };
      await add('runs.jsonl', Readable.from(runLines()));

      const continuity = await this.continuity.overPeriod(start, end, generatedAt);
      await add(
        'continuity.json',
        Readable.from([jsonLine({ periodStart: start, periodEnd: end, connections: continuity })]),
      );
      await add(
        'coverage.json',
        Readable.from([jsonLine(await this.coverageAt(end, generatedAt, organization.createdAt))]),
      );

      let auditEntries = 0;
      const audit = this.audit;
      const auditLines = async function* (): AsyncGenerator<string> {
        if (head.seq === 0) return;
        for await (const entry of audit.entries(head.seq)) {
          auditEntries++;
          yield auditLine(entry);
        }
      };
      await add('audit.jsonl', Readable.from(auditLines()));

      const populations: PopulationSummary[] = [...tallies].map(([type, tally]) => ({
        type,
        rows: tally.rows,
        items: tally.items,
        runs: tally.runIds.size,
        connectorKeys: sortedSet(tally.connectorKeys),
        controls: sortedSet(tally.controls),
        endpoints: sortedSet(collected.get(type)?.endpoints ?? []),
        filters: sortedSet(collected.get(type)?.filters ?? []),
      }));
      const unsigned: UnsignedManifest = {
        format: BUNDLE_FORMAT,
        version: BUNDLE_VERSION,
        organization: { id: organization.id, name: organization.name },
        assessment: {
          id: assessment.id,
          name: assessment.name,
          framework: assessment.framework,
          status: assessment.status,
          draft: assessment.status !== 'APPROVED',
          periodStart: start,
          periodEnd: end,
        },
        generatedAt,
        auditHead: { seq: head.seq, hash: head.hash },
        counts: {
          evidence: Object.fromEntries(populations.map((p) => [p.type, p.rows])),
          runs: runCount,
          auditEntries,
        },
        populations,
        files: [...files].sort((a, b) => (a.path < b.path ? -1 : 1)),
      };
      const { signature, fingerprint } = await this.keys.sign(canonicalJson(unsigned));
      const manifest: Manifest = {
        ...unsigned,
        signature: {
          algorithm: 'Ed25519',
          publicKey: key.publicKey,
          keyFingerprint: fingerprint,
          value: signature,
        },
      };
      const manifestJson = canonicalJson(manifest);
      zip.addBuffer(Buffer.from(manifestJson, 'utf8'), 'manifest.json', {
        mtime: generatedAt,
        compress: true,
      });
      zip.end();
      await sink;
      return { manifest, manifestSha256: sha256Hex(manifestJson) };
    } catch (error) {
      stop.abort(error);
      zip.outputStream.unpipe();
      out.destroy(error instanceof Error ? error : new Error(String(error)));
      throw error;
    } finally {
      signal?.removeEventListener('abort', abort);
      await rm(scratch, { recursive: true, force: true });
    }
  }

  /**
   * The audit chain's head, refusing a chain that ends before its last signed checkpoint (entries deleted):
   * a bundle must not sign a truncated chain. The checkpoint is read first, so appends in between are fine.
   */
  private async sealedHead(): Promise<{ seq: number; hash: string }> {
    const checkpoint = await this.seal.latestCheckpoint();
    const head = (await this.audit.head()) ?? { seq: 0, hash: GENESIS_HASH };
    if (
      checkpoint !== undefined &&
      (head.seq < checkpoint.seq || (await this.audit.hashAt(checkpoint.seq)) !== checkpoint.hash)
    ) {
      throw new DomainError(
        'CONFLICT',
        `The audit chain no longer reaches its last signed checkpoint (seq ${checkpoint.seq}): run verifyAuditChain`,
      );
    }
    return { seq: head.seq, hash: head.hash };
  }

  /** Every evidence type the installed connectors collect, each once, sorted. */
  private evidenceTypes(): string[] {
    return sortedSet(this.registry.all().flatMap((d) => d.evidence.map((e) => e.type)));
  }

  private async connectorKeys(): Promise<Map<string, string>> {
    const connections = await this.connections.page({ includeRevoked: true }, 1000);
    return new Map(connections.map((c) => [c.id, c.connectorKey]));
  }

  /**
   * Coverage and checks at the period's end (or at generation, for a period not over yet), rebuilt from
   * history; nothing for an instant before the organization existed.
   */
  private async coverageAt(end: Date, now: Date, createdAt: Date): Promise<Record<string, unknown>> {
    const asOf = new Date(Math.min(end.getTime(), now.getTime()));
    if (asOf.getTime() < createdAt.getTime()) return { asOf, coverage: null, checks: [] };
    const snapshot = await this.coverage.snapshotAt(asOf, now);
    const checks = snapshot.checks.map(
      ({ generation: _g, reopened: _r, failingPreview: _p, allFailing, ...check }) => ({
        ...check,
        failing: allFailing ?? [],
      }),
    );
    return { asOf, coverage: snapshot.coverage, checks };
  }
}

async function write(stream: WriteStream, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}
