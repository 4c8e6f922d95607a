import { type TestApp } from './test-app';

export interface ExportView {
  id: string;
  status: string;
  sha256: string | null;
  manifestSha256: string | null;
  draft: boolean | null;
  downloadPath: string | null;
  error: string | null;
  populations: { type: string; rows: number; items: number; runs: number; endpoints: string[] }[];
}

const EXPORT_FIELDS =
  'id status sha256 manifestSha256 draft downloadPath error populations { type rows items runs endpoints }';

/**
 * Starts an export of the assessment and waits until it is no longer RUNNING: polls `assessmentExport`,
 * the way a client does, within a generous bound for a busy machine.
 */
export async function exportAssessment(
  t: TestApp,
  token: string,
  assessmentId: string,
  timeoutMs = 120_000,
): Promise<ExportView> {
  const started = await t.gql<{ exportAssessment: ExportView }>(
    token,
    `mutation($id: ID!) { exportAssessment(input: { assessmentId: $id }) { ${EXPORT_FIELDS} } }`,
    { id: assessmentId },
  );
  if (started.errors !== undefined) throw new Error(`exportAssessment: ${JSON.stringify(started.errors)}`);
  let view = started.data?.exportAssessment;
  const deadline = Date.now() + timeoutMs;
  while (view?.status === 'RUNNING') {
    if (Date.now() > deadline) throw new Error(`export ${view.id} still RUNNING after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const polled = await t.gql<{ assessmentExport: ExportView }>(
      token,
      `query($id: ID!) { assessmentExport(id: $id) { ${EXPORT_FIELDS} } }`,
      { id: view.id },
    );
    view = polled.data?.assessmentExport;
  }
  if (view === undefined) throw new Error('exportAssessment returned nothing');
  return view;
}

/** GETs a path with a bearer token and returns the status and the raw body. */
export async function download(
  t: TestApp,
  path: string,
  token?: string,
): Promise<{ status: number; body: Buffer; type: string | undefined }> {
  const req = t.http().get(path);
  if (token !== undefined) req.set('authorization', `Bearer ${token}`);
  const res = await req.buffer(true).parse((response, done) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('end', () => done(null, Buffer.concat(chunks)));
  });
  return {
    status: res.status,
    body: res.body as Buffer,
    type: res.get('content-type'),
  };
}
