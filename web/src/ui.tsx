import { type ReactNode } from 'react';
import { type CombinedError } from 'urql';

export function Loading({ what }: { what: string }) {
  return (
    <p role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

/** A GraphQL or network error, in words. */
export function ErrorMessage({ error }: { error: CombinedError | undefined }) {
  if (error === undefined) return null;
  return (
    <p className="error" role="status">
      {describe(error)}
    </p>
  );
}

export function describe(error: CombinedError): string {
  if (error.networkError !== undefined) return 'The server could not be reached. Try again in a moment.';
  return error.graphQLErrors.map((e) => e.message).join(' ') || error.message;
}

/** The field an error names (`extensions.field`), if any. */
export function errorField(error: CombinedError | undefined): string | undefined {
  const field = error?.graphQLErrors[0]?.extensions?.field;
  return typeof field === 'string' ? field : undefined;
}

export function errorCode(error: CombinedError | undefined): string | undefined {
  const code = error?.graphQLErrors[0]?.extensions?.code;
  return typeof code === 'string' ? code : undefined;
}

export function when(value: string | null | undefined): string {
  return value === null || value === undefined ? '—' : new Date(value).toLocaleString();
}

/** urql gives `data: null` alongside errors, `undefined` before the first result: both mean "no data". */
export function present<T>(value: T | null | undefined): value is T {
  return value !== null && value !== undefined;
}
