import { type VendorOrigin } from '#src/common/net/outbound-guard';
import {
  type ConnectorAuth,
  type OAuthClient,
  type RevocationOutcome,
  type ScopeCheck,
  type TokenSet,
} from '#src/modules/connectors/connector-driver.port';
import { OAuth2Authorize } from '#src/modules/connectors/oauth/oauth2-authorize';
import { OAuth2TokenClient, type OAuthServer } from '#src/modules/connectors/oauth/oauth2-token.client';
import { parseOktaDomain } from './okta-domain';
import { checkGrantedScopes, REQUESTED_SCOPES } from './okta-scopes';

/**
 * Okta's org authorization server (`/oauth2/v1/authorize`, `/token`, `/revoke`) for a connection's own OIDC
 * web app: authorization code with PKCE, the client secret sent as the app's client authentication says.
 */
export class OktaAuth implements ConnectorAuth {
  private readonly authorize: OAuth2Authorize;
  private readonly tokens: OAuth2TokenClient;

  constructor(
    private readonly allowedInsecureHosts: readonly string[],
    timeoutMs: number,
  ) {
    this.authorize = new OAuth2Authorize(timeoutMs);
    this.tokens = new OAuth2TokenClient(timeoutMs);
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
