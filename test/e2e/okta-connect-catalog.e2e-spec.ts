import { getModelToken } from '@nestjs/mongoose';
import { type Model, Types } from 'mongoose';

import { OAuthAttemptDocument } from '#src/modules/connections/connection.schema';

import { hashState } from '#src/modules/connections/oauth-flow.service';

import { errorCode } from '../support/test-app';
import {
  CALLBACK,
  CLIENT_ID,
  CLIENT_SECRET,
  CONNECT,
  type ConnectResult,
  OktaConnectSuite,
} from '../support/okta-connect-suite';

describe('Okta connection lifecycle: the catalog and the input of connectOkta (e2e, oidc-provider as Okta)', () => {
  const ctx = OktaConnectSuite.register();

  describe('the integration catalog', () => {
    it('describes Okta as the integration page does, with the redirect URI from PUBLIC_URL', async () => {
      const org = await ctx.t.createOrg();
      const result = await ctx.t.gql<{ integrations: Record<string, unknown>[]; missing: null }>(
        org.adminToken,
        `{ integrations { key name category authMethod syncCadence staleThreshold controls evidenceTypes requiredScopes
             optionalScopes { scope why } redirectUri setupSteps { title body } securityModel { title } connections { id } }
           missing: integration(key: "nope") { key } }`,
      );
      expect(result.data?.missing).toBeNull();
      expect(result.data?.integrations).toHaveLength(1);
      expect(result.data?.integrations[0]).toMatchObject({
        key: 'okta',
        name: 'Okta',
        category: 'Identity',
        authMethod: 'OAuth 2.0 (PKCE), or an API Services app (private key JWT, DPoP)',
        syncCadence: 'PT1H',
        staleThreshold: 'PT6H',
        controls: ['CC6.1', 'CC6.2', 'CC6.3'],
        evidenceTypes: [
          'okta.user_mfa',
          'okta.password_policy',
          'okta.deprovisioning_event',
          'okta.group_membership',
          'okta.authentication_policy',
          'okta.admin_role_assignment',
        ],
        requiredScopes: ['okta.users.read', 'okta.groups.read', 'okta.policies.read', 'okta.logs.read'],
        optionalScopes: [{ scope: 'okta.roles.read', why: expect.stringContaining('admin role') as string }],
        redirectUri: CALLBACK,
        connections: [],
      });
      const steps = result.data?.integrations[0]?.setupSteps as { title: string; body: string }[];
      expect(steps.map((s) => s.title)).toEqual([
        'Create an OAuth web app in Okta',
        'Grant the read-only Okta API scopes',
        'Copy the Client ID and Client Secret, then authorize',
        'Or connect an API Services app (no re-authorization every 90 days)',
      ]);
      expect(steps[0]?.body).toContain(CALLBACK);
      expect(steps[1]?.body).toMatch(/Optionally also grant okta\.roles\.read/);
    });

    it("lists the caller's own connections under the integration", async () => {
      const org = await ctx.t.createOrg();
      const other = await ctx.t.createOrg();
      const { id } = await ctx.connect(org, 'acme.okta.com');
      await ctx.connect(other, 'acme.okta.com');
      const result = await ctx.t.gql<{ integration: { connections: { id: string; status: string }[] } }>(
        org.adminToken,
        '{ integration(key: "okta") { connections { id status } } }',
      );
      expect(result.data?.integration.connections).toEqual([{ id, status: 'PENDING_AUTHORIZATION' }]);
    });
  });

  describe('connectOkta', () => {
    it.each<[string, string, RegExp]>([
      ['an http URL', 'http://acme.okta.com', /oktaDomain: must use https/],
      ['another scheme', 'ftp://acme.okta.com', /oktaDomain: must use https/],
      ['a path', 'acme.okta.com/oauth2', /oktaDomain: must be a bare host/],
      ['a port', 'acme.okta.com:8443', /oktaDomain: must not contain a port/],
      ['user info', 'admin@acme.okta.com', /oktaDomain: must not contain user info/],
      ['an IPv4 literal', '10.0.0.8', /oktaDomain: must be a host name, not an IP address/],
      ['an IPv6 literal', '[::1]', /oktaDomain: must be a host name, not an IP address/],
      ['localhost', 'localhost', /oktaDomain: must not be localhost/],
      ['a .localhost name', 'okta.localhost', /oktaDomain: must not be localhost/],
      ['a single label', 'intranet', /oktaDomain: is not a valid public host name/],
      ['an internal suffix', 'okta.corp', /oktaDomain: must be a public host name/],
    ])('refuses %s as oktaDomain with BAD_USER_INPUT', async (_name, oktaDomain, message) => {
      const org = await ctx.t.createOrg();
      const result = await ctx.t.gql(org.adminToken, CONNECT, {
        input: { oktaDomain, clientId: CLIENT_ID, clientSecret: 's' },
      });
      expect(errorCode(result)).toBe('BAD_USER_INPUT');
      expect(result.errors?.[0]?.message).toMatch(message);
      expect(result.errors?.[0]?.extensions?.field).toBe('oktaDomain');
    });

    it.each<[string, Record<string, string>, RegExp]>([
      ['an empty client secret', { clientSecret: '' }, /clientSecret is required/],
      ['an empty client id', { clientId: '' }, /clientId is required/],
      ['a client id with spaces', { clientId: 'a b' }, /clientId must contain only/],
      ['an empty domain', { oktaDomain: '' }, /oktaDomain is required/],
    ])('refuses %s with a message naming the field', async (_name, override, message) => {
      const org = await ctx.t.createOrg();
      const input = { oktaDomain: 'acme.okta.com', clientId: CLIENT_ID, clientSecret: 's', ...override };
      const result = await ctx.t.gql(org.adminToken, CONNECT, { input });
      expect(errorCode(result)).toBe('BAD_USER_INPUT');
      expect(result.errors?.[0]?.message).toMatch(message);
    });

    it('creates a PENDING_AUTHORIZATION connection and a PKCE S256 authorize URL with exactly the read-only scopes', async () => {
      const org = await ctx.t.createOrg();
      const result = await ctx.t.gql<ConnectResult>(org.adminToken, CONNECT, {
        input: {
          oktaDomain: 'https://Acme.OktaPreview.com/',
          clientId: CLIENT_ID,
          clientSecret: CLIENT_SECRET,
        },
      });
      const payload = result.data?.connectOkta;
      expect(payload?.connection).toMatchObject({
        status: 'PENDING_AUTHORIZATION',
        oktaDomain: 'acme.oktapreview.com',
        externalTenant: 'acme.oktapreview.com',
      });
      const url = new URL(payload?.authorizeUrl ?? '');
      expect(`${url.origin}${url.pathname}`).toBe('https://acme.oktapreview.com/oauth2/v1/authorize');
      const params = url.searchParams;
      expect(params.get('response_type')).toBe('code');
      expect(params.get('client_id')).toBe(CLIENT_ID);
      expect(params.get('redirect_uri')).toBe(CALLBACK);
      expect(params.get('scope')).toBe(
        'openid offline_access okta.users.read okta.groups.read okta.policies.read okta.logs.read okta.roles.read',
      );
      expect(params.get('code_challenge_method')).toBe('S256');
      expect(params.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const state = params.get('state') ?? '';
      ctx.states.add(state);
      expect(state).toMatch(/^[0-9a-f]{24}\.[A-Za-z0-9_-]{43}$/); // org id + 256 random bits
      expect(state.startsWith(org.organizationId)).toBe(true);

      const attempts = ctx.t.get<Model<OAuthAttemptDocument>>(getModelToken(OAuthAttemptDocument.name));
      const stored = await attempts
        .findOne({ organizationId: new Types.ObjectId(org.organizationId) })
        .lean();
      expect(stored?.stateHash).toBe(hashState(state));
      expect(JSON.stringify(stored)).not.toContain(state.split('.')[1]);
      expect(stored?.expiresAt.getTime()).toBeGreaterThan(Date.now() + 9 * 60_000);
      expect(stored?.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 10 * 60_000);
    });

    it('allows one live connection per Okta domain per organization (CONFLICT), several domains, and the same domain in another organization', async () => {
      const org = await ctx.t.createOrg();
      await ctx.connect(org, 'acme.okta.com');
      const again = await ctx.t.gql(org.adminToken, CONNECT, {
        input: { oktaDomain: 'ACME.okta.com', clientId: CLIENT_ID, clientSecret: 's' },
      });
      expect(errorCode(again)).toBe('CONFLICT');
      await ctx.connect(org, 'acme-eu.okta.com');
      await ctx.connect(await ctx.t.createOrg(), 'acme.okta.com');
    });
  });
});
