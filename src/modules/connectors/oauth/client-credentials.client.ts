import {
  OAuthExchangeError,
  type RevocationOutcome,
  type ServiceAppClient,
  type ServiceAppTokenSet,
} from '#src/modules/connectors/connector-driver.port';
import { CLIENT_ASSERTION_TYPE, clientAssertion } from './client-assertion';
import { dpopProof, type DpopNonces, MAX_DPOP_NONCE_CHALLENGES, nonceLoopReason, validNonce } from './dpop';
import { type OAuthServer, postForm } from './oauth2-token.client';

/**
 * A service app's calls to the token and revocation endpoints: the client-credentials grant (RFC 6749 §4.4)
 * with a `private_key_jwt` client assertion (RFC 7523) made fresh for each request, and DPoP (RFC 9449).
 *
 * DPoP is sent when the vendor demands it (`invalid_dpop_proof` on a request without a proof), or from the
 * start when the connection's token was DPoP-bound before: an app that does not require DPoP keeps plain
 * bearer tokens, one that does costs a single extra round trip once. A `use_dpop_nonce` answer is retried
 * with the nonce it carries, and the latest nonce is remembered for the next requests; after
 * `MAX_DPOP_NONCE_CHALLENGES` challenges for one request, it fails saying so. Errors carry OAuth codes and
 * fixed hints, never a token, an assertion or a key.
 */
export class ClientCredentialsClient {
  constructor(private readonly timeoutMs = 15_000) {}

  async token(
    server: OAuthServer,
    client: ServiceAppClient,
    scopes: readonly string[],
    nonces: DpopNonces,
    /** Scopes asked for too, unless the vendor refuses them (`invalid_scope`): then the request is made again without. */
    optional: readonly string[] = [],
  ): Promise<ServiceAppTokenSet> {
    const url = `${server.origin.baseUrl}${server.tokenPath}`;
    let asked = [...scopes, ...optional];
    let dpop = client.dpop;
    let demanded = false;
    let challenges = 0;
    for (;;) {
      const response = await this.post(
        server,
        url,
        client,
        {
          grant_type: 'client_credentials',
          scope: asked.join(' '),
        },
        dpop ? nonces : undefined,
      );
      const offered = validNonce(response.headers['dpop-nonce']);
      if (offered !== undefined) nonces.set(client.connectionId, 'token', url, offered);
      const body = parseJson(response.body);
      if (response.status === 200) return tokenSet(server, body);
      const code = typeof body?.error === 'string' ? body.error : `http_${response.status}`;
      const description = typeof body?.error_description === 'string' ? body.error_description : '';
      if (code === 'use_dpop_nonce' && dpop && offered !== undefined) {
        challenges += 1;
        if (challenges >= MAX_DPOP_NONCE_CHALLENGES)
          throw new OAuthExchangeError('use_dpop_nonce', nonceLoopReason(server.vendor));
        continue;
      }
      if (code === 'invalid_scope' && asked.length > scopes.length) {
        // The app was not granted an optional scope, and the vendor refuses the whole request for it.
        asked = [...scopes];
        continue;
      }
      if (!dpop && !demanded && dpopDemanded(code, description)) {
        // The app requires DPoP: not an error, the same request again with a proof.
        dpop = true;
        demanded = true;
        continue;
      }
      throw refused(server, code, description, scopes);
    }
  }

  /** Best effort: revokes an access token with the app's own client authentication. */
  async revoke(
    server: OAuthServer,
    client: ServiceAppClient,
    accessToken: string | undefined,
  ): Promise<RevocationOutcome> {
    if (accessToken === undefined) return 'no_token';
    const url = `${server.origin.baseUrl}${server.revokePath}`;
    try {
      const response = await this.post(server, url, client, {
        token: accessToken,
        token_type_hint: 'access_token',
      });
      if (response.status === 200) return 'revoked';
      const code = parseJson(response.body)?.error;
      return `failed: ${typeof code === 'string' ? code : `HTTP ${response.status}`}`;
    } catch (error) {
      return `failed: ${error instanceof OAuthExchangeError ? error.code : 'unreachable'}`;
    }
  }

  private async post(
    server: OAuthServer,
    url: string,
    client: ServiceAppClient,
    form: Record<string, string>,
    nonces?: DpopNonces,
  ) {
    const body = new URLSearchParams({
      ...form,
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: clientAssertion({
        clientId: client.clientId,
        audience: url,
        key: client.keys.client,
      }),
    }).toString();
    const proof =
      nonces === undefined
        ? undefined
        : dpopProof({
            key: client.keys.dpop,
            method: 'POST',
            url,
            nonce: nonces.get(client.connectionId, 'token', url),
          });
    return postForm(server, url, body, this.timeoutMs, proof === undefined ? {} : { dpop: proof });
  }
}

/** The vendor wants a DPoP proof on the token request (the app requires DPoP-bound tokens). */
function dpopDemanded(code: string, description: string): boolean {
  return code === 'invalid_dpop_proof' || (code === 'invalid_request' && /dpop/i.test(description));
}

const KEY_HINT =
  'paste the public key shown for this connection (its kid) into the app\'s "Public keys", then activate again';
const METHOD_HINT =
  'set the app\'s "Client authentication" to "Public key / Private key", add the public key shown for this connection, then activate again';

/** A refusal in the admin's terms; the vendor's description is only matched, never repeated. */
function refused(
  server: OAuthServer,
  code: string,
  description: string,
  requested: readonly string[],
): OAuthExchangeError {
  const vendor = server.vendor;
  if (code === 'invalid_client') {
    if (
      /client[_ ]secret|authentication method|assertion[_ ]type|not allowed|not configured/i.test(description)
    )
      return new OAuthExchangeError(
        code,
        `${vendor} refused the client assertion (invalid_client): the app must use "Public key / Private key" client authentication; ${METHOD_HINT}`,
        METHOD_HINT,
      );
    return new OAuthExchangeError(
      code,
      `${vendor} did not accept the signed client assertion (invalid_client): the app does not hold our public key; ${KEY_HINT}`,
      KEY_HINT,
    );
  }
  if (code === 'invalid_scope') {
    // Only our own scope names are repeated, never the vendor's text.
    const named = requested.filter((scope) => description.includes(scope));
    const which = named.length > 0 ? named.join(' ') : 'the read scopes';
    const hint = `grant the app ${which} on its "Okta API Scopes" tab`;
    return new OAuthExchangeError(
      code,
      `${vendor} refused the requested scopes (invalid_scope)${named.length > 0 ? `: missing ${which}` : ''}; ${hint}`,
      hint,
    );
  }
  if (code === 'unauthorized_client') {
    const hint = 'the app must be an API Services app allowed the Client Credentials grant';
    return new OAuthExchangeError(
      code,
      `${vendor} refused the client credentials grant (${code}): ${hint}`,
      hint,
    );
  }
  return new OAuthExchangeError(code, `${vendor} refused the client credentials grant (${code})`);
}

function tokenSet(server: OAuthServer, body: Record<string, unknown> | undefined): ServiceAppTokenSet {
  if (typeof body?.access_token !== 'string')
    throw new OAuthExchangeError('invalid_response', `${server.vendor} returned no access token`);
  const type = typeof body.token_type === 'string' ? body.token_type.toLowerCase() : 'bearer';
  return {
    accessToken: body.access_token,
    tokenType: type === 'dpop' ? 'DPoP' : 'Bearer',
    expiresInSeconds: typeof body.expires_in === 'number' ? body.expires_in : 3600,
    scope: typeof body.scope === 'string' ? body.scope : undefined,
  };
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
