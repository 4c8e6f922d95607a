import { type CheckResult } from './checks/check.types';
import { type AppConfig } from '#src/config/app-config';
import { ConnectorRegistry } from '#src/modules/connectors/connector.registry';
import { controlCatalog, evidenceLabels } from './controls.catalog';

// The installed connectors' definitions, as the app reads them (a connector's own folder is private).
const DEFINITIONS = new ConnectorRegistry({ publicUrl: 'https://app.example' } as AppConfig).all();
const CONTROLS = controlCatalog(DEFINITIONS);
const LABELS = evidenceLabels(DEFINITIONS);
const calculate = (...args: Parameters<typeof calculateCoverage>) =>
  calculateCoverage(args[0], args[1], args[2], args[3], LABELS);
import { calculateCoverage, type ConnectionFreshness } from './coverage.calculator';

const NOW = new Date('2026-11-29T12:00:00Z');
const HOUR = 3_600_000;
const ALL = { 'okta.user_mfa': 100, 'okta.password_policy': 2, 'okta.deprovisioning_event': 5 };

function okta(overrides: Partial<ConnectionFreshness> = {}): ConnectionFreshness {
  return {
    connectionId: 'c1',
    label: 'Okta acme.okta.com',
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
    ['everything fresh', [okta()], [], { 'CC6.1': 'COVERED', 'CC6.2': 'COVERED', 'CC6.3': 'COVERED' }, 100],
    ['no connection at all', [], [], { 'CC6.1': 'MISSING', 'CC6.2': 'MISSING', 'CC6.3': 'MISSING' }, 0],
    [
      'fresh, but the last user MFA collection was partial',
      [okta({ incomplete: [{ type: 'okta.user_mfa', runId: 'r9', runStatus: 'PARTIAL' }] })],
      [],
      { 'CC6.1': 'DEGRADED', 'CC6.2': 'DEGRADED', 'CC6.3': 'COVERED' },
      33.3,
    ],
    [
      'stale by 7 hours',
      [okta({ lastSuccessfulSyncAt: new Date(NOW.getTime() - 7 * HOUR) })],
      [],
      { 'CC6.1': 'DEGRADED', 'CC6.2': 'DEGRADED', 'CC6.3': 'DEGRADED' },
      0,
    ],
    [
      'exactly at the threshold',
      [okta({ lastSuccessfulSyncAt: new Date(NOW.getTime() - 6 * HOUR) })],
      [],
      { 'CC6.1': 'COVERED', 'CC6.2': 'COVERED', 'CC6.3': 'COVERED' },
      100,
    ],
    [
      'needs re-authorization',
      [okta({ status: 'NEEDS_REAUTH' })],
      [],
      { 'CC6.1': 'DEGRADED', 'CC6.2': 'DEGRADED', 'CC6.3': 'DEGRADED' },
      0,
    ],
    [
      'no password policy evidence',
      [okta({ evidenceCounts: { ...ALL, 'okta.password_policy': 0 } })],
      [],
      { 'CC6.1': 'MISSING', 'CC6.2': 'COVERED', 'CC6.3': 'COVERED' },
      66.7,
    ],
    [
      'a revoked connection only',
      [okta({ status: 'REVOKED' })],
      [],
      { 'CC6.1': 'MISSING', 'CC6.2': 'MISSING', 'CC6.3': 'MISSING' },
      0,
    ],
    [
      'a failing MFA check',
      [okta()],
      [failing('CC6.1', 'Every active user has MFA')],
      { 'CC6.1': 'DEGRADED', 'CC6.2': 'COVERED', 'CC6.3': 'COVERED' },
      66.7,
    ],
    [
      'one fresh and one stale connection',
      [
        okta({
          connectionId: 'c2',
          label: 'Okta old.okta.com',
          lastSuccessfulSyncAt: new Date(NOW.getTime() - 9 * HOUR),
        }),
        okta(),
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
      [okta({ lastSuccessfulSyncAt: new Date(NOW.getTime() - 7 * HOUR) })],
      [],
      NOW,
    );
    expect(result.controls[0]?.reason).toBe('Okta acme.okta.com last synced 7 h ago (threshold 6 h)');
  });

  it('names the run whose collection did not complete', () => {
    const result = calculate(
      CONTROLS,
      [okta({ incomplete: [{ type: 'okta.user_mfa', runId: 'r9', runStatus: 'PARTIAL' }] })],
      [],
      NOW,
    );
    expect(result.controls[0]?.reason).toBe(
      'the last user MFA collection from Okta acme.okta.com did not complete (run r9, PARTIAL)',
    );
  });

  it('names the missing evidence and the failing check', () => {
    const missing = calculate(
      CONTROLS,
      [okta({ evidenceCounts: { ...ALL, 'okta.password_policy': 0 } })],
      [],
      NOW,
    );
    expect(missing.controls[0]?.reason).toBe('no password policy evidence');
    const check = calculate(CONTROLS, [okta()], [failing('CC6.1', 'Every active user has MFA')], NOW);
    expect(check.controls[0]?.reason).toBe('check failed: Every active user has MFA (3 of 100 fail)');
  });

  it('counts evidence and reports the latest successful sync', () => {
    const result = calculate(CONTROLS, [okta()], [], NOW);
    expect(result.controls.map((c) => c.evidenceCount)).toEqual([102, 105, 5]);
    expect(result.controls[0]?.lastSuccessfulSyncAt).toEqual(new Date(NOW.getTime() - HOUR));
  });
});
