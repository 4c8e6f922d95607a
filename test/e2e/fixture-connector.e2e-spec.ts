import { setTimeout as sleep } from 'node:timers/promises';
import { type ConnectorModule } from '#src/modules/connectors/connector-driver.port';
import { INSTALLED_CONNECTORS } from '#src/modules/connectors/installed-connectors';
import { SyncService } from '#src/modules/connectors/sync/sync.service';
import { ACME_HR_KEY, acmeHrModule, TERMINATION } from '../fixtures/acme-hr/acme-hr.driver';
import { AcmeHrServer, type Termination } from '../fixtures/acme-hr/acme-hr.server';
import { followRedirects } from '../support/browser';
import { TestApp, type TestOrg } from '../support/test-app';
import { subscribe } from '../support/ws-client';

const PUBLIC_URL = 'http://127.0.0.1:1';
const CALLBACK = `${PUBLIC_URL}/api/integrations/${ACME_HR_KEY}/callback`;
const CLIENT = { clientId: 'acme-hr-client', clientSecret: 'acme-hr-secret' };
const HOUR = 3_600_000;
const TERMINATIONS: Termination[] = [
  {
    employeeId: 'e1',
    email: 'ann@acme.test',
    terminatedAt: '2026-11-02T09:00:00Z',
    accessRevokedAt: '2026-11-02T09:30:00Z',
  },
  { employeeId: 'e2', email: 'bob@acme.test', terminatedAt: '2026-11-20T17:00:00Z', accessRevokedAt: null },
];
const CONNECT = `mutation($input: ConnectIntegrationInput!) {
  connectIntegration(input: $input) { authorizeUrl connection { id connectorKey externalTenant status } } }`;
const CONNECTION = `query($id: ID!) { connection(id: $id) {
  id status externalTenant grantedScopes lastSuccessfulSyncAt stale deletedAt } }`;
const ALERTS_SUB = 'subscription { staleAlerts { id kind connectionId resolvedAt message } }';

interface Connected {
  connectIntegration: {
    authorizeUrl: string;
    connection: { id: string; status: string; externalTenant: string };
  };
}

/**
 * A second connector, registered with one line (`connectors` below), driven end to end through the generic
 * API only: catalog, connect, callback, first sync, evidence, coverage, staleness alert, revoke. The fixture
 * lives in test/fixtures/acme-hr; nothing in src/ knows it.
 */
