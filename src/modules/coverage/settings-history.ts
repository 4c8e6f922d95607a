import {
  DEFAULT_BASELINE,
  DEFAULT_DORMANT_DAYS,
  DEFAULT_MAX_SUPER_ADMINS,
  type PasswordBaseline,
} from './checks/check.types';

/** The settings the checks are judged by. */
export interface CheckSettings {
  readonly passwordBaseline: PasswordBaseline;
  readonly dormantDays: number;
  readonly maxSuperAdmins: number;
}

/** Settings as stored (a version, or the legacy fields of `coverage_state`): any field may be missing. */
export interface StoredSettings {
  readonly passwordBaseline?: Record<string, unknown> | null;
  readonly dormantDays?: number | null;
  /** Absent from versions stored before the setting existed: the default then. */
  readonly maxSuperAdmins?: number | null;
}

/** One version of the settings: in force from `effectiveFrom` until the next version's. */
export interface SettingsVersion {
  /** Unique per organization: a version's id, or `legacy:…` for one rebuilt from before versions existed. */
  readonly key: string;
  readonly effectiveFrom: Date;
  readonly settings: CheckSettings;
}

/** An audited change of the settings (`CHECK_SETTINGS_UPDATE`): the fields it set. */
export interface AuditedSettingsChange {
  readonly seq: number;
  readonly at: Date;
  readonly details: Readonly<Record<string, unknown>>;
}

export const DEFAULT_SETTINGS: CheckSettings = {
  passwordBaseline: DEFAULT_BASELINE,
  dormantDays: DEFAULT_DORMANT_DAYS,
  maxSuperAdmins: DEFAULT_MAX_SUPER_ADMINS,
};

const BASELINE_FIELDS = Object.keys(DEFAULT_BASELINE) as (keyof PasswordBaseline)[];

/** Stored settings over the defaults: a missing or null field is the default. */
export function settingsFrom(stored: StoredSettings | undefined): CheckSettings {
  const given = Object.fromEntries(
    Object.entries(stored?.passwordBaseline ?? {}).filter(
      ([k, v]) => BASELINE_FIELDS.includes(k as keyof PasswordBaseline) && v !== null && v !== undefined,
    ),
  );
  return {
    passwordBaseline: { ...DEFAULT_BASELINE, ...(given as Partial<PasswordBaseline>) },
    dormantDays: stored?.dormantDays ?? DEFAULT_DORMANT_DAYS,
    maxSuperAdmins: stored?.maxSuperAdmins ?? DEFAULT_MAX_SUPER_ADMINS,
  };
}

/** `settings` with the fields a change sets (null and undefined fields, and unknown ones, left as they are). */
export function applyChange(
  settings: CheckSettings,
  change: Readonly<Record<string, unknown>>,
): CheckSettings {
  const baseline = Object.fromEntries(
    Object.entries(change).filter(
      ([k, v]) => BASELINE_FIELDS.includes(k as keyof PasswordBaseline) && v !== null && v !== undefined,
    ),
  );
  const { dormantDays, maxSuperAdmins } = change;
  return {
    passwordBaseline: { ...settings.passwordBaseline, ...(baseline as Partial<PasswordBaseline>) },
    dormantDays: typeof dormantDays === 'number' ? dormantDays : settings.dormantDays,
    maxSuperAdmins: typeof maxSuperAdmins === 'number' ? maxSuperAdmins : settings.maxSuperAdmins,
  };
}

function same(a: CheckSettings, b: CheckSettings): boolean {
  return (
    a.dormantDays === b.dormantDays &&
    a.maxSuperAdmins === b.maxSuperAdmins &&
    BASELINE_FIELDS.every((k) => a.passwordBaseline[k] === b.passwordBaseline[k])
  );
}

/**
 * The history of an organization's settings from before they were versioned, rebuilt from what is known:
 * the defaults from the organization's creation, then each audited change (oldest first). When replaying
 * the audit does not arrive at the settings stored now (an entry is missing, or the store was written
 * some other way), or the audit is known to be `incomplete`, it cannot be trusted for this, and the stored
 * settings are taken as in force since the organization existed.
 */
export function legacyHistory(
  createdAt: Date,
  changes: readonly AuditedSettingsChange[],
  stored: CheckSettings,
  incomplete = false,
): SettingsVersion[] {
  const since: SettingsVersion[] = [{ key: 'legacy:created', effectiveFrom: createdAt, settings: stored }];
  if (incomplete) return since;
  const ordered = [...changes].sort((a, b) => a.seq - b.seq);
  const versions: SettingsVersion[] = [
    { key: 'legacy:created', effectiveFrom: createdAt, settings: DEFAULT_SETTINGS },
  ];
  let settings = DEFAULT_SETTINGS;
  for (const change of ordered) {
    settings = applyChange(settings, change.details);
    versions.push({ key: `legacy:${change.seq}`, effectiveFrom: change.at, settings });
  }
  return same(settings, stored) ? versions : since;
}

/** The version in force at `at` (the newest whose `effectiveFrom` is at or before it), or undefined. */
export function versionAt(versions: readonly SettingsVersion[], at: Date): SettingsVersion | undefined {
  let found: SettingsVersion | undefined;
  for (const version of versions) {
    if (version.effectiveFrom.getTime() > at.getTime()) continue;
    if (found === undefined || version.effectiveFrom.getTime() >= found.effectiveFrom.getTime())
      found = version;
  }
  return found;
}
