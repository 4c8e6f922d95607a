import { type PresentedToken } from '#src/modules/connectors/connector-driver.port';

/** Where a run's tokens come from (`AccessTokenSource` for `PresentedToken`). */
export interface TokenStore<T> {
  current(): Promise<T>;
  refreshed(): Promise<T>;
}

/** How long a run reuses an access token before asking the store again (which also re-reads the connection). */
export const TOKEN_RECHECK_MS = 1000;

/**
 * The access token of one run's connection, asked of the store (`AccessTokenProvider`: a read of the
 * connection and of its credentials) at most once per `recheckMs`, however many API calls the run makes,
 * and once for all callers that ask at the same moment. A revocation or a re-authorization is still seen
 * within `recheckMs`, and a token is never reused past its refresh margin (minutes, far longer).
 */
export class RunTokenSource<T = PresentedToken> implements TokenStore<T> {
  private token: { value: T; at: number } | undefined;
  private asking: Promise<T> | undefined;
  private refreshing: Promise<T> | undefined;

  constructor(
    private readonly store: TokenStore<T>,
    private readonly recheckMs = TOKEN_RECHECK_MS,
    private readonly now: () => number = Date.now,
  ) {}

  current(): Promise<T> {
    if (this.token !== undefined && this.now() - this.token.at < this.recheckMs)
      return Promise.resolve(this.token.value);
    this.asking ??= this.remember(this.store.current());
    return this.asking;
  }

  /**
   * The API rejected the token: asks the store for a new one, once for all callers whose requests were
   * rejected while that refresh is under way.
   */
  refreshed(): Promise<T> {
    this.token = undefined;
    if (this.refreshing === undefined) {
      const refresh = this.remember(this.store.refreshed());
      this.refreshing = refresh;
      const settled = (): void => {
        if (this.refreshing === refresh) this.refreshing = undefined;
      };
      refresh.then(settled, settled);
    }
    return this.refreshing;
  }

  private remember(asked: Promise<T>): Promise<T> {
    const at = this.now();
    const answer = asked.then((value) => {
      this.token = { value, at };
      return value;
    });
    const settled = (): void => {
      if (this.asking === answer) this.asking = undefined;
    };
    answer.then(settled, settled);
    return answer;
  }
}
