import { type CheckResult } from './checks/check.types';
import { type ConnectorDefinition } from '#src/modules/connectors/connector-definition';
import { controlCatalog, evidenceLabels } from './controls.catalog';

/** An identity provider's definition, as a connector would declare it (only the fields the catalog reads). */
const idpDefinition = {
  key: 'idp',
  name: 'IdP',
  evidence: [
    { type: 'idp.user_mfa', label: 'user MFA', controls: ['CC6.1', 'CC6.2'] },
    { type: 'idp.password_policy', label: 'password policy', controls: ['CC6.1'] },
    { type: 'idp.deprovisioning_event', label: 'deprovisioning event', controls: ['CC6.2', 'CC6.3'] },
  ],
} as unknown as ConnectorDefinition;
const DEFINITIONS = [idpDefinition];
const CONTROLS = controlCatalog(DEFINITIONS);
const LABELS = evidenceLabels(DEFINITIONS);
const calculate = (...args: Parameters<typeof calculateCoverage>) =>
  calculateCoverage(args[0], args[1], args[2], args[3], LABELS);
import { calculateCoverage, type ConnectionFreshness } from './coverage.calculator';

const NOW = new Date('2026-11-29T12:00:00Z');
const HOUR = 3_600_000;
const ALL = { 'idp.user_mfa': 100, 'idp.password_policy': 2, 'idp.deprovisioning_event': 5 };

function idp(overrides: Partial<ConnectionFreshness> = {}): ConnectionFreshness {
  return {
    connectionId: 'c1',
    label: 'IdP acme.example',
    status: 'ACTIVE',
    lastSuccessfulSyncAt: new Date(NOW.getTime() - HOUR),
    staleThresholdMs: 6 * HOUR,
    evidenceCounts: ALL,
    ...overrides,
  };
}

function failing(control: string, title: string): CheckResult {
  return {
    key: 'mfa_enrolled',
    title,
    control,
    status: 'FAIL',
    reason: '3 of 100 fail',
    failing: [],
    excepted: [],
    evaluated: 100,
  };
}

describe('calculateCoverage', () => {
  it.each<[string, ConnectionFreshness[], CheckResult[], Record<string, string>, number]>([
    ['everything fresh', [idp()], [], { 'CC6.1': 'COVERED', 'CC6.2': 'COVERED', 'CC6.3': 'COVERED' }, 100],
    ['no connection at all', [], [], { 'CC6.1': 'MISSING', 'CC6.2': 'MISSING', 'CC6.3': 'MISSING' }, 0],
    [
      'fresh, but the last user MFA collection was partial',
      [idp({ incomplete: [{ type: 'idp.user_mfa', runId: 'r9', runStatus: 'PARTIAL' }] })],
      [],
      { 'CC6.1': 'DEGRADED', 'CC6.2': 'DEGRADED', 'CC6.3': 'COVERED' },
      33.3,
    ],
    [
      'stale by 7 hours',
      [idp({ lastSuccessfulSyncAt: new Date(NOW.getTime() - 7 * HOUR) })],
      [],
      { 'CC6.1': 'DEGRADED', 'CC6.2': 'DEGRADED', 'CC6.3': 'DEGRADED' },
      0,
    ],
    [
      'exactly at the threshold',
      [idp({ lastSuccessfulSyncAt: new Date(NOW.getTime() - 6 * HOUR) })],
      [],
      { 'CC6.1': 'COVERED', 'CC6.2': 'COVERED', 'CC6.3': 'COVERED' },
      100,
    ],
    [
      'needs re-authorization',
      [idp({ status: 'NEEDS_REAUTH' })],
      [],
      { 'CC6.1': 'DEGRADED', 'CC6.2': 'DEGRADED', 'CC6.3': 'DEGRADED' },
      0,
    ],
    [
      'no password policy evidence',
      [idp({ evidenceCounts: { ...ALL, 'idp.password_policy': 0 } })],
      [],
      { 'CC6.1': 'MISSING', 'CC6.2': 'COVERED', 'CC6.3': 'COVERED' },
      66.7,
    ],
    [
      'a revoked connection only',
      [idp({ status: 'REVOKED' })],
      [],
      { 'CC6.1': 'MISSING', 'CC6.2': 'MISSING', 'CC6.3': 'MISSING' },
      0,
    ],
    [
      'a failing MFA check',
      [idp()],
      [failing('CC6.1', 'Every active user has MFA')],
      { 'CC6.1': 'DEGRADED', 'CC6.2': 'COVERED', 'CC6.3': 'COVERED' },
      66.7,
    ],
    [
      'one fresh and one stale connection',
      [
        idp({
          connectionId: 'c2',
          label: 'IdP old.example',
          lastSuccessfulSyncAt: new Date(NOW.getTime() - 9 * HOUR),
        }),
        idp(),
      ],
      [],
      { 'CC6.1': 'COVERED', 'CC6.2': 'COVERED', 'CC6.3': 'COVERED' },
      100,
    ],
  ])('%s', (_name, connections, checks, expected, percent) => {
    const result = calculate(CONTROLS, connections, checks, NOW);
    expect(Object.fromEntries(result.controls.map((c) => [c.control.id, c.status]))).toEqual(expected);
    expect(result.percent).toBe(percent);
  });

  it('explains a stale connection in words', () => {
    const result = calculate(
      CONTROLS,
      [idp({ lastSuccessfulSyncAt: new Date(NOW.getTime() - 7 * HOUR) })],
      [],
      NOW,
    );
    expect(result.controls[0]?.reason).toBe('IdP acme.example last synced 7 h ago (threshold 6 h)');
  });

  it('names the run whose collection did not complete', () => {
    const result = calculate(
      CONTROLS,
      [idp({ incomplete: [{ type: 'idp.user_mfa', runId: 'r9', runStatus: 'PARTIAL' }] })],
      [],
      NOW,
    );
    expect(result.controls[0]?.reason).toBe(
      'the last user MFA collection from IdP acme.example did not complete (run r9, PARTIAL)',
    );
  });

  it('names the missing evidence and the failing check', () => {
    const missing = calculate(
      CONTROLS,
      [idp({ evidenceCounts: { ...ALL, 'idp.password_policy': 0 } })],
      [],
      NOW,
    );
    expect(missing.controls[0]?.reason).toBe('no password policy evidence');
    const check = calculate(CONTROLS, [idp()], [failing('CC6.1', 'Every active user has MFA')], NOW);
    expect(check.controls[0]?.reason).toBe('check failed: Every active user has MFA (3 of 100 fail)');
  });

  it('counts evidence and reports the latest successful sync', () => {
    const result = calculate(CONTROLS, [idp()], [], NOW);
    expect(result.controls.map((c) => c.evidenceCount)).toEqual([102, 105, 5]);
    expect(result.controls[0]?.lastSuccessfulSyncAt).toEqual(new Date(NOW.getTime() - HOUR));
  });
});
