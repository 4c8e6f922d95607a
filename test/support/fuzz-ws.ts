import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { type GraphqlPayload } from './fuzz-schema';

/** What one subscription has seen so far. */
export interface SubscriptionOutcome {
  readonly payload: GraphqlPayload;
  /** Every message the server sent for it, as the JSON text a client would read. */
  readonly messages: string[];
  /** `error` when the server refused it, `close <code>` when the socket closed under it. */
  ended?: string;
}

/** One real graphql-ws socket carrying many subscriptions, every message and ending recorded. */
export class FuzzSocket {
  readonly outcomes: SubscriptionOutcome[] = [];
  private readonly client: Client;
  private closeCode: number | undefined;
  private readonly changed = new Set<() => void>();

  constructor(httpUrl: string, authorization: string) {
    this.client = createClient({
      url: `${httpUrl.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: false,
      onNonLazyError: () => undefined,
      connectionParams: { authorization },
      on: {
        closed: (event) => {
          this.closeCode = (event as { code?: number }).code ?? 0;
          this.notify();
        },
      },
    });
  }

  get closedWith(): number | undefined {
    return this.closeCode;
  }

  subscribe(payload: GraphqlPayload): SubscriptionOutcome {
    const outcome: SubscriptionOutcome = { payload, messages: [] };
    this.outcomes.push(outcome);
    this.client.subscribe(payload as { query: string; variables?: Record<string, unknown> }, {
      next: (value) => {
        outcome.messages.push(JSON.stringify(value));
        this.notify();
      },
      error: (error: unknown) => {
        if (Array.isArray(error)) {
          outcome.messages.push(JSON.stringify({ errors: error }));
          outcome.ended = 'error';
        } else {
          const code = (error as { code?: unknown }).code;
          outcome.ended = `close ${typeof code === 'number' ? code : String(error)}`;
        }
        this.notify();
      },
      complete: () => {
        outcome.ended ??= 'complete';
        this.notify();
      },
    });
    return outcome;
  }

  /** Resolves once `done()` holds, re-checked on every message; rejects after `timeoutMs`. */
  until(done: () => boolean, timeoutMs: number): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (!done()) return;
        clearTimeout(timer);
        this.changed.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.changed.delete(check);
        reject(new Error(`condition not reached within ${timeoutMs} ms`));
      }, timeoutMs);
      this.changed.add(check);
    });
  }

  dispose(): Promise<void> {
    return this.client.dispose() as Promise<void>;
  }

  private notify(): void {
    for (const listener of [...this.changed]) listener();
  }
}
