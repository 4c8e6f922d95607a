import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { type Model, type QueryFilter } from 'mongoose';
import { TenantRepository } from '#src/common/tenancy/tenant.repository';
import { CheckSettingsVersionDocument } from './coverage.schema';
import { type SettingsVersion, settingsFrom } from './settings-history';

/**
 * The versions of the organization's check settings (append-only). The current settings are the newest
 * version: one indexed read, like the settings at an instant (the newest version at or before it).
 */
@Injectable()
export class CheckSettingsVersionsRepository extends TenantRepository<CheckSettingsVersionDocument> {
  constructor(@InjectModel(CheckSettingsVersionDocument.name) model: Model<CheckSettingsVersionDocument>) {
    super(model);
  }

  /** The newest version (the settings in force now), or undefined when none was ever written. */
  latest(): Promise<SettingsVersion | undefined> {
    return this.newest({});
  }

  /** The version in force at `at` (the newest with `effectiveFrom` at or before it), or undefined. */
  at(at: Date): Promise<SettingsVersion | undefined> {
    return this.newest({ effectiveFrom: { $lte: at } });
  }

  /**
   * Appends versions; one whose `key` is already stored is skipped (so two instances rebuilding the same
   * legacy history at once store it once).
   */
  async append(versions: readonly SettingsVersion[], setBy: string): Promise<void> {
    if (versions.length === 0) return;
    const recordedAt = new Date();
    try {
      await this.model.insertMany(
        versions.map((v) =>
          this.owned({
            key: v.key,
            effectiveFrom: v.effectiveFrom,
            passwordBaseline: { ...v.settings.passwordBaseline },
            dormantDays: v.settings.dormantDays,
            maxSuperAdmins: v.settings.maxSuperAdmins,
            setBy,
            recordedAt,
          }),
        ),
        { ordered: false },
      );
    } catch (error) {
      if (!onlyDuplicates(error)) throw error;
    }
  }

  private async newest(
    filter: QueryFilter<CheckSettingsVersionDocument>,
  ): Promise<SettingsVersion | undefined> {
    const doc = await this.model
      .findOne(this.scope(filter))
      .sort({ effectiveFrom: -1, _id: -1 })
      .lean<CheckSettingsVersionDocument>();
    return doc === null ? undefined : toVersion(doc);
  }
}

function toVersion(doc: CheckSettingsVersionDocument): SettingsVersion {
  return { key: doc.key, effectiveFrom: doc.effectiveFrom, settings: settingsFrom(doc) };
}

/** An unordered insert whose only failures are duplicate keys (versions already stored). */
function onlyDuplicates(error: unknown): boolean {
  const e = error as { code?: unknown; writeErrors?: { code?: unknown; err?: { code?: unknown } }[] };
  if (e.code === 11000 && e.writeErrors === undefined) return true;
  return (
    Array.isArray(e.writeErrors) &&
    e.writeErrors.length > 0 &&
    e.writeErrors.every((w) => (w.code ?? w.err?.code) === 11000)
  );
}
