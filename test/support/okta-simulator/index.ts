import { FakeOktaAuthServer, type FakeOktaOptions } from '../okta-oauth-server';
import { OktaApi } from './okta-api';
import { OktaOrgState } from './org-state';

export { OktaOrgState } from './org-state';
export type { Fault, RateLimitConfig } from './okta-api';

/**
 * A stateful fake Okta org over real HTTP on loopback: the org authorization server (oidc-provider at
 * Okta's paths) and the management API (`/api/v1/users`, factors, policies, groups, logs) on one origin,
 * like a real `acme.okta.com`. API calls are authorized with the access tokens the OAuth server issued.
 */
export class OktaSimulator {
  private constructor(
    readonly oauth: FakeOktaAuthServer,
    readonly api: OktaApi,
  ) {}

  static async start(
    options: FakeOktaOptions & { users?: number; seed?: number; state?: OktaOrgState },
  ): Promise<OktaSimulator> {
    const oauth = await FakeOktaAuthServer.start(options);
    const state = options.state ?? OktaOrgState.seed({ users: options.users ?? 50, seed: options.seed ?? 7 });
    const api = new OktaApi(
      state,
      () => oauth.url,
      async (token) => {
        // A web app's token (authorization code), or a service app's (client credentials).
        const at =
          (await oauth.provider.AccessToken.find(token)) ??
          (await oauth.provider.ClientCredentials.find(token));
        if (at === undefined) return undefined;
        return {
          scopes: (at.scope ?? '').split(' ').filter((s) => s !== ''),
          expired: at.isExpired,
          ...(at.jkt === undefined ? {} : { jkt: at.jkt }),
        };
      },
      {
        requiredNonce: () => (oauth.requireDpopNonce ? oauth.dpopNonce() : undefined),
        nonceLoop: () => oauth.dpopNonceLoop === 'api',
      },
    );
    oauth.api = (req, res) => api.handle(req, res);
    return new OktaSimulator(oauth, api);
  }

  get state(): OktaOrgState {
    return this.api.state;
  }

  get url(): string {
    return this.oauth.url;
  }

  get host(): string {
    return this.oauth.host;
  }

  close(): Promise<void> {
    return this.oauth.close();
  }
}
