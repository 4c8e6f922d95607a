/** The longest period an assessment, its export or a continuity window covers: 18 months (548 days). */
export const MAX_AUDIT_PERIOD_MS = 548 * 86_400_000;

export function exceedsAuditPeriod(start: Date, end: Date): boolean {
  return end.getTime() - start.getTime() > MAX_AUDIT_PERIOD_MS;
}
