/** The audit module's domain events (see `DomainEvents`). */
declare module '../../common/events/domain-events' {
  interface DomainEventMap {
    /** An entry was appended to the organization's chain: its new head. */
    'audit.appended': { readonly seq: number; readonly hash: string; readonly at: Date };
  }
}

export {};
