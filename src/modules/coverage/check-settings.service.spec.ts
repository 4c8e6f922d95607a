import { type AuditService } from '#src/modules/audit/audit.service';
import { type OrganizationsService } from '#src/modules/organizations/organizations.service';
import { OrgContext } from '#src/common/tenancy/org-context';
import { DEFAULT_BASELINE, DEFAULT_MAX_SUPER_ADMINS } from './checks/check.types';
import { CheckSettingsService } from './check-settings.service';
import { type CheckSettingsVersionsRepository } from './check-settings-versions.repository';
import { type CoverageStateRepository } from './coverage-state.repository';
import { type SettingsVersion, versionAt } from './settings-history';

const ORG = '0123456789abcdef01234567';
const CREATED = new Date('2026-01-01T00:00:00Z');

/** A service over in-memory versions, a legacy `coverage_state` and an audit holding `audited`. */
function world(legacy: { passwordBaseline?: Record<string, unknown>; dormantDays?: number } | undefined) {
  const versions: SettingsVersion[] = [];
  const appended: Record<string, unknown>[] = [];
  const repo = {
    latest: () => Promise.resolve(versions.at(-1)),
    at: (at: Date) => Promise.resolve(versionAt(versions, at)),
    append: (added: readonly SettingsVersion[]) => {
      for (const v of added) if (!versions.some((w) => w.key === v.key)) versions.push(v);
      return Promise.resolve();
    },
  } as unknown as CheckSettingsVersionsRepository;
  const state = {
    get: () => Promise.resolve(legacy === undefined ? undefined : { ...legacy }),
    save: () => Promise.resolve(),
  } as unknown as CoverageStateRepository;
  const audit = {
    append: (record: Record<string, unknown>) => {
      appended.push(record);
      return Promise.resolve();
    },
    page: () =>
      Promise.resolve([
        { seq: 3, at: new Date('2026-02-01T00:00:00Z'), details: { dormantDays: 45, minLength: 10 } },
      ]),
  } as unknown as AuditService;
  const organizations = {
    current: () => Promise.resolve({ id: ORG, name: 'Acme', createdAt: CREATED }),
  } as unknown as OrganizationsService;
  const service = new CheckSettingsService(repo, state, audit, organizations);
  const run = <T>(fn: () => Promise<T>): Promise<T> => OrgContext.runAsSystem(ORG, 'test', fn);
  return { service, versions, appended, run };
}

describe('CheckSettingsService (settings now, at an instant, and their history)', () => {
  it('reads an organization without versions from its legacy settings, and its past from the audit', async () => {
    const { service, run } = world({ passwordBaseline: { minLength: 10 }, dormantDays: 45 });
    expect(await run(() => service.current())).toEqual({
      passwordBaseline: { ...DEFAULT_BASELINE, minLength: 10 },
      dormantDays: 45,
      maxSuperAdmins: DEFAULT_MAX_SUPER_ADMINS,
    });
    expect((await run(() => service.at(new Date('2026-01-15T00:00:00Z')))).dormantDays).toBe(90);
    expect((await run(() => service.at(new Date('2026-03-01T00:00:00Z')))).dormantDays).toBe(45);
  });

  it('stores the rebuilt history before the first change, then only the change', async () => {
    const { service, versions, appended, run } = world({
      passwordBaseline: { minLength: 10 },
      dormantDays: 45,
    });
    const first = await run(() => service.update({ dormantDays: 60, minLength: null }));
    expect(first.settings).toEqual({
      passwordBaseline: { ...DEFAULT_BASELINE, minLength: 10 },
      dormantDays: 60,
      maxSuperAdmins: DEFAULT_MAX_SUPER_ADMINS,
    });
    expect(
      versions.map((v) => [v.key.startsWith('legacy:') ? v.key : 'new', v.settings.dormantDays]),
    ).toEqual([
      ['legacy:created', 90],
      ['legacy:3', 45],
      ['new', 60],
    ]);
    await run(() => service.update({ requireNumber: false }));
    expect(versions).toHaveLength(4);
    await run(() => service.update({ maxSuperAdmins: 2 }));
    expect(versions).toHaveLength(5);
    expect((await run(() => service.current())).maxSuperAdmins).toBe(2);
    expect((await run(() => service.at(new Date('2026-02-15T00:00:00Z')))).maxSuperAdmins).toBe(
      DEFAULT_MAX_SUPER_ADMINS,
    );
    expect((await run(() => service.current())).passwordBaseline.requireNumber).toBe(false);
    expect((await run(() => service.at(new Date('2026-02-15T00:00:00Z')))).dormantDays).toBe(45);
    expect(appended.map((a) => a.details)).toEqual([
      { dormantDays: 60 },
      { requireNumber: false },
      { maxSuperAdmins: 2 },
    ]);
  });
});
