import { type VendorOrigin } from '#src/common/net/outbound-guard';
import {
  type ConnectorAuth,
  type OAuthClient,
  type RevocationOutcome,
  type ScopeCheck,
  type ServiceAppAuth,
  type TokenSet,
} from '#src/modules/connectors/connector-driver.port';
import { ClientCredentialsClient } from '#src/modules/connectors/oauth/client-credentials.client';
import { BearerToken, DpopBoundToken } from '#src/modules/connectors/oauth/presented-token';
import { OAuth2Authorize } from '#src/modules/connectors/oauth/oauth2-authorize';
import { OAuth2TokenClient, type OAuthServer } from '#src/modules/connectors/oauth/oauth2-token.client';
import { parseOktaDomain } from './okta-domain';
import {
  checkGrantedScopes,
  OPTIONAL_OKTA_SCOPES,
  REQUESTED_SCOPES,
  REQUIRED_OKTA_SCOPES,
} from './okta-scopes';

/** How long a service app refused the optional scopes is asked for the required ones alone. */
const OPTIONAL_RETRY_MS = 24 * 3_600_000;

/** What a service app asks for besides the read scopes, if the customer granted them. */
const OPTIONAL_SCOPES = OPTIONAL_OKTA_SCOPES.map((o) => o.scope);

/**
 * Okta's org authorization server (`/oauth2/v1/authorize`, `/token`, `/revoke`) for a connection's own OIDC
 * web app: authorization code with PKCE, the client secret sent as the app's client authentication says.
 * Or, for an API Services app (`serviceApp`): client credentials with `private_key_jwt`, the four read
 * scopes (and `okta.roles.read` when the app was granted it), and DPoP when the app requires it (Okta's default for new service apps).
 */
export class OktaAuth implements ConnectorAuth {
  private readonly authorize: OAuth2Authorize;
  private readonly tokens: OAuth2TokenClient;
  private readonly clientCredentials: ClientCredentialsClient;
  /** Service-app connections whose app Okta refused the optional scopes to, and when (per process). */
  private readonly optionalRefused = new Map<string, number>();
  readonly serviceApp: ServiceAppAuth = {
    token: async (client, nonces) => {
      const refusedAt = this.optionalRefused.get(client.connectionId);
      const optional =
        refusedAt !== undefined && Date.now() - refusedAt < OPTIONAL_RETRY_MS ? [] : OPTIONAL_SCOPES;
      const tokens = await this.clientCredentials.token(
        this.server(client.externalTenant),
        client,
        REQUIRED_OKTA_SCOPES,
        nonces,
        optional,
      );
      // Okta refuses a request naming a scope the app lacks (then asked again without it): not asking for a
      // day spares that refusal on every token.
      const granted = (tokens.scope ?? '').split(' ');
      if (optional.length > 0 && !optional.every((scope) => granted.includes(scope)))
        this.optionalRefused.set(client.connectionId, Date.now());
      return tokens;
    },
    revoke: (client, accessToken) =>
      this.clientCredentials.revoke(this.server(client.externalTenant), client, accessToken),
    present: (client, tokens, nonces) =>
      tokens.tokenType === 'DPoP'
        ? new DpopBoundToken(tokens.accessToken, client.connectionId, client.keys.dpop, nonces)
        : new BearerToken(tokens.accessToken),
  };

  constructor(
    private readonly allowedInsecureHosts: readonly string[],
    timeoutMs: number,
  ) {
    this.authorize = new OAuth2Authorize(timeoutMs);
    this.tokens = new OAuth2TokenClient(timeoutMs);
    this.clientCredentials = new ClientCredentialsClient(timeoutMs);
  }

  parseExternalTenant(input: string): string {
    return parseOktaDomain(input, this.allowedInsecureHosts).domain;
  }

  /** The org's origin (the domain was validated when the connection was made). */
  origin(externalTenant: string): VendorOrigin {
    return parseOktaDomain(externalTenant, this.allowedInsecureHosts);
  }

  authorizeUrl(
    client: Omit<OAuthClient, 'clientSecret' | 'authMethod'>,
    persistVerifier: (verifier: string) => Promise<string>,
  ): Promise<string> {
    const { baseUrl } = this.origin(client.externalTenant);
    return this.authorize.url(
      {
        vendor: 'Okta',
        authorizationUrl: `${baseUrl}/oauth2/v1/authorize`,
        tokenUrl: `${baseUrl}/oauth2/v1/token`,
        clientId: client.clientId,
        redirectUri: client.redirectUri,
        scopes: REQUESTED_SCOPES,
      },
      persistVerifier,
    );
  }

  exchangeCode(client: OAuthClient, code: string, verifier: string): Promise<TokenSet> {
    return this.tokens.exchangeCode(this.server(client.externalTenant), client, code, verifier);
  }

  checkScopes(granted: string | undefined): ScopeCheck {
    return checkGrantedScopes(granted);
  }

  refresh(client: Omit<OAuthClient, 'redirectUri'>, refreshToken: string): Promise<TokenSet> {
    return this.tokens.refresh(this.server(client.externalTenant), client, refreshToken);
  }

  revoke(
    client: Omit<OAuthClient, 'redirectUri'>,
    token: string | undefined,
    hint: 'refresh_token' | 'access_token',
  ): Promise<RevocationOutcome> {
    return this.tokens.revoke(this.server(client.externalTenant), client, token, hint);
  }

  private server(externalTenant: string): OAuthServer {
    return {
      vendor: 'Okta',
      origin: this.origin(externalTenant),
      tokenPath: '/oauth2/v1/token',
      revokePath: '/oauth2/v1/revoke',
    };
  }
}
