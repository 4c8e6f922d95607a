import { type AccessTokenSource } from '#src/modules/connectors/connector-driver.port';

/** How long a run reuses an access token before asking the store again (which also re-reads the connection). */
export const TOKEN_RECHECK_MS = 1000;

/**
 * The access token of one run's connection, asked of the store (`AccessTokenProvider`: a read of the
 * connection and of its credentials) at most once per `recheckMs`, however many API calls the run makes,
 * and once for all callers that ask at the same moment. A revocation or a re-authorization is still seen
 * within `recheckMs`, and a token is never reused past its refresh margin (minutes, far longer).
 */
export class RunTokenSource implements AccessTokenSource {
  private token: { value: string; at: number } | undefined;
  private asking: Promise<string> | undefined;
  private refreshing: Promise<string> | undefined;

  constructor(
    private readonly store: AccessTokenSource,
    private readonly recheckMs = TOKEN_RECHECK_MS,
    private readonly now: () => number = Date.now,
  ) {}

  current(): Promise<string> {
    if (this.token !== undefined && this.now() - this.token.at < this.recheckMs)
      return Promise.resolve(this.token.value);
    this.asking ??= this.remember(this.store.current());
    return this.asking;
  }

  /**
   * The API rejected the token: asks the store for a new one, once for all callers whose requests were
   * rejected while that refresh is under way.
   */
  refreshed(): Promise<string> {
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

  private remember(asked: Promise<string>): Promise<string> {
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
