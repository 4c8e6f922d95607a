import { type Writable } from 'node:stream';
import { OrgContext } from '#src/common/tenancy/org-context';
import { type AuditRecord, type AuditService } from '#src/modules/audit/audit.service';
import { type AssessmentsService } from '#src/modules/evidence/assessments.service';
import { type BundleBuilder, type BuiltBundle } from './bundle.builder';
import { type BundleChunksRepository } from './bundle-chunks.repository';
import {
  type BundleExport,
  type BundleExportsRepository,
  type FinishedExport,
} from './bundle-exports.repository';
import { BundleExportsService } from './bundle-exports.service';

const ORG = '0123456789abcdef01234567';
const ASSESSMENT = { id: 'a1', periodStart: new Date('2026-01-01'), periodEnd: new Date('2026-06-30') };

/** The export's lifecycle around a builder that succeeds or fails, with in-memory stores. */
function world(build: (out: Writable, signal?: AbortSignal) => Promise<BuiltBundle>) {
  const events: string[] = [];
  const chunks = new Map<string, Buffer>();
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => (done = resolve));
  const exportsRepo = {
    insertRunning: () =>
      Promise.resolve({
        id: 'e1',
        assessmentId: 'a1',
        status: 'RUNNING',
        heartbeatAt: new Date(),
      } as BundleExport),
    heartbeat: () => Promise.resolve(),
    markReady: (_id: string, result: FinishedExport) => {
      events.push(`ready ${result.chunks} chunks, ${result.bytes} bytes`);
      done();
      return Promise.resolve(true);
    },
    markFailed: (_id: string, reason: string) => {
      events.push(`failed: ${reason}`);
      return Promise.resolve();
    },
    ofAssessment: () => Promise.resolve([]),
  } as unknown as BundleExportsRepository;
  const chunkRepo = {
    insert: (id: string, n: number, data: Buffer) => {
      chunks.set(`${id}:${n}`, data);
      return Promise.resolve();
    },
    deleteOf: (id: string) => {
      for (const key of [...chunks.keys()]) if (key.startsWith(`${id}:`)) chunks.delete(key);
      events.push('chunks deleted');
      done();
      return Promise.resolve();
    },
  } as unknown as BundleChunksRepository;
  const audit = {
    append: (record: AuditRecord) => {
      events.push(`audited ${record.action}`);
      return Promise.resolve();
    },
  } as unknown as AuditService;
  const assessments = { get: () => Promise.resolve(ASSESSMENT) } as unknown as AssessmentsService;
  const builder = {
    build: (_id: string, out: Writable, _progress: unknown, signal?: AbortSignal) => build(out, signal),
  } as unknown as BundleBuilder;
  const service = new BundleExportsService(exportsRepo, chunkRepo, builder, assessments, audit);
  return { service, events, chunks, finished };
}

const built = {
  manifest: { populations: [], assessment: { draft: true }, auditHead: { seq: 3 } },
  manifestSha256: 'm',
} as unknown as BuiltBundle;

describe('BundleExportsService (an export in the background)', () => {
  it('audits a written bundle before it becomes READY', async () => {
    const { service, events, chunks, finished } = world(async (out) => {
      out.end(Buffer.alloc(1024 * 1024 + 10, 1));
      await new Promise((resolve) => out.on('finish', resolve));
      return built;
    });
    await OrgContext.runAsSystem(ORG, 'test', () => service.start('a1'));
    await finished;
    expect(events).toEqual(['audited ASSESSMENT_EXPORT', 'ready 2 chunks, 1048586 bytes']);
    expect(chunks.size).toBe(2);
  });

  it('marks a failed export FAILED, removes what it stored, and audits nothing', async () => {
    const { service, events, chunks, finished } = world(async (out) => {
      out.write(Buffer.alloc(2 * 1024 * 1024, 1));
      await new Promise((resolve) => setImmediate(resolve));
      throw new Error('connection reset by the database (secret-ish detail)');
    });
    await OrgContext.runAsSystem(ORG, 'test', () => service.start('a1'));
    await finished;
    expect(events).toEqual([
      'failed: The bundle could not be written; the server log says why',
      'chunks deleted',
    ]);
    expect(chunks.size).toBe(0);
  });

  it('stops a running export when the service shuts down, and records why', async () => {
    let started: () => void = () => {};
    const building = new Promise<void>((resolve) => (started = resolve));
    const { service, events, finished } = world(async (out, signal) => {
      out.write(Buffer.alloc(10));
      started();
      await new Promise((_, reject) => signal?.addEventListener('abort', () => reject(new Error('aborted'))));
      return built;
    });
    await OrgContext.runAsSystem(ORG, 'test', () => service.start('a1'));
    await building;
    await service.beforeApplicationShutdown();
    await finished;
    expect(events).toEqual([
      'failed: Interrupted: the service was stopping. Start a new export.',
      'chunks deleted',
    ]);
  });
});
