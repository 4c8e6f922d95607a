import { type PresentedToken } from '#src/modules/connectors/connector-driver.port';
import { dpopProof, type DpopNonces } from './dpop';
import { type SigningKey } from './jwk';

/** A bearer token (RFC 6750): `Authorization: Bearer`. */
export class BearerToken implements PresentedToken {
  readonly scheme = 'Bearer' as const;

  constructor(readonly value: string) {}

  headers(): Record<string, string> {
    return { authorization: `Bearer ${this.value}` };
  }

  useNonce(): boolean {
    return false;
  }
}

/**
 * A DPoP-bound token (RFC 9449 §7): `Authorization: DPoP`, and a fresh proof per request with `ath` and the
 * resource server's latest nonce for the connection.
 */
export class DpopBoundToken implements PresentedToken {
  readonly scheme = 'DPoP' as const;

  constructor(
    readonly value: string,
    private readonly connectionId: string,
    private readonly key: SigningKey,
    private readonly nonces: DpopNonces,
  ) {}

  headers(method: string, url: string): Record<string, string> {
    return {
      authorization: `DPoP ${this.value}`,
      dpop: dpopProof({
        key: this.key,
        method,
        url,
        accessToken: this.value,
        nonce: this.nonces.get(this.connectionId, 'api', url),
      }),
    };
  }

  useNonce(url: string, nonce: string): boolean {
    this.nonces.set(this.connectionId, 'api', url, nonce);
    return true;
  }
}
