import { SchedulerRegistry } from '@nestjs/schedule';
import { type AppConfig } from '#src/config/app-config';
import { type OrganizationsSystemService } from '#src/modules/organizations/organizations-system.service';
import { SyncScheduler } from './sync.scheduler';
import { type SyncService } from './sync.service';

const ORG = '0000000000000000000000a1';

describe('SyncScheduler shutdown (collaborators faked)', () => {
  it('lets a tick in flight finish before shutdown goes on, so it never queries a closed database', async () => {
    const steps: string[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const organizations = {
      async *allOrganizationIds() {
        steps.push('listing organizations');
        await gate;
        yield ORG;
      },
    } as unknown as OrganizationsSystemService;
    const sync = {
      isStopping: false,
      reclaimAbandoned: () => Promise.resolve(),
      roomFor: () => 1,
      due: () => {
        steps.push('reading due connections');
        return Promise.resolve([]);
      },
    } as unknown as SyncService;
    const config = { role: 'all', schedulerTickMs: 60_000 } as AppConfig;
    const scheduler = new SyncScheduler(config, new SchedulerRegistry(), organizations, sync);

    const tick = scheduler.tick(new Date());
    const shutdown = scheduler.beforeApplicationShutdown().then(() => steps.push('shutdown done'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(steps).toEqual(['listing organizations']);
    release();
    await Promise.all([tick, shutdown]);
    expect(steps).toEqual(['listing organizations', 'reading due connections', 'shutdown done']);
  });

  it('shuts down at once when no tick is running', async () => {
    const scheduler = new SyncScheduler(
      { role: 'all', schedulerTickMs: 60_000 } as AppConfig,
      new SchedulerRegistry(),
      {} as OrganizationsSystemService,
      {} as SyncService,
    );
    await expect(scheduler.beforeApplicationShutdown()).resolves.toBeUndefined();
  });
});
