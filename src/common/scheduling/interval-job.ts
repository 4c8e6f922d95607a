import { type SchedulerRegistry } from '@nestjs/schedule';
import { type InstanceRole } from '#src/config/app-config';

/**
 * Registers a periodic job with @nestjs/schedule on instances that run jobs (`ROLE` worker or all); `api`
 * instances never do. The job's errors are its own to handle.
 */
export function startIntervalJob(
  registry: SchedulerRegistry,
  role: InstanceRole,
  name: string,
  everyMs: number,
  job: () => Promise<unknown>,
): void {
  if (role === 'api') return;
  registry.addInterval(
    name,
    setInterval(() => void job(), everyMs),
  );
}

export function stopIntervalJob(registry: SchedulerRegistry, name: string): void {
  if (registry.doesExist('interval', name)) registry.deleteInterval(name);
}
