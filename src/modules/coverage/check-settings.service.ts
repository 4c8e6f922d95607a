import { Injectable } from '@nestjs/common';
import { Types } from 'mongoose';
import { OrgContext } from '#src/common/tenancy/org-context';
import { AuditService } from '#src/modules/audit/audit.service';
import { OrganizationsService } from '#src/modules/organizations/organizations.service';
import { type PasswordBaseline } from './checks/check.types';
import { CheckSettingsVersionsRepository } from './check-settings-versions.repository';
import { CoverageStateRepository } from './coverage-state.repository';
import {
  applyChange,
  type CheckSettings,
  DEFAULT_SETTINGS,
  legacyHistory,
  type SettingsVersion,
  settingsFrom,
  versionAt,
} from './settings-history';

/** Audited changes replayed at most to rebuild the history from before versions existed. */
const MAX_LEGACY_CHANGES = 1000;

export type SettingsChange = Partial<{ [K in keyof PasswordBaseline]: PasswordBaseline[K] | null }> & {
  dormantDays?: number | null;
  maxSuperAdmins?: number | null;
};

/**
 * The organization's check settings and their history. Each change appends a version in force from the
 * moment it was made (`check_settings_versions`, append-only); the settings now are the newest version, the
 * settings at an instant the newest version at or before it (one indexed read either way).
 *
 * Organizations whose settings were last changed before versions existed have none: their settings are
 * the legacy fields of `coverage_state`, and their history is rebuilt on read from the audited changes
 * (defaults from the organization's creation, then each `CHECK_SETTINGS_UPDATE`), or, when that replay
 * does not arrive at the stored settings, the stored settings taken as in force since the organization
 * existed. The first change stores that rebuilt history as versions before its own.
 */
@Injectable()
export class CheckSettingsService {
  constructor(
    private readonly versions: CheckSettingsVersionsRepository,
    private readonly state: CoverageStateRepository,
    private readonly audit: AuditService,
    private readonly organizations: OrganizationsService,
  ) {}

  async current(): Promise<CheckSettings> {
    const latest = await this.versions.latest();
    return latest?.settings ?? settingsFrom(await this.state.get());
  }

  /** The settings in force at `at` (the caller checks that `at` is within the organization's life). */
  async at(at: Date): Promise<CheckSettings> {
    const version = await this.versions.at(at);
    if (version !== undefined) return version.settings;
    return versionAt(await this.legacyHistory(), at)?.settings ?? DEFAULT_SETTINGS;
  }

  /**
   * Applies a change (null and absent fields keep their value) as a new version in force from now, audits
   * it, and returns the new settings with the instant they took effect. Two changes at once both append;
   * the later one read the settings before the other, so its version does not carry the other's fields
   * (as before versions: there is no transaction to make read-and-append atomic on FerretDB).
   */
  async update(change: SettingsChange): Promise<{ settings: CheckSettings; effectiveFrom: Date }> {
    const latest = await this.versions.latest();
    if (latest === undefined) await this.versions.append(await this.legacyHistory(), 'system');
    const current = latest?.settings ?? settingsFrom(await this.state.get());
    const settings = applyChange(current, change);
    const effectiveFrom = new Date();
    await this.versions.append(
      [{ key: new Types.ObjectId().toHexString(), effectiveFrom, settings }],
      OrgContext.actor().id,
    );
    // A copy where builds from before versions read the settings; never read while a version exists.
    await this.state.save({
      passwordBaseline: { ...settings.passwordBaseline },
      dormantDays: settings.dormantDays,
      maxSuperAdmins: settings.maxSuperAdmins,
    });
    const { dormantDays, maxSuperAdmins, ...baseline } = change;
    await this.audit.append({
      action: 'CHECK_SETTINGS_UPDATE',
      target: { type: 'organization', id: OrgContext.organizationId() },
      details: {
        ...Object.fromEntries(Object.entries(baseline).filter(([, v]) => v !== undefined && v !== null)),
        ...(dormantDays === undefined || dormantDays === null ? {} : { dormantDays }),
        ...(maxSuperAdmins === undefined || maxSuperAdmins === null ? {} : { maxSuperAdmins }),
      },
    });
    return { settings, effectiveFrom };
  }

  /** The history from before versions existed, rebuilt from the organization's creation and its audit. */
  private async legacyHistory(): Promise<SettingsVersion[]> {
    const [organization, state, entries] = await Promise.all([
      this.organizations.current(),
      this.state.get(),
      this.audit.page({ action: 'CHECK_SETTINGS_UPDATE' }, MAX_LEGACY_CHANGES),
    ]);
    const stored = settingsFrom(state);
    // A history longer than the bound cannot be replayed from its start.
    const changes = entries.length >= MAX_LEGACY_CHANGES ? undefined : entries;
    return legacyHistory(organization.createdAt, changes ?? [], stored, changes === undefined);
  }
}
