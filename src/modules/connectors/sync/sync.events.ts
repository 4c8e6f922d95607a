import { type RunStatus } from './connector-run.schema';

/** The sync module's domain events (see `DomainEvents`). */
declare module '../../../common/events/domain-events' {
  interface DomainEventMap {
    /** A run ended (any status but RUNNING), emitted in its organization's context. */
    'sync.finished': {
      readonly connectionId: string;
      readonly runId: string;
      readonly status: Exclude<RunStatus, 'RUNNING'>;
    };
  }
}
