import { type EvidenceItem } from '#src/modules/evidence/evidence.types';
import { type ConnectorDefinition } from './connector-definition';

/** How a connection authenticates to the vendor's token endpoint with its client secret (RFC 6749 §2.3.1). */
export const CLIENT_AUTH_METHODS = ['CLIENT_SECRET_BASIC', 'CLIENT_SECRET_POST'] as const;
export type ClientAuthMethod = (typeof CLIENT_AUTH_METHODS)[number];

/** Counters a collector keeps about its calls to the vendor. */
export interface ApiStats {
  apiCalls: number;
  pages: number;
  rateLimitWaits: number;
  rateLimitWaitMs: number;
  retries: number;
}

/** Per-connection incremental state, kept between runs (ISO timestamps). */
export type SyncCursor = Readonly<Record<string, string>>;

/** How long a run may take: vendor clients must not wait past `deadline`, and stop when `signal` aborts. */
export interface RunBounds {
  readonly deadline: Date;
  /** Aborted when the run must stop (deadline passed, shutdown, lease lost); its `reason` is what to throw. */
  readonly signal: AbortSignal;
}

/** One run of a connection: when it started, and the incremental state the previous runs left. */
export interface RunContext extends RunBounds {
  readonly now: Date;
  readonly cursor: SyncCursor;
}

/** What a collector sees of its run. */
export interface CollectorContext extends RunContext {
  /**
   * The collector's `carries` fields of an item's current stored row (read once at the start of the run),
   * for carrying state forward instead of re-fetching it; undefined for an item without a current row.
   */
  carried(sourceId: string): Record<string, unknown> | undefined;
}

/** One evidence type from one vendor: streams batches of items with bounded memory. */
export interface Collector {
  readonly evidenceType: string;
  readonly endpoint: string;
  readonly filter: string;
  /** Items not seen in a complete collection stop being current (false for append-only facts like events). */
  readonly closesVanished: boolean;
  /** Fields of an item's stored data the collector may reuse (`CollectorContext.carried`); none by default. */
  readonly carries?: readonly string[];
  readonly stats: ApiStats;
  collect(context: CollectorContext): AsyncGenerator<EvidenceItem[]>;
  /** Cursor fields to persist once `collect` completed. */
  cursorAfter(context: RunContext): Record<string, string>;
}

export interface DriverConnection {
  readonly id: string;
  readonly oktaDomain: string;
}

/** Supplies and renews the vendor access token for one connection. */
export interface AccessTokenSource {
  current(): Promise<string>;
  refreshed(): Promise<string>;
}

/** What a connector implements. Adding a connector is a folder with its driver and one registry line. */
export interface ConnectorDriver {
  readonly definition: ConnectorDefinition;
  collectors(connection: DriverConnection, tokens: AccessTokenSource): Collector[];
}
