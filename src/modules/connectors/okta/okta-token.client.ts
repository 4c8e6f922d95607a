import { request } from '#src/common/net/http-client';
import { type OktaClientCredentials, OAuthExchangeError, type TokenSet } from './okta-oauth.adapter';

export type RevocationOutcome = 'revoked' | 'no_token' | `failed: ${string}`;

/**
 * Refresh and revocation at Okta's org authorization server (`/oauth2/v1/token`, `/oauth2/v1/revoke`),
 * client_secret_post like the passport exchange. Errors carry only OAuth error codes, never token values.
 */
export class OktaTokenClient {
  constructor(private readonly timeoutMs = 15_000) {}

  async refresh(client: Omit<OktaClientCredentials, 'redirectUri'>, refreshToken: string): Promise<TokenSet> {
    const response = await this.post(client, '/oauth2/v1/token', {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
    });
    const body = parseJson(response.body);
    if (response.status !== 200) {
      const code = typeof body?.error === 'string' ? body.error : `http_${response.status}`;
      throw new OAuthExchangeError(code, `Okta refused to refresh the access token (${code})`);
    }
    if (typeof body?.access_token !== 'string')
      throw new OAuthExchangeError('invalid_response', 'Okta returned no access token');
    return {
      accessToken: body.access_token,
      refreshToken: typeof body.refresh_token === 'string' ? body.refresh_token : undefined,
      expiresInSeconds: typeof body.expires_in === 'number' ? body.expires_in : 3600,
      scope: typeof body.scope === 'string' ? body.scope : undefined,
    };
  }

  /** Best effort: reports what happened instead of throwing. Okta answers 200 even for unknown tokens. */
  async revoke(
    client: Omit<OktaClientCredentials, 'redirectUri'>,
    token: string | undefined,
    hint: 'refresh_token' | 'access_token',
  ): Promise<RevocationOutcome> {
    if (token === undefined) return 'no_token';
    try {
      const response = await this.post(client, '/oauth2/v1/revoke', { token, token_type_hint: hint });
      if (response.status === 200) return 'revoked';
      const code = parseJson(response.body)?.error;
      return `failed: ${typeof code === 'string' ? code : `HTTP ${response.status}`}`;
    } catch (error) {
      return `failed: ${error instanceof OAuthExchangeError ? error.code : 'unreachable'}`;
    }
  }

  private async post(
    client: Omit<OktaClientCredentials, 'redirectUri'>,
    path: string,
    form: Record<string, string>,
  ) {
    const body = new URLSearchParams({
      ...form,
      client_id: client.clientId,
      client_secret: client.clientSecret,
    }).toString();
    try {
      return await request(`${client.origin.baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
        timeoutMs: this.timeoutMs,
        allowPrivateAddresses: client.origin.allowPrivateAddresses,
        maxBodyBytes: 1024 * 1024,
      });
    } catch (error) {
      const reason = (error as { name?: string }).name === 'HttpTimeoutError' ? 'timeout' : 'unreachable';
      throw new OAuthExchangeError(
        reason,
        `Okta's authorization server is ${reason === 'timeout' ? 'not answering' : 'unreachable'}`,
      );
    }
  }
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
