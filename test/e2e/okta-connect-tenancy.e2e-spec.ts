import { errorCode } from '../support/test-app';
import { CONNECT, CONNECTION, type ConnectionResult, OktaConnectSuite } from '../support/okta-connect-suite';

describe('Okta connection lifecycle: tenancy and roles (e2e, oidc-provider as Okta)', () => {
  const ctx = OktaConnectSuite.register();

  describe('tenancy and roles', () => {
    it("gives org B NOT_FOUND for org A's connection on every operation", async () => {
      const a = await ctx.t.createOrg();
      const b = await ctx.t.createOrg();
      const { id } = await ctx.connect(a, 'tenant-a.okta.com');
      const input = { id };
      for (const query of [
        CONNECTION,
        'mutation($id: ID!) { reauthorizeConnection(input: { connectionId: $id }) { authorizeUrl } }',
        'mutation($id: ID!) { revokeConnection(input: { connectionId: $id }) { id } }',
      ]) {
        expect(errorCode(await ctx.t.gql(b.adminToken, query, input))).toBe('NOT_FOUND');
      }
      const list = await ctx.t.gql<{ connections: { edges: unknown[] } }>(
        b.adminToken,
        '{ connections(includeRevoked: true) { edges { node { id } } } }',
      );
      expect(list.data?.connections.edges).toEqual([]);
      expect((await ctx.connection(a, id)).status).toBe('PENDING_AUTHORIZATION');
    });

    it.each(['MEMBER', 'AUDITOR'] as const)(
      'gives a %s FORBIDDEN on connect, re-authorize and revoke, and lets them read',
      async (role) => {
        const org = await ctx.t.createOrg();
        const { id } = await ctx.connect(org, 'roles.okta.com');
        const token = await ctx.t.token(org.organizationId, role);
        expect(
          errorCode(
            await ctx.t.gql(token, CONNECT, {
              input: { oktaDomain: 'x.okta.com', clientId: 'c', clientSecret: 's' },
            }),
          ),
        ).toBe('FORBIDDEN');
        expect(
          errorCode(
            await ctx.t.gql(
              token,
              'mutation($id: ID!) { reauthorizeConnection(input: { connectionId: $id }) { authorizeUrl } }',
              { id },
            ),
          ),
        ).toBe('FORBIDDEN');
        expect(
          errorCode(
            await ctx.t.gql(
              token,
              'mutation($id: ID!) { revokeConnection(input: { connectionId: $id }) { id } }',
              { id },
            ),
          ),
        ).toBe('FORBIDDEN');
        const read = await ctx.t.gql<ConnectionResult>(token, CONNECTION, { id });
        expect(read.data?.connection.status).toBe('PENDING_AUTHORIZATION');
      },
    );
  });
});