describe('a second connector through the generic platform (fixture "acme-hr", e2e)', () => {
  let vendor: AcmeHrServer;
  let t: TestApp;
  let org: TestOrg;

  beforeAll(async () => {
    vendor = await AcmeHrServer.start({
      ...CLIENT,
      redirectUri: CALLBACK,
      tenants: { 'acme-corp': TERMINATIONS },
    });
    const connectors: ConnectorModule[] = [...INSTALLED_CONNECTORS, acmeHrModule(new URL(vendor.url).host)];
    t = await TestApp.start(
      { PUBLIC_URL, STALENESS_CHECK_MS: '250', SCHEDULER_TICK_MS: '3600000' },
      connectors,
    );
    org = await t.createOrg('Acme');
  }, 60_000);
  afterAll(async () => {
    await t.get<SyncService>(SyncService).idle();
    await t.close();
    await vendor.close();
  });

  const connect = (input: Record<string, unknown>) =>
    t.gql<Connected>(org.adminToken, CONNECT, { input: { ...CLIENT, ...input } });

  it('lists the connector in the catalog with its evidence type under CC6.2', async () => {
    const result = await t.gql<{
      integrations: {
        key: string;
        name: string;
        category: string;
        controls: string[];
        evidenceTypes: string[];
      }[];
    }>(org.adminToken, '{ integrations { key name category controls evidenceTypes } }');
    expect(result.data?.integrations.find((i) => i.key === ACME_HR_KEY)).toEqual({
      key: ACME_HR_KEY,
      name: 'Acme HR',
      category: 'HR',
      controls: ['CC6.2'],
      evidenceTypes: [TERMINATION],
    });
    const controls = await t.gql<{ controls: { id: string; evidenceTypes: string[] }[] }>(
      org.adminToken,
      '{ controls { id evidenceTypes } }',
    );
    expect(controls.data?.controls.find((c) => c.id === 'CC6.2')?.evidenceTypes).toContain(TERMINATION);
  });

  it('refuses an unknown integration with NOT_FOUND and a tenant the driver refuses with BAD_USER_INPUT naming the field', async () => {
    const calls = vendor.apiCalls.length;
    const unknown = await connect({ integrationKey: 'nope', externalTenant: 'acme-corp' });
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const bad = await connect({ integrationKey: ACME_HR_KEY, externalTenant: 'Not a slug!' });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'externalTenant' });
    expect(bad.errors?.[0]?.message).toMatch(/^externalTenant: must be your Acme HR tenant slug/);
    expect(vendor.apiCalls).toHaveLength(calls);
  });

  it("goes through a connection's whole life on the generic API alone", async () => {
    let connectionId: string;

    // connects: authorize at the vendor, callback on its own route, ACTIVE, and the first sync collects its evidence
    {
      const started = await connect({ integrationKey: ACME_HR_KEY, externalTenant: ' Acme-Corp ' });
      expect(started.errors).toBeUndefined();
      const connection = started.data?.connectIntegration.connection;
      expect(connection).toMatchObject({ status: 'PENDING_AUTHORIZATION', externalTenant: 'acme-corp' });
      connectionId = connection?.id ?? '';
      const authorize = new URL(started.data?.connectIntegration.authorizeUrl ?? '');
      expect(authorize.origin + authorize.pathname).toBe(`${vendor.url}/oauth/authorize`);
      expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');

      const back = new URL(await followRedirects(authorize.toString(), CALLBACK));
      const landed = await t.http().get(`${back.pathname}${back.search}`).expect(302);
      expect(landed.headers.location).toContain('result=connected');
      await t.get<SyncService>(SyncService).idle();

      const after = await t.gql<{
        connection: { status: string; grantedScopes: string[]; lastSuccessfulSyncAt: string | null };
      }>(org.adminToken, CONNECTION, { id: connectionId });
      expect(after.data?.connection).toMatchObject({ status: 'ACTIVE', grantedScopes: ['employees.read'] });
      expect(after.data?.connection.lastSuccessfulSyncAt).not.toBeNull();
      expect(vendor.apiCalls).toEqual(['acme-corp']);

      const evidence = await t.gql<{
        evidence: { edges: { node: { type: string; sourceId: string; controls: string[] } }[] };
      }>(
        org.adminToken,
        `query($type: String) { evidence(first: 10, filter: { type: $type }) { edges { node { type sourceId controls } } } }`,
        { type: TERMINATION },
      );
      expect(evidence.errors).toBeUndefined();
      expect(evidence.data?.evidence.edges.map((e) => e.node.sourceId).sort()).toEqual([
        'e1:2026-11-02T09:00:00Z',
        'e2:2026-11-20T17:00:00Z',
      ]);
      expect(evidence.data?.evidence.edges.every((e) => e.node.controls.join() === 'CC6.2')).toBe(true);
    }

    // counts the evidence toward CC6.2 in coverage
    {
      const result = await t.gql<{
        coverage: { controls: { control: { id: string }; evidenceCount: number }[] };
      }>(org.adminToken, '{ coverage { controls { control { id } evidenceCount } } }');
      const cc62 = result.data?.coverage.controls.find((c) => c.control.id === 'CC6.2');
      expect(cc62?.evidenceCount).toBe(TERMINATIONS.length);
    }

    // refreshes an expired token with the same client authentication, and syncs again
    {
      vendor.expireAccessTokens();
      const synced = await t.gql(
        org.adminToken,
        'mutation($id: ID!) { syncConnection(input: { connectionId: $id }) { id } }',
        {
          id: connectionId,
        },
      );
      expect(synced.errors).toBeUndefined();
      await t.get<SyncService>(SyncService).idle();
      const runs = await t.gql<{ connection: { status: string } }>(org.adminToken, CONNECTION, {
        id: connectionId,
      });
      expect(runs.data?.connection.status).toBe('ACTIVE');
      expect(vendor.apiCalls).toEqual(['acme-corp', 'acme-corp', 'acme-corp']); // 401, then the retry
    }

    // alerts over the subscription when the connection goes stale, with its name and tenant
    {
      const alerts = subscribe<{ staleAlerts: { kind: string; connectionId: string; message: string } }>(
        t.url,
        ALERTS_SUB,
        `Bearer ${org.adminToken}`,
      );
      await alerts.connected;
      await sleep(100);
      try {
        await t.backdateLastSync(connectionId, 7 * HOUR);
        const opened = await alerts.next(10_000);
        expect(opened.staleAlerts).toMatchObject({ kind: 'STALE_CONNECTOR', connectionId });
        expect(opened.staleAlerts.message).toBe('Acme HR acme-corp last synced 7 h ago (threshold 6 h)');
      } finally {
        await alerts.dispose();
      }
    }

    // refuses an Acme HR state arriving on the Okta route, and audits it
    {
      const started = await t.gql<{ reauthorizeConnection: { authorizeUrl: string } }>(
        org.adminToken,
        'mutation($id: ID!) { reauthorizeConnection(input: { connectionId: $id }) { authorizeUrl } }',
        { id: connectionId },
      );
      const back = new URL(
        await followRedirects(started.data?.reauthorizeConnection.authorizeUrl ?? '', CALLBACK),
      );
      const res = await t.http().get(`/api/integrations/okta/callback${back.search}`);
      expect(res.status).toBe(400);
      const audit = await t.gql<{
        auditLog: { edges: { node: { action: string; details: Record<string, unknown> } }[] };
      }>(org.adminToken, '{ auditLog(first: 50) { edges { node { action details } } } }');
      expect(audit.data?.auditLog.edges.map((e) => e.node)).toContainEqual({
        action: 'OAUTH_CALLBACK_REFUSED',
        details: { reason: 'wrong_integration', route: 'okta', connectorKey: ACME_HR_KEY },
      });
    }

    // revokes: the grant revoked at the vendor, REVOKED and soft-deleted, history kept
    {
      const revoked = await t.gql<{ revokeConnection: { status: string; deletedAt: string | null } }>(
        org.adminToken,
        'mutation($id: ID!) { revokeConnection(input: { connectionId: $id }) { status deletedAt } }',
        { id: connectionId },
      );
      expect(revoked.data?.revokeConnection.status).toBe('REVOKED');
      expect(revoked.data?.revokeConnection.deletedAt).not.toBeNull();
      expect(vendor.revoked).toHaveLength(1);
      const evidence = await t.gql<{ evidence: { edges: unknown[] } }>(
        org.adminToken,
        `query($type: String) { evidence(first: 10, filter: { type: $type }) { edges { cursor } } }`,
        { type: TERMINATION },
      );
      expect(evidence.data?.evidence.edges).toHaveLength(TERMINATIONS.length);
    }
  }, 120_000);
});
