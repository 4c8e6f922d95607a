import { type CheckResult } from './checks/check.types';
import { type ControlDefinition } from './controls.catalog';

export type ControlStatus = 'COVERED' | 'DEGRADED' | 'MISSING';

export interface ConnectionFreshness {
  readonly connectionId: string;
  /** The connector's name and the external tenant, e.g. "Acme HR acme-corp". */
  readonly label: string;
  readonly status: 'PENDING_AUTHORIZATION' | 'ACTIVE' | 'NEEDS_REAUTH' | 'REVOKED';
  readonly lastSuccessfulSyncAt: Date | null;
  readonly staleThresholdMs: number;
  /** Current evidence rows of this connection, by type. */
  readonly evidenceCounts: Readonly<Record<string, number>>;
  /** Types whose latest finished collection did not complete, with that run (absent: all complete). */
  readonly incomplete?: readonly IncompleteCollection[];
}

export interface IncompleteCollection {
  readonly type: string;
  readonly runId: string;
  readonly runStatus: string;
}

export interface ControlCoverage {
  readonly control: ControlDefinition;
  readonly status: ControlStatus;
  readonly reason: string;
  readonly evidenceCount: number;
  readonly lastSuccessfulSyncAt: Date | null;
}

export interface CoverageResult {
  readonly percent: number;
  readonly controls: readonly ControlCoverage[];
}

const HOUR = 3_600_000;

/** "7 h", "6.5 h", "12 h": whole hours from 10 on, one decimal below when it is not a whole hour. */
function hours(ms: number): string {
  const h = ms / HOUR;
  if (h >= 10) return `${Math.floor(h)} h`;
  const rounded = Math.round(h * 10) / 10;
  return Number.isInteger(rounded) ? `${rounded} h` : `${rounded.toFixed(1)} h`;
}

/** Why a connection cannot vouch for fresh evidence right now, or undefined when it can. */
export function freshnessProblem(connection: ConnectionFreshness, now: Date): string | undefined {
  if (connection.status === 'NEEDS_REAUTH') return `${connection.label} needs re-authorization`;
  if (connection.lastSuccessfulSyncAt === null) return `${connection.label} has not synced successfully yet`;
  const age = now.getTime() - connection.lastSuccessfulSyncAt.getTime();
  if (age > connection.staleThresholdMs) {
    return `${connection.label} last synced ${hours(age)} ago (threshold ${hours(connection.staleThresholdMs)})`;
  }
  return undefined;
}

/**
 * Pure: from the controls, the connections (freshness and current evidence counts) and the check results,
 * the status of each control and the organization's percentage. A control is COVERED when every evidence
 * type it needs has current rows from a fresh connection and none of its checks fails; DEGRADED when rows
 * exist but their connection is stale or needs re-authorization, or the latest collection of the type from
 * a providing connection did not complete (PARTIAL, FAILED), or a check of the control fails; MISSING
 * when a type has no rows at all (unless it is collected only behind an optional scope).
 */
export function calculateCoverage(
  controls: readonly ControlDefinition[],
  connections: readonly ConnectionFreshness[],
  checks: readonly Pick<CheckResult, 'control' | 'status' | 'title' | 'reason'>[],
  now: Date,
  labels: ReadonlyMap<string, string> = new Map(),
): CoverageResult {
  const humanType = (type: string): string => labels.get(type) ?? type;
  const live = connections.filter((c) => c.status === 'ACTIVE' || c.status === 'NEEDS_REAUTH');
  const results = controls.map((control): ControlCoverage => {
    const lastSuccessfulSyncAt =
      live
        .map((c) => c.lastSuccessfulSyncAt)
        .filter((d): d is Date => d !== null)
        .sort((a, b) => b.getTime() - a.getTime())[0] ?? null;
    let evidenceCount = 0;
    const missing: string[] = [];
    const stale: string[] = [];
    for (const type of control.evidenceTypes) {
      const providers = live.filter((c) => (c.evidenceCounts[type] ?? 0) > 0);
      evidenceCount += providers.reduce((n, c) => n + (c.evidenceCounts[type] ?? 0), 0);
      if (providers.length === 0) {
        // A type behind an optional scope the customer did not grant is no gap.
        if (!control.optionalEvidenceTypes.includes(type)) missing.push(type);
      } else if (!providers.some((c) => freshnessProblem(c, now) === undefined)) {
        stale.push(...providers.map((c) => freshnessProblem(c, now) ?? ''));
      } else {
        // Rows a partial or failed collection left behind may be missing items or still show removed ones.
        for (const c of providers) {
          const run = c.incomplete?.find((i) => i.type === type);
          if (run !== undefined)
            stale.push(
              `the last ${humanType(type)} collection from ${c.label} did not complete (run ${run.runId}, ${run.runStatus})`,
            );
        }
      }
    }
    if (missing.length > 0) {
      return {
        control,
        status: 'MISSING',
        reason: `no ${missing.map(humanType).join(' or ')} evidence`,
        evidenceCount,
        lastSuccessfulSyncAt,
      };
    }
    if (stale.length > 0) {
      return {
        control,
        status: 'DEGRADED',
        reason: [...new Set(stale)].join('; '),
        evidenceCount,
        lastSuccessfulSyncAt,
      };
    }
    const failed = checks.filter((c) => c.control === control.id && c.status === 'FAIL');
    if (failed.length > 0) {
      return {
        control,
        status: 'DEGRADED',
        reason: failed.map((c) => `check failed: ${c.title} (${c.reason})`).join('; '),
        evidenceCount,
        lastSuccessfulSyncAt,
      };
    }
    return {
      control,
      status: 'COVERED',
      reason: 'current evidence from a fresh connection',
      evidenceCount,
      lastSuccessfulSyncAt,
    };
  });
  const covered = results.filter((r) => r.status === 'COVERED').length;
  return {
    percent: controls.length === 0 ? 0 : Math.round((covered / controls.length) * 1000) / 10,
    controls: results,
  };
}
