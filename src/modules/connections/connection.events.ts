/** The connections module's domain events (see `DomainEvents`). */
declare module '../../common/events/domain-events' {
  interface DomainEventMap {
    /** A connection was authorized (connected or re-authorized): its tokens are stored and it is ACTIVE. */
    'connection.authorized': { readonly connectionId: string; readonly purpose: 'CONNECT' | 'REAUTH' };
    /** A connection cannot be read until an admin authorizes it again. */
    'connection.needsReauth': { readonly connectionId: string; readonly reason: string };
    /** A connection was revoked (soft-deleted, its credentials gone); emitted once. */
    'connection.revoked': { readonly connectionId: string };
  }
}

export {};
