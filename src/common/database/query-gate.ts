import { DomainError } from '#src/common/errors/domain.error';

interface Waiter {
  readonly organizationId: string;
  readonly grant: () => void;
}

/**
 * Admission control for database work done on behalf of API requests. At most `total` operations run at
 * once (the rest of the connection pool stays free for health checks, the scheduler and syncs), and at
 * most `perOrganization` of them for one organization, so one tenant's burst queues behind itself instead
 * of in front of everyone. Waiters are served in arrival order among those whose organization has room;
 * a waiter that gets no slot within `waitMs` fails with SERVICE_BUSY.
 */
export class QueryGate {
  private running = 0;
  private readonly byOrganization = new Map<string, number>();
  private readonly queue: Waiter[] = [];

  constructor(
    readonly total: number,
    readonly perOrganization: number,
    private readonly waitMs: number,
  ) {}

  /** Operations of the organization waiting for a slot (metrics, tests). */
  waiting(organizationId: string): number {
    return this.queue.filter((w) => w.organizationId === organizationId).length;
  }

  /** Resolves with a release function once a slot is held. */
  async acquire(organizationId: string): Promise<() => void> {
    if (!this.hasRoom(organizationId)) {
      await new Promise<void>((resolve, reject) => {
        const waiter: Waiter = {
          organizationId,
          grant: () => {
            clearTimeout(timer);
            resolve();
          },
        };
        const timer = setTimeout(() => {
          const index = this.queue.indexOf(waiter);
          if (index >= 0) this.queue.splice(index, 1);
          reject(new DomainError('SERVICE_BUSY', 'The service is busy; retry shortly'));
        }, this.waitMs);
        this.queue.push(waiter);
      });
    } else {
      this.take(organizationId);
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running -= 1;
      const left = (this.byOrganization.get(organizationId) ?? 1) - 1;
      if (left === 0) this.byOrganization.delete(organizationId);
      else this.byOrganization.set(organizationId, left);
      this.admit();
    };
  }

  private hasRoom(organizationId: string): boolean {
    return this.running < this.total && (this.byOrganization.get(organizationId) ?? 0) < this.perOrganization;
  }

  private take(organizationId: string): void {
    this.running += 1;
    this.byOrganization.set(organizationId, (this.byOrganization.get(organizationId) ?? 0) + 1);
  }

  /** Hands freed slots to the oldest waiters whose organization is under its share. */
  private admit(): void {
    for (let i = 0; i < this.queue.length && this.running < this.total;) {
      const waiter = this.queue[i] as Waiter;
      if (this.hasRoom(waiter.organizationId)) {
        this.queue.splice(i, 1);
        this.take(waiter.organizationId);
        waiter.grant();
      } else {
        i += 1;
      }
    }
  }
}
