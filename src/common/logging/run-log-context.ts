import { AsyncLocalStorage } from 'node:async_hooks';

const storage = new AsyncLocalStorage<{ readonly runId: string }>();

/**
 * The sync run a piece of work belongs to, for log lines only: every line logged inside `run` carries the
 * run's id (the logger's mixin reads it, with the organization from `OrgContext`).
 */
export const RunLogContext = {
  run<T>(runId: string, fn: () => T): T {
    return storage.run({ runId }, fn);
  },

  runId(): string | undefined {
    return storage.getStore()?.runId;
  },
} as const;
