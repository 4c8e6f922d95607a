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

/** How one graphql-ws operation ended. */
export type WsOutcome<T> =
  | { readonly kind: 'data'; readonly data: T | null | undefined; readonly errors?: readonly WsError[] }
  | { readonly kind: 'errors'; readonly errors: readonly WsError[] }
  | { readonly kind: 'closed'; readonly code: number };

export interface WsError {
  readonly message: string;
  readonly extensions?: { readonly code?: string } & Record<string, unknown>;
}

export interface WsSession {
  /** Resolves when the server has acknowledged the connection; rejects when it closes it. */
  readonly connected: Promise<void>;
  /** Resolves with the code of the first close of the socket. */
  readonly closed: Promise<number>;
  /** Runs one query or mutation over the socket. */
  execute<T>(
    query: string,
    variables?: Record<string, unknown>,
    operationName?: string,
  ): Promise<WsOutcome<T>>;
  /** Starts a subscription; its events are collected in `events`, its end (error or close) in `ended`. */
  listen<T>(query: string): { readonly events: T[]; readonly ended: Promise<WsOutcome<T>> };
  dispose(): Promise<void>;
}

function isCloseEvent(value: unknown): value is { code: number } {
  return typeof value === 'object' && value !== null && 'code' in value && typeof value.code === 'number';
}

/** One real graphql-ws client (one socket at a time, no retries) for queries, mutations and subscriptions. */
export function connectWs(httpUrl: string, authorization?: string): WsSession {
  let onConnected: () => void = () => undefined;
  let onRefused: (error: Error) => void = () => undefined;
  let onClosed: (code: number) => void = () => undefined;
  const connected = new Promise<void>((resolve, reject) => {
    onConnected = resolve;
    onRefused = reject;
  });
  connected.catch(() => undefined);
  const closed = new Promise<number>((resolve) => (onClosed = resolve));
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
        const code = isCloseEvent(event) ? event.code : 0;
        onRefused(new Error(`closed ${code}`));
        onClosed(code);
      },
    },
  });

  const run = <T>(
    query: string,
    variables: Record<string, unknown>,
    onData: (data: T) => void,
    operationName?: string,
  ) =>
    new Promise<WsOutcome<T>>((resolve) => {
      let last: WsOutcome<T> = { kind: 'data', data: undefined };
      client.subscribe<T>(
        { query, variables, ...(operationName === undefined ? {} : { operationName }) },
        {
          next: (value) => {
            if (value.data !== undefined && value.data !== null) onData(value.data);
            last = {
              kind: 'data',
              data: value.data,
              ...(value.errors ? { errors: value.errors } : {}),
            };
          },
          error: (error: unknown) =>
            resolve(
              isCloseEvent(error)
                ? { kind: 'closed', code: error.code }
                : { kind: 'errors', errors: (Array.isArray(error) ? error : [error]) as WsError[] },
            ),
          complete: () => resolve(last),
        },
      );
    });

  return {
    connected,
    closed,
    execute: (query, variables = {}, operationName) => run(query, variables, () => undefined, operationName),
    listen<T>(query: string) {
      const events: T[] = [];
      return { events, ended: run<T>(query, {}, (data) => events.push(data)) };
    },
    dispose: () => client.dispose() as Promise<void>,
  };
}
