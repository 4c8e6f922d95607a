import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';

export interface Subscription<T> {
  /** Events received so far. */
  readonly events: T[];
  /** Resolves when the server has acknowledged the connection; rejects when it closes it. */
  readonly connected: Promise<void>;
  /** Resolves with the close code when the socket closes. */
  readonly closed: Promise<number>;
  next(timeoutMs?: number): Promise<T>;
  dispose(): Promise<void>;
}

/** A real graphql-ws client over a WebSocket to the test app. */
export function subscribe<T>(httpUrl: string, query: string, authorization?: string): Subscription<T> {
  const events: T[] = [];
  const waiters: ((value: T) => void)[] = [];
  let onConnected: () => void = () => undefined;
  let onRefused: (error: Error) => void = () => undefined;
  let onClosed: (code: number) => void = () => undefined;
  const connected = new Promise<void>((resolve, reject) => {
    onConnected = resolve;
    onRefused = reject;
  });
  const closed = new Promise<number>((resolve) => (onClosed = resolve));
  connected.catch(() => undefined);

  const client: Client = createClient({
    url: `${httpUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => undefined,
    connectionParams: authorization === undefined ? {} : { authorization },
    on: {
      connected: () => onConnected(),
      closed: (event) => {
        const code = (event as { code?: number }).code ?? 0;
        onRefused(new Error(`closed ${code}`));
        onClosed(code);
      },
    },
  });
  client.subscribe<T>(
    { query },
    {
      next: (value) => {
        const data = value.data as T;
        const waiter = waiters.shift();
        if (waiter) waiter(data);
        else events.push(data);
      },
      error: () => undefined,
      complete: () => undefined,
    },
  );
  return {
    events,
    connected,
    closed,
    next(timeoutMs = 5000) {
      const queued = events.shift();
      if (queued !== undefined) return Promise.resolve(queued);
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no subscription event within timeout')), timeoutMs);
        waiters.push((value) => {
          clearTimeout(timer);
          resolve(value);
        });
      });
    },
    dispose: () => client.dispose() as Promise<void>,
  };
}
