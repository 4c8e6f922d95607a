import { Types } from 'mongoose';

import { AccessTokenProvider } from '#src/modules/connections/access-token.provider';

import { type ConnectionCredentials } from '#src/modules/connections/connection.types';
import { ConnectionCredentialsStore } from '#src/modules/connections/credentials.store';

import { type TestOrg } from '../support/test-app';
import { DASHBOARD, OktaConnectSuite } from '../support/okta-connect-suite';

describe('Okta connection lifecycle: access tokens and revocation (e2e, oidc-provider as Okta)', () => {
  const ctx = OktaConnectSuite.register({ tokensSeen: 10 });

  describe('access tokens', () => {
    const expire = async (org: TestOrg, id: string): Promise<ConnectionCredentials> => {
      const store = ctx.t.get<ConnectionCredentialsStore>(ConnectionCredentialsStore);
      const creds = (await ctx.credentials(org, id)) as ConnectionCredentials;
      const expiring = { ...creds, accessTokenExpiresAt: new Date(Date.now() + 60_000).toISOString() };
      await ctx.asOrg(org, () => store.write(id, expiring));
      return expiring;
    };
    const refreshes = (): number => ctx.okta.calls.filter((c) => c.grantType === 'refresh_token').length;

    it('reuses a fresh token without calling Okta', async () => {
      const org = await ctx.t.createOrg();
      const id = await ctx.activeConnection(org);
      const before = refreshes();
      const creds = await ctx.credentials(org, id);
      await expect(
        ctx.asOrg(org, () => ctx.t.get<AccessTokenProvider>(AccessTokenProvider).accessToken(id)),
      ).resolves.toBe(creds?.accessToken);
      expect(refreshes()).toBe(before);
    });

    it('refreshes a token expiring within 5 minutes and persists the rotated refresh token first', async () => {
      const org = await ctx.t.createOrg();
      const id = await ctx.activeConnection(org);
      const old = await expire(org, id);
      const before = refreshes();
      const token = await ctx.asOrg(org, () =>
        ctx.t.get<AccessTokenProvider>(AccessTokenProvider).accessToken(id),
      );
      expect(refreshes()).toBe(before + 1);
      const now = await ctx.credentials(org, id);
      expect(token).not.toBe(old.accessToken);
      expect(now?.accessToken).toBe(token);
      expect(now?.refreshToken).not.toBe(old.refreshToken); // rotation on
      expect(new Date(now?.accessTokenExpiresAt ?? 0).getTime()).toBeGreaterThan(Date.now() + 50 * 60_000);
      for (const value of [token, now?.refreshToken]) if (value) ctx.secrets.add(value);
    });

    it('refreshes once when many callers need a token at the same time (lease)', async () => {
      const org = await ctx.t.createOrg();
      const id = await ctx.activeConnection(org);
      await expire(org, id);
      const before = refreshes();
      const provider = ctx.t.get<AccessTokenProvider>(AccessTokenProvider);
      const tokens = await Promise.all(
        Array.from({ length: 6 }, () => ctx.asOrg(org, () => provider.accessToken(id))),
      );
      expect(new Set(tokens).size).toBe(1);
      expect(refreshes()).toBe(before + 1);
    });

    it('turns invalid_grant on refresh into NEEDS_REAUTH with a SYNC_FAILURE audit', async () => {
      const org = await ctx.t.createOrg();
      const id = await ctx.activeConnection(org);
      await expire(org, id);
      ctx.okta.tokenFault = {
        status: 400,
        body: { error: 'invalid_grant', error_description: 'The refresh token is invalid or expired.' },
      };
      await expect(
        ctx.asOrg(org, () => ctx.t.get<AccessTokenProvider>(AccessTokenProvider).accessToken(id)),
      ).rejects.toMatchObject({
        code: 'CONNECTOR_UNAVAILABLE',
      });
      const c = await ctx.connection(org, id);
      expect(c.status).toBe('NEEDS_REAUTH');
      expect(c.statusReason).toBe('refresh_failed: invalid_grant');
      const failure = (await ctx.auditActions(org)).find(
        (e) => e.action === 'SYNC_FAILURE' && e.details.code === 'invalid_grant' && e.actor.type === 'system',
      );
      expect(failure?.details).toEqual({
        code: 'invalid_grant',
        reason: 'Okta rejected the refresh token (invalid_grant)',
      });
      expect(failure?.actor).toEqual({ type: 'system', id: 'test' });
    });

    it('re-authorizes a connection that needs it: ACTIVE again, REAUTH audited', async () => {
      const org = await ctx.t.createOrg();
      const id = await ctx.activeConnection(org);
      await ctx.t.connection.db
        ?.collection('connections')
        .updateOne({ _id: new Types.ObjectId(id) }, { $set: { status: 'NEEDS_REAUTH' } });
      const result = await ctx.t.gql<{
        reauthorizeConnection: { authorizeUrl: string; connection: { status: string } };
      }>(
        org.adminToken,
        'mutation($id: ID!) { reauthorizeConnection(input: { connectionId: $id }) { authorizeUrl connection { status } } }',
        { id },
      );
      const payload = result.data?.reauthorizeConnection;
      expect(payload?.connection.status).toBe('NEEDS_REAUTH');
      ctx.states.add(new URL(payload?.authorizeUrl ?? '').searchParams.get('state') ?? '');
      expect((await ctx.authorize(payload?.authorizeUrl ?? '')).location).toBe(
        `${DASHBOARD}?connection=${id}&result=connected`,
      );
      expect((await ctx.connection(org, id)).status).toBe('ACTIVE');
      const reauth = (await ctx.auditActions(org)).find((e) => e.action === 'REAUTH');
      expect(reauth?.actor).toEqual({ type: 'user', id: 'user-admin' });
    });
  });

  describe('revokeConnection', () => {
    const REVOKE =
      'mutation($id: ID!) { revokeConnection(input: { connectionId: $id }) { id status deletedAt } }';

    it('revokes at Okta, deletes the credentials, soft-deletes, audits once, and is idempotent', async () => {
      const org = await ctx.t.createOrg();
      const id = await ctx.activeConnection(org);
      const revokesBefore = ctx.okta.calls.filter((c) => c.path === '/oauth2/v1/revoke').length;
      const first = await ctx.t.gql<{ revokeConnection: { id: string; status: string; deletedAt: string } }>(
        org.adminToken,
        REVOKE,
        { id },
      );
      expect(first.data?.revokeConnection.id).toBe(id);
      expect(first.data?.revokeConnection.status).toBe('REVOKED');
      expect(typeof first.data?.revokeConnection.deletedAt).toBe('string');
      const revokes = ctx.okta.calls.filter((c) => c.path === '/oauth2/v1/revoke').slice(revokesBefore);
      expect(revokes).toEqual([
        { path: '/oauth2/v1/revoke', clientAuth: 'basic', tokenTypeHint: 'refresh_token', status: 200 },
      ]);
      expect(await ctx.credentials(org, id)).toBeUndefined();

      const second = await ctx.t.gql<{ revokeConnection: { status: string; deletedAt: string } }>(
        org.adminToken,
        REVOKE,
        { id },
      );
      expect(second.data?.revokeConnection).toEqual(first.data?.revokeConnection);
      const audits = (await ctx.auditActions(org)).filter((e) => e.action === 'REVOKE');
      expect(audits).toHaveLength(1);
      expect(audits[0]?.details).toEqual({
        externalTenant: ctx.okta.host,
        revocation: 'revoked',
        // The deprecated names, still written for Okta:
        oktaDomain: ctx.okta.host,
        oktaRevocation: 'revoked',
      });

      const live = await ctx.t.gql<{ connections: { edges: unknown[] } }>(
        org.adminToken,
        '{ connections { edges { node { id } } } }',
      );
      expect(live.data?.connections.edges).toEqual([]);
      const all = await ctx.t.gql<{ connections: { edges: { node: { id: string; status: string } }[] } }>(
        org.adminToken,
        '{ connections(includeRevoked: true) { edges { node { id status } } } }',
      );
      expect(all.data?.connections.edges.map((e) => e.node)).toEqual([{ id, status: 'REVOKED' }]);
      expect((await ctx.connection(org, id)).status).toBe('REVOKED');

      // The domain is free again for a new connection.
      await ctx.connect(org);
    });

    it('records a failed revocation at Okta and still revokes locally', async () => {
      const org = await ctx.t.createOrg();
      const id = await ctx.activeConnection(org);
      await ctx.sim.close();
      try {
        const result = await ctx.t.gql<{ revokeConnection: { status: string } }>(org.adminToken, REVOKE, {
          id,
        });
        expect(result.data?.revokeConnection.status).toBe('REVOKED');
        const audit = (await ctx.auditActions(org)).find((e) => e.action === 'REVOKE');
        expect(audit?.details.revocation).toMatch(/^failed: /);
      } finally {
        await ctx.startSimulator();
      }
    });
  });
});
