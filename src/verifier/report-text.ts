import { type CheckStatus, type VerificationReport } from './verification-report';

const WIDTH = 13;
const STATUS: Readonly<Record<CheckStatus, string>> = {
  ok: 'OK',
  failed: 'FAILED',
  incomplete: 'INCOMPLETE (a file could not be read: see files)',
  'not checked': 'NOT CHECKED',
};
const label = (name: string): string => name.padEnd(WIDTH);

/**
 * The human form of a report: what the bundle says it is, then one line per check group (OK, FAILED,
 * INCOMPLETE or NOT CHECKED) with each of its problems as `file:line: message`, then warnings and the verdict.
 */
export function formatReport(report: VerificationReport): string {
  const out: string[] = [`${label('Bundle')}${report.bundle}`];
  const m = report.manifest;
  if (m !== undefined) {
    const evidence = Object.entries(m.counts.evidence).map(([type, rows]) => `${type} ${rows}`);
    out.push(
      `${label('Organization')}${m.organization.name} (${m.organization.id})`,
      `${label('Assessment')}${m.assessment.name} (${m.assessment.id}), ${m.assessment.framework}, ` +
        `${m.assessment.periodStart} to ${m.assessment.periodEnd}, status ${m.assessment.status}` +
        (m.draft ? ' (a draft)' : ''),
      `${label('Generated')}${m.generatedAt}`,
      `${label('Audit head')}seq ${m.auditHead.seq}, ${m.auditHead.hash}`,
      `${label('Counts')}audit entries ${m.counts.auditEntries}, runs ${m.counts.runs}, evidence: ` +
        (evidence.length > 0 ? evidence.join(', ') : 'none'),
      `${label('Key')}${m.keyFingerprint} ${m.keyPinned ? '(pinned)' : '(NOT PINNED)'}`,
    );
  }
  out.push('');
  for (const check of report.checks) {
    const status = STATUS[check.status];
    out.push(`${label(check.name)}${status}`);
    for (const p of report.problems.filter((problem) => problem.check === check.name))
      out.push(`  ${p.file}${p.line === undefined ? '' : `:${p.line}`}: ${p.message}`);
  }
  out.push('');
  for (const warning of report.warnings) out.push(`WARNING: ${warning}`);
  const count = report.problems.length;
  const unpinned = report.manifest?.keyPinned === false;
  out.push(
    !report.ok
      ? `RESULT: FAILED, ${count} problem${count === 1 ? '' : 's'}`
      : unpinned
        ? 'RESULT: OK, the bundle holds, but only against the key it names itself: pin the key (--public-key) to know who made it'
        : 'RESULT: OK, the bundle holds',
  );
  return `${out.join('\n')}\n`;
}
