import { request } from '#src/common/net/http-client';
import { type VendorOrigin } from '#src/common/net/outbound-guard';
import {
  type ClientAuthMethod,
  OAuthExchangeError,
  type RevocationOutcome,
  type TokenSet,
} from '#src/modules/connectors/connector-driver.port';

/** Where one connection's vendor authorization server is, and what to call the vendor in messages. */
export interface OAuthServer {
  /** The vendor, as admins know it (for messages). */
  readonly vendor: string;
  /**
   * Where the authorization server is: from `parsePublicHost`, which lets only allow-listed hosts reach
   * loopback or private addresses.
   */
  readonly origin: VendorOrigin;
  /** Paths on the origin, e.g. `/oauth2/v1/token`. */
  readonly tokenPath: string;
  readonly revokePath: string;
}

export interface TokenClientCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly authMethod: ClientAuthMethod;
}

/**
 * An OAuth 2.0 client's calls to the token and revocation endpoints (RFC 6749, RFC 7009): the code exchange
 * (with the PKCE verifier), refresh and revocation. The client secret goes the way the connection's vendor
 * app expects: `CLIENT_SECRET_BASIC` in an HTTP Basic header, `CLIENT_SECRET_POST` in the form. Requests go
 * through the SSRF-guarded HTTP client. Errors carry only OAuth error codes, never token values.
 */
export class OAuth2TokenClient {
  constructor(private readonly timeoutMs = 15_000) {}

  async exchangeCode(
    server: OAuthServer,
    client: TokenClientCredentials & { readonly redirectUri: string },
    code: string,
    verifier: string,
  ): Promise<TokenSet> {
    const response = await this.post(server, client, server.tokenPath, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: client.redirectUri,
      code_verifier: verifier,
    });
    return this.tokens(server, client, response, 'refused the authorization code');
  }

  async refresh(
    server: OAuthServer,
    client: TokenClientCredentials,
    refreshToken: string,
  ): Promise<TokenSet> {
    const response = await this.post(server, client, server.tokenPath, {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
    });
    return this.tokens(server, client, response, 'refused to refresh the access token');
  }

  /** Best effort: reports what happened instead of throwing (RFC 7009: 200 even for unknown tokens). */
  async revoke(
    server: OAuthServer,
    client: TokenClientCredentials,
    token: string | undefined,
    hint: 'refresh_token' | 'access_token',
  ): Promise<RevocationOutcome> {
    if (token === undefined) return 'no_token';
    try {
      const response = await this.post(server, client, server.revokePath, { token, token_type_hint: hint });
      if (response.status === 200) return 'revoked';
      const code = parseJson(response.body)?.error;
      return `failed: ${typeof code === 'string' ? code : `HTTP ${response.status}`}`;
    } catch (error) {
      return `failed: ${error instanceof OAuthExchangeError ? error.code : 'unreachable'}`;
    }
  }

  private tokens(
    server: OAuthServer,
    client: TokenClientCredentials,
    response: { status: number; body: string },
    refused: string,
  ): TokenSet {
    const body = parseJson(response.body);
    if (response.status !== 200) {
      const code = typeof body?.error === 'string' ? body.error : `http_${response.status}`;
      if (code === 'invalid_client') {
        const hint = `check the client secret, and that the ${server.vendor} app's client authentication is ${describe(client.authMethod)}`;
        throw new OAuthExchangeError(
          code,
          `${server.vendor} refused the client credentials (${code}): ${hint}`,
          hint,
        );
      }
      throw new OAuthExchangeError(code, `${server.vendor} ${refused} (${code})`);
    }
    if (typeof body?.access_token !== 'string')
      throw new OAuthExchangeError('invalid_response', `${server.vendor} returned no access token`);
    return {
      accessToken: body.access_token,
      refreshToken: typeof body.refresh_token === 'string' ? body.refresh_token : undefined,
      expiresInSeconds: typeof body.expires_in === 'number' ? body.expires_in : 3600,
      scope: typeof body.scope === 'string' ? body.scope : undefined,
    };
  }

  private async post(
    server: OAuthServer,
    client: TokenClientCredentials,
    path: string,
    form: Record<string, string>,
  ) {
    const basic = client.authMethod === 'CLIENT_SECRET_BASIC';
    // RFC 6749 §2.3.1: the id and secret are form-encoded before they are joined and base64-encoded.
    const credentials = `${formEncode(client.clientId)}:${formEncode(client.clientSecret)}`;
    const body = new URLSearchParams(
      basic ? form : { ...form, client_id: client.clientId, client_secret: client.clientSecret },
    ).toString();
    return postForm(server, `${server.origin.baseUrl}${path}`, body, this.timeoutMs, {
      ...(basic ? { authorization: `Basic ${Buffer.from(credentials).toString('base64')}` } : {}),
    });
  }
}

function describe(method: ClientAuthMethod): string {
  return method === 'CLIENT_SECRET_BASIC'
    ? '"Client secret" sent in an HTTP Basic header (CLIENT_SECRET_BASIC)'
    : '"Client secret" sent in the request body (CLIENT_SECRET_POST)';
}

/** `application/x-www-form-urlencoded` encoding of one value (spaces as "+"). */
function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * POSTs a form to an authorization server's endpoint (token, revoke): bounded in time and size, on the
 * vendor's allowed addresses only; a transport failure is an OAuthExchangeError (`timeout` or `unreachable`)
 * naming the vendor, never the request.
 */
export async function postForm(
  server: OAuthServer,
  url: string,
  body: string,
  timeoutMs: number,
  headers: Record<string, string>,
): Promise<Awaited<ReturnType<typeof request>>> {
  try {
    return await request(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        ...headers,
      },
      body,
      timeoutMs,
      allowPrivateAddresses: server.origin.allowPrivateAddresses,
      maxBodyBytes: 1024 * 1024,
    });
  } catch (error) {
    const reason = (error as { name?: string }).name === 'HttpTimeoutError' ? 'timeout' : 'unreachable';
    throw new OAuthExchangeError(
      reason,
      `${server.vendor}'s authorization server is ${reason === 'timeout' ? 'not answering' : 'unreachable'}`,
    );
  }
}
