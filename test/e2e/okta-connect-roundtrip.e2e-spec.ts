import { getModelToken } from '@nestjs/mongoose';
import { type Model, Types } from 'mongoose';
import { EnvelopeService } from '#src/common/crypto/envelope.service';

import {
  ConnectionCredentialsDocument,
  OAuthAttemptDocument,
} from '#src/modules/connections/connection.schema';

import { followRedirects } from '../support/browser';
import { type FakeOktaAuthServer } from '../support/okta-oauth-server';

import {
  CALLBACK,
  CLIENT_SECRET,
  DASHBOARD,
  OktaConnectSuite,
  READ_SCOPES,
} from '../support/okta-connect-suite';

describe('Okta connection lifecycle: the authorization round trip (e2e, oidc-provider as Okta)', () => {
  const ctx = OktaConnectSuite.register({ tokensSeen: 2 });

  describe('the authorization round trip', () => {
    it('connects: code + PKCE exchange, tokens sealed, ACTIVE, CONNECT audited for the admin, redirect to the dashboard', async () => {
      const org = await ctx.t.createOrg();
      const { id, authorizeUrl } = await ctx.connect(org);
      const done = await ctx.authorize(authorizeUrl);
      expect(done.status).toBe(302);
      expect(done.location).toBe(`${DASHBOARD}?connection=${id}&result=connected`);

      const c = await ctx.connection(org, id);
      expect(c.status).toBe('ACTIVE');
      expect(c.statusReason).toBeNull();
      expect(c.grantedScopes).toEqual([...READ_SCOPES, 'openid']);
      const authorizedAt = new Date(c.authorizedAt ?? 0).getTime();
      expect(Math.abs(authorizedAt - Date.now())).toBeLessThan(60_000);
      expect(new Date(c.reauthDueAt ?? 0).getTime() - authorizedAt).toBe(90 * 24 * 3_600_000);

      const creds = await ctx.credentials(org, id);
      expect(creds?.clientSecret).toBe(CLIENT_SECRET);
      expect(creds?.accessToken).toEqual(expect.any(String));
      expect(creds?.refreshToken).toEqual(expect.any(String));
      for (const value of [creds?.accessToken, creds?.refreshToken]) if (value) ctx.secrets.add(value);
      const raw = await ctx.t
        .get<Model<ConnectionCredentialsDocument>>(getModelToken(ConnectionCredentialsDocument.name))
        .findOne({
          organizationId: new Types.ObjectId(org.organizationId),
          connectionId: new Types.ObjectId(id),
        })
        .lean();
      expect(raw?.sealed.startsWith('v1.')).toBe(true);
      expect(raw?.sealed).not.toContain(creds?.accessToken);

      const connect_ = (await ctx.auditActions(org)).find((e) => e.action === 'CONNECT');
      expect(connect_?.actor).toEqual({ type: 'user', id: 'user-admin' });
      expect(connect_?.details).toMatchObject({
        externalTenant: ctx.okta.host,
        oktaDomain: ctx.okta.host,
        grantedScopes: [...READ_SCOPES, 'openid'],
      });
      expect(
        ctx.okta.calls
          .filter((c) => c.path === '/oauth2/v1/token' && c.grantType === 'authorization_code')
          .at(-1)?.status,
      ).toBe(200);
    });

    it('refuses a replayed state (400) and changes nothing', async () => {
      const org = await ctx.t.createOrg();
      const { id, authorizeUrl } = await ctx.connect(org);
      const callbackUrl = await followRedirects(authorizeUrl, CALLBACK);
      expect((await ctx.callback(callbackUrl)).status).toBe(302);
      const replay = await ctx.callback(callbackUrl);
      expect(replay.status).toBe(400);
      expect(replay.text).toContain('state_already_used');
      expect((await ctx.connection(org, id)).status).toBe('ACTIVE');
      expect((await ctx.auditActions(org)).filter((e) => e.action === 'CONNECT')).toHaveLength(1);
    });

    it.each<[string, (state: string, other: string) => string]>([
      ['a forged state', () => `${new Types.ObjectId().toHexString()}.${'A'.repeat(43)}`],
      ['a malformed state', () => 'not-a-state'],
      [
        "another organization's id on a valid state",
        (state, other) => `${other}.${state.split('.')[1] ?? ''}`,
      ],
    ])('refuses %s (400, unknown_state) and changes nothing', async (_name, forge) => {
      const org = await ctx.t.createOrg();
      const other = await ctx.t.createOrg();
      const { id, authorizeUrl } = await ctx.connect(org);
      const state = new URL(authorizeUrl).searchParams.get('state') ?? '';
      const result = await ctx.callback(
        `${CALLBACK}?code=abc&state=${encodeURIComponent(forge(state, other.organizationId))}`,
      );
      expect(result.status).toBe(400);
      expect(result.text).toContain('unknown_state');
      expect((await ctx.connection(org, id)).status).toBe('PENDING_AUTHORIZATION');
      // The real state still works afterwards: nothing was consumed.
      expect((await ctx.authorize(authorizeUrl)).location).toContain('result=connected');
    });

    it('refuses an expired state (400)', async () => {
      const org = await ctx.t.createOrg();
      const { id, authorizeUrl } = await ctx.connect(org);
      const callbackUrl = await followRedirects(authorizeUrl, CALLBACK);
      await ctx.t.connection.db
        ?.collection('oauth_attempts')
        .updateMany(
          { organizationId: new Types.ObjectId(org.organizationId) },
          { $set: { expiresAt: new Date(Date.now() - 1000) } },
        );
      const result = await ctx.callback(callbackUrl);
      expect(result.status).toBe(400);
      expect(result.text).toContain('state_expired');
      expect((await ctx.connection(org, id)).status).toBe('PENDING_AUTHORIZATION');
    });

    it('refuses a callback with a state but no code (400, missing_code)', async () => {
      const org = await ctx.t.createOrg();
      const { authorizeUrl } = await ctx.connect(org);
      const state = new URL(authorizeUrl).searchParams.get('state') ?? '';
      const result = await ctx.callback(`${CALLBACK}?state=${encodeURIComponent(state)}`);
      expect(result.status).toBe(400);
      expect(result.text).toContain('missing_code');
    });

    it('records access_denied from Okta and keeps the connection unauthorized', async () => {
      const org = await ctx.t.createOrg();
      const { id, authorizeUrl } = await ctx.connect(org);
      const state = new URL(authorizeUrl).searchParams.get('state') ?? '';
      const result = await ctx.callback(
        `${CALLBACK}?state=${encodeURIComponent(state)}&error=access_denied&error_description=${encodeURIComponent('User denied access')}`,
      );
      expect(result.location).toBe(`${DASHBOARD}?connection=${id}&result=error&reason=access_denied`);
      const c = await ctx.connection(org, id);
      expect(c.status).toBe('PENDING_AUTHORIZATION');
      expect(c.statusReason).toBe('authorization_failed: access_denied (User denied access)');
      expect(await ctx.credentials(org, id)).toEqual({ clientSecret: CLIENT_SECRET });
    });

    it('fails the exchange when the verifier does not match the challenge (PKCE at the server)', async () => {
      const org = await ctx.t.createOrg();
      const { id, authorizeUrl } = await ctx.connect(org);
      const callbackUrl = await followRedirects(authorizeUrl, CALLBACK);
      const attempts = ctx.t.get<Model<OAuthAttemptDocument>>(getModelToken(OAuthAttemptDocument.name));
      const attempt = await attempts
        .findOne({ organizationId: new Types.ObjectId(org.organizationId) })
        .lean();
      const attemptId = attempt?._id.toHexString() ?? '';
      const wrong = await ctx.asOrg(org, () =>
        ctx.t.get<EnvelopeService>(EnvelopeService).seal(`oauth-attempt:${attemptId}`, 'W'.repeat(43)),
      );
      await ctx.t.connection.db
        ?.collection('oauth_attempts')
        .updateOne({ _id: attempt?._id }, { $set: { codeVerifier: wrong } });

      const result = await ctx.callback(callbackUrl);
      expect(result.location).toBe(`${DASHBOARD}?connection=${id}&result=error&reason=token_exchange_failed`);
      const c = await ctx.connection(org, id);
      expect(c.status).toBe('PENDING_AUTHORIZATION');
      expect(c.statusReason).toBe('token_exchange_failed: invalid_grant');
      expect(ctx.okta.calls.at(-1)).toMatchObject({
        path: '/oauth2/v1/token',
        grantType: 'authorization_code',
        status: 400,
      });
    });

    it.each<[string, FakeOktaAuthServer['tokenFault'], string]>([
      [
        'a 400 from the token endpoint',
        {
          status: 400,
          body: {
            error: 'invalid_grant',
            error_description: 'The authorization code is invalid or has expired.',
          },
        },
        'invalid_grant',
      ],
      [
        'a 401 from the token endpoint',
        { status: 401, body: { error: 'invalid_client', error_description: 'No client credentials found.' } },
        'invalid_client (check the client secret, and that the Okta app\'s client authentication is "Client secret" sent in an HTTP Basic header (CLIENT_SECRET_BASIC))',
      ],
      ['a 500 from the token endpoint', { status: 500, body: {} }, 'http_500'],
      ['a token endpoint that never answers', 'timeout', 'timeout'],
    ])('records %s and stays unauthorized', async (_name, fault, reason) => {
      const org = await ctx.t.createOrg();
      const { id, authorizeUrl } = await ctx.connect(org);
      const callbackUrl = await followRedirects(authorizeUrl, CALLBACK);
      ctx.okta.tokenFault = fault;
      const result = await ctx.callback(callbackUrl);
      expect(result.location).toBe(`${DASHBOARD}?connection=${id}&result=error&reason=token_exchange_failed`);
      const c = await ctx.connection(org, id);
      expect(c.status).toBe('PENDING_AUTHORIZATION');
      expect(c.statusReason).toBe(`token_exchange_failed: ${reason}`);
      expect((await ctx.auditActions(org)).map((e) => e.action)).not.toContain('CONNECT');
    });

    it('refuses a grant missing a read scope: tokens revoked, the missing scope recorded', async () => {
      const org = await ctx.t.createOrg();
      const { id, authorizeUrl } = await ctx.connect(org);
      ctx.okta.grant = (requested) => requested.filter((s) => s !== 'okta.logs.read');
      const revokesBefore = ctx.okta.calls.filter((c) => c.path === '/oauth2/v1/revoke').length;
      const result = await ctx.authorize(authorizeUrl);
      expect(result.location).toBe(`${DASHBOARD}?connection=${id}&result=error&reason=scope_rejected`);
      const c = await ctx.connection(org, id);
      expect(c.status).toBe('PENDING_AUTHORIZATION');
      expect(c.statusReason).toBe('scope_rejected: missing okta.logs.read');
      const revokes = ctx.okta.calls.filter((call) => call.path === '/oauth2/v1/revoke').slice(revokesBefore);
      expect(revokes.map((r) => [r.tokenTypeHint, r.status]).sort()).toEqual([
        ['access_token', 200],
        ['refresh_token', 200],
      ]);
      expect(await ctx.credentials(org, id)).toEqual({ clientSecret: CLIENT_SECRET });
    });

    it('refuses a grant that carries a write scope: tokens revoked, the scope recorded', async () => {
      const org = await ctx.t.createOrg();
      const { id, authorizeUrl } = await ctx.connect(org);
      const tampered = new URL(authorizeUrl);
      tampered.searchParams.set('scope', `${tampered.searchParams.get('scope') ?? ''} okta.users.manage`);
      const result = await ctx.authorize(tampered.toString());
      expect(result.location).toBe(`${DASHBOARD}?connection=${id}&result=error&reason=scope_rejected`);
      expect((await ctx.connection(org, id)).statusReason).toBe(
        'scope_rejected: not read-only okta.users.manage',
      );
    });
  });

  it('answers 404 on the callback route of an integration that does not exist, and 400 on a bad state', async () => {
    for (const key of ['acme-hr', '..', 'OKTA']) {
      const res = await ctx.t.http().get(`/api/integrations/${key}/callback?state=s&code=c`);
      expect({ key, status: res.status }).toEqual({ key, status: 404 });
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.text).toContain('unknown_integration');
    }
    const res = await ctx.t.http().get('/api/integrations/okta/callback?state=nope&code=c');
    expect(res.status).toBe(400);
    expect(res.text).toContain('unknown_state');
  });

  it('logs structured request lines, each with its request id, and redacts the callback code and state', () => {
    expect(ctx.secrets.size).toBeGreaterThan(1);
    expect(ctx.states.size).toBeGreaterThan(5);
    const requestLines = ctx.t.logger.lines.filter((l) => l.includes('"req":'));
    expect(requestLines.length).toBeGreaterThan(20);
    expect(requestLines.filter((l) => !/"req":\{"id":"[^"]+"/.test(l))).toEqual([]);
    expect(
      requestLines.some(
        (l) => l.includes('/api/integrations/okta/callback?') && l.includes('code=%5BREDACTED%5D'),
      ),
    ).toBe(true);
  });
});
