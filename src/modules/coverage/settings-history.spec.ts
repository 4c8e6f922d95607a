import { DEFAULT_BASELINE, DEFAULT_DORMANT_DAYS, DEFAULT_MAX_SUPER_ADMINS } from './checks/check.types';
import {
  applyChange,
  DEFAULT_SETTINGS,
  legacyHistory,
  type SettingsVersion,
  settingsFrom,
  versionAt,
} from './settings-history';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (hours: number): Date => new Date(T0 + hours * 3_600_000);

describe('settings history (versions in force from an instant)', () => {
  it('reads stored settings over the defaults, ignoring null, missing and unknown fields', () => {
    expect(settingsFrom(undefined)).toEqual(DEFAULT_SETTINGS);
    expect(
      settingsFrom({ passwordBaseline: { minLength: 8, requireNumber: null, bogus: 1 }, dormantDays: null }),
    ).toEqual({
      passwordBaseline: { ...DEFAULT_BASELINE, minLength: 8 },
      dormantDays: DEFAULT_DORMANT_DAYS,
      maxSuperAdmins: DEFAULT_MAX_SUPER_ADMINS,
    });
    // A version stored before maxSuperAdmins existed reads as the default.
    expect(settingsFrom({ dormantDays: 30 }).maxSuperAdmins).toBe(DEFAULT_MAX_SUPER_ADMINS);
    expect(settingsFrom({ maxSuperAdmins: 2 }).maxSuperAdmins).toBe(2);
  });

  it('applies a change: null and absent fields keep their value', () => {
    const changed = applyChange(DEFAULT_SETTINGS, { minLength: 14, requireUpperCase: null, dormantDays: 30 });
    expect(changed).toEqual({
      passwordBaseline: { ...DEFAULT_BASELINE, minLength: 14 },
      dormantDays: 30,
      maxSuperAdmins: DEFAULT_MAX_SUPER_ADMINS,
    });
    expect(applyChange(changed, { dormantDays: null, maxSuperAdmins: null })).toEqual(changed);
    expect(applyChange(changed, { maxSuperAdmins: 2 })).toEqual({ ...changed, maxSuperAdmins: 2 });
  });

  const versions: SettingsVersion[] = [
    { key: 'a', effectiveFrom: at(0), settings: DEFAULT_SETTINGS },
    { key: 'c', effectiveFrom: at(5), settings: { ...DEFAULT_SETTINGS, dormantDays: 10 } },
    { key: 'b', effectiveFrom: at(2), settings: { ...DEFAULT_SETTINGS, dormantDays: 20 } },
  ];

  it.each<[number, string | undefined]>([
    [-1, undefined],
    [0, 'a'],
    [1.9, 'a'],
    [2, 'b'],
    [4.99, 'b'],
    [5, 'c'],
    [100, 'c'],
  ])('at %d h the version in force is %s (the newest from at or before it)', (hours, key) => {
    expect(versionAt(versions, at(hours))?.key).toBe(key);
  });

  describe('the history from before versions existed', () => {
    const changes = [
      { seq: 7, at: at(3), details: { dormantDays: 30 } },
      { seq: 4, at: at(1), details: { minLength: 8, minHistoryCount: 0 } },
    ];
    const stored = {
      passwordBaseline: { ...DEFAULT_BASELINE, minLength: 8, minHistoryCount: 0 },
      dormantDays: 30,
      maxSuperAdmins: DEFAULT_MAX_SUPER_ADMINS,
    };

    it('replays the audited changes from the defaults at the organization’s creation', () => {
      const history = legacyHistory(at(0), changes, stored);
      expect(history.map((v) => [v.key, v.effectiveFrom])).toEqual([
        ['legacy:created', at(0)],
        ['legacy:4', at(1)],
        ['legacy:7', at(3)],
      ]);
      expect(versionAt(history, at(0.5))?.settings).toEqual(DEFAULT_SETTINGS);
      expect(versionAt(history, at(2))?.settings.passwordBaseline.minLength).toBe(8);
      expect(versionAt(history, at(2))?.settings.dormantDays).toBe(DEFAULT_DORMANT_DAYS);
      expect(versionAt(history, at(4))?.settings).toEqual(stored);
    });

    it('takes the stored settings as in force since the creation when the replay does not arrive at them', () => {
      const missingOne = legacyHistory(at(0), changes.slice(0, 1), stored);
      expect(missingOne).toEqual([{ key: 'legacy:created', effectiveFrom: at(0), settings: stored }]);
    });

    it('and when the audit is known to be incomplete', () => {
      expect(legacyHistory(at(0), changes, stored, true)).toEqual([
        { key: 'legacy:created', effectiveFrom: at(0), settings: stored },
      ]);
    });

    it('is the defaults alone for an organization that never changed its settings', () => {
      expect(legacyHistory(at(0), [], DEFAULT_SETTINGS)).toEqual([
        { key: 'legacy:created', effectiveFrom: at(0), settings: DEFAULT_SETTINGS },
      ]);
    });
  });
});
