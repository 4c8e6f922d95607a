import { AsyncResource } from 'node:async_hooks';
import { Readable, type Writable } from 'node:stream';
import { type BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { DomainError } from '#src/common/errors/domain.error';
import { exceedsAuditPeriod } from '#src/common/util/audit-period';
import { OrgContext } from '#src/common/tenancy/org-context';
import { AuditService } from '#src/modules/audit/audit.service';
import { type Assessment, AssessmentsService } from '#src/modules/evidence/assessments.service';
import { BundleBuilder, type BuiltBundle } from './bundle.builder';
import { type BundleExport, BundleExportsRepository } from './bundle-exports.repository';
import { BundleChunksRepository } from './bundle-chunks.repository';
import { ChunkSink } from './chunk-sink';

/** A running export whose process stopped beating this long ago is reported FAILED. */
const STALE_AFTER_MS = 2 * 60_000;
const HEARTBEAT_MS = 20_000;
/** Exports whose bytes are kept per assessment; older ones become EXPIRED. */
const KEEP_PER_ASSESSMENT = 3;
/** Exports this process writes at once (each holds a database cursor); others wait their turn. */
const PARALLEL_EXPORTS = 2;

/** An export still running this long after it started is stopped (and reads FAILED from then on). */
const EXPORT_DEADLINE_MS = 2 * 3_600_000;
/** How long shutdown waits for running exports to record that they were stopped. */
const SHUTDOWN_WAIT_MS = 10_000;

const INTERRUPTED = 'Interrupted: the process writing it stopped. Start a new export.';

/**
 * Auditor bundle exports: started by `exportAssessment`, written in the background into `bundle_chunks`,
 * downloaded over authenticated HTTP. One export runs at a time per organization, and every finished one
 * is audited with its manifest's SHA-256 before it can be downloaded.
 */
@Injectable()
export class BundleExportsService implements BeforeApplicationShutdown {
  private readonly logger = new Logger('BundleExports');
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly exports: BundleExportsRepository,
    private readonly chunks: BundleChunksRepository,
    private readonly builder: BundleBuilder,
    private readonly assessments: AssessmentsService,
    private readonly audit: AuditService,
  ) {}

  /** Starts an export of the assessment; CONFLICT while another export of the organization is running. */
  async start(assessmentId: string): Promise<BundleExport> {
    const assessment = await this.exportable(assessmentId);
    const requestedBy = OrgContext.actor().id;
    let started = await this.exports.insertRunning(assessment.id, requestedBy);
    if (started === undefined) {
      const running = await this.exports.findRunning();
      if (running !== undefined && !isStale(running)) {
        throw new DomainError('CONFLICT', 'An export is already running for this organization: wait for it', {
          exportId: running.id,
        });
      }
      if (running !== undefined) {
        await this.exports.markFailed(running.id, INTERRUPTED);
        await this.chunks.deleteOf(running.id);
      }
      started = await this.exports.insertRunning(assessment.id, requestedBy);
      if (started === undefined)
        throw new DomainError('CONFLICT', 'An export is already running for this organization: wait for it');
    }
    void this.run(started);
    return started;
  }

  async get(id: string): Promise<BundleExport> {
    const found = await this.exports.findById(id);
    if (found === undefined) throw DomainError.notFound('Export');
    return isStale(found) ? { ...found, status: 'FAILED', error: INTERRUPTED } : found;
  }

  /** The assessment's latest exports, newest first (NOT_FOUND for an unknown assessment). */
  async ofAssessment(assessmentId: string, limit = KEEP_PER_ASSESSMENT + 2): Promise<BundleExport[]> {
    const assessment = await this.assessments.get(assessmentId);
    const found = await this.exports.ofAssessment(assessment.id, limit);
    return found.map((e) => (isStale(e) ? { ...e, status: 'FAILED', error: INTERRUPTED } : e));
  }

  /** A READY export's bytes, chunk by chunk; CONFLICT for an export that is not READY. */
  async download(id: string): Promise<{ export: BundleExport; content: Readable }> {
    const found = await this.get(id);
    if (found.status !== 'READY')
      throw new DomainError('CONFLICT', `The export is ${found.status}, not READY`, { status: found.status });
    // The response reads the stream after the request's handler returned: reads keep its organization.
    const read = AsyncResource.bind((n: number) => this.chunks.find(found.id, n));
    const chunks = async function* (): AsyncGenerator<Buffer> {
      for (let n = 0; n < found.chunks; n++) {
        const data = await read(n);
        if (data === undefined) throw new Error(`export ${found.id} lost chunk ${n}`);
        yield data;
      }
    };
    return { export: found, content: Readable.from(chunks()) };
  }

  /** Writes the bundle to `out` directly (the CLI) and audits it. */
  async writeTo(assessmentId: string, out: Writable): Promise<BuiltBundle> {
    await this.exportable(assessmentId);
    const built = await this.builder.build(assessmentId, out);
    await this.audited(assessmentId, built, null);
    return built;
  }

  /** The assessment, if it can be exported (NOT_FOUND, or BAD_USER_INPUT for an over-long period). */
  private async exportable(assessmentId: string): Promise<Assessment> {
    const assessment = await this.assessments.get(assessmentId);
    // Assessments made before periods were bounded may be longer than an export covers.
    if (exceedsAuditPeriod(assessment.periodStart, assessment.periodEnd)) {
      throw new DomainError(
        'BAD_USER_INPUT',
        'The assessment period is longer than 18 months: export a shorter one',
        {
          field: 'assessmentId',
        },
      );
    }
    return assessment;
  }

  /** Stops the exports this process is writing and waits (briefly) until each has recorded it. */
  async beforeApplicationShutdown(): Promise<void> {
    const running = [...this.inFlight.values()];
    for (const { stop } of running)
      stop.abort(
        new DomainError('SERVICE_BUSY', 'Interrupted: the service was stopping. Start a new export.'),
      );
    await Promise.race([
      Promise.allSettled(running.map((r) => r.done)),
      new Promise((resolve) => setTimeout(resolve, SHUTDOWN_WAIT_MS).unref()),
    ]);
  }

  private readonly inFlight = new Map<string, { stop: AbortController; done: Promise<void> }>();

  private run(started: BundleExport): Promise<void> {
    const stop = new AbortController();
    const done = this.write(started, stop).finally(() => this.inFlight.delete(started.id));
    this.inFlight.set(started.id, { stop, done });
    return done;
  }

  private async write(started: BundleExport, stop: AbortController): Promise<void> {
    let rows = 0;
    const beat = setInterval(() => {
      this.exports.heartbeat(started.id, rows).catch(() => {});
    }, HEARTBEAT_MS);
    beat.unref();
    const deadline = setTimeout(
      () => stop.abort(new DomainError('SERVICE_BUSY', 'The export took longer than its 2-hour limit')),
      EXPORT_DEADLINE_MS,
    );
    deadline.unref();
    await this.turn();
    try {
      const sink = new ChunkSink((n, data) => this.chunks.insert(started.id, n, data));
      const built = await this.builder.build(
        started.assessmentId,
        sink,
        (n) => {
          rows = n;
        },
        stop.signal,
      );
      const total = built.manifest.populations.reduce((sum, p) => sum + p.rows, 0);
      await this.audited(started.assessmentId, built, { id: started.id, sha256: sink.sha256() });
      const ready = await this.exports.markReady(started.id, {
        bytes: sink.bytes,
        chunks: sink.chunks,
        sha256: sink.sha256(),
        manifestSha256: built.manifestSha256,
        draft: built.manifest.assessment.draft,
        rows: total,
        populations: built.manifest.populations,
      });
      // Taken over meanwhile (its beat was missed): the record says FAILED, so the bytes go.
      if (!ready) await this.chunks.deleteOf(started.id);
      await this.expireOlder(started.assessmentId);
    } catch (error) {
      this.logger.error(
        `Export ${started.id} failed: ${error instanceof Error ? error.message : String(error)}`,
      );
      const cause: unknown = stop.signal.aborted ? stop.signal.reason : error;
      const reason =
        cause instanceof DomainError
          ? cause.message
          : 'The bundle could not be written; the server log says why';
      await this.exports.markFailed(started.id, reason).catch(() => {});
      await this.chunks.deleteOf(started.id).catch(() => {});
    } finally {
      clearInterval(beat);
      clearTimeout(deadline);
      this.release();
    }
  }

  private async audited(
    assessmentId: string,
    built: BuiltBundle,
    stored: { id: string; sha256: string } | null,
  ): Promise<void> {
    await this.audit.append({
      action: 'ASSESSMENT_EXPORT',
      target: { type: 'assessment', id: assessmentId },
      details: {
        manifestSha256: built.manifestSha256,
        draft: built.manifest.assessment.draft,
        auditHeadSeq: built.manifest.auditHead.seq,
        ...(stored === null ? { via: 'cli' } : { exportId: stored.id, bundleSha256: stored.sha256 }),
      },
    });
  }

  private async expireOlder(assessmentId: string): Promise<void> {
    const recent = await this.exports.ofAssessment(assessmentId, KEEP_PER_ASSESSMENT + 20);
    const ready = recent.filter((e) => e.status === 'READY');
    for (const old of ready.slice(KEEP_PER_ASSESSMENT)) {
      await this.exports.markExpired(old.id);
      await this.chunks.deleteOf(old.id);
    }
  }

  private async turn(): Promise<void> {
    if (this.running < PARALLEL_EXPORTS) {
      this.running++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next === undefined) this.running--;
    else next();
  }
}

/** A RUNNING export whose process stopped beating, or that outlived its deadline, is over. */
function isStale(found: BundleExport): boolean {
  if (found.status !== 'RUNNING') return false;
  const now = Date.now();
  return (
    now - found.heartbeatAt.getTime() > STALE_AFTER_MS ||
    now - found.createdAt.getTime() > EXPORT_DEADLINE_MS + STALE_AFTER_MS
  );
}
