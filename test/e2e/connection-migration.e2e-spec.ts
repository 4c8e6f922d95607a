import { Types } from 'mongoose';
import { ConnectionsRepository } from '#src/modules/connections/connections.repository';
import { SyncService } from '#src/modules/connectors/sync/sync.service';
import { TestApp, type TestOrg } from '../support/test-app';

/**
 * Connections stored before connectors were generic named their tenant by Okta's field and took the bare
 * domain as their live slot. The start-up migration gives them `externalTenant` and the new slot, once.
 */
describe('connections stored before the connector port, or of a connector since removed (e2e)', () => {
  let t: TestApp;
  let org: TestOrg;

  beforeAll(async () => {
    t = await TestApp.start();
    org = await t.createOrg('Legacy');
  });
  afterAll(() => t.close());

  it('reads them with externalTenant (and oktaDomain), and still refuses a second live connection to the domain', async () => {
    const id = new Types.ObjectId();
    const revokedId = new Types.ObjectId();
    const legacy = (_id: Types.ObjectId, slot: string, status: string) => ({
      _id,
      organizationId: new Types.ObjectId(org.organizationId),
      connectorKey: 'okta',
      oktaDomain: 'legacy.okta.com',
      domainSlot: slot,
      clientId: 'client',
      status,
      createdBy: 'user-admin',
      createdAt: new Date(),
      updatedAt: new Date(),
      deletedAt: status === 'REVOKED' ? new Date() : null,
    });
    const db = t.connection.db;
    if (db === undefined) throw new Error('no database');
    const raw = db.collection('connections');
    await raw.insertMany([
      legacy(id, 'legacy.okta.com', 'PENDING_AUTHORIZATION'),
      legacy(revokedId, `legacy.okta.com#revoked#${revokedId.toHexString()}`, 'REVOKED'),
    ]);

    await t.get<ConnectionsRepository>(ConnectionsRepository).onModuleInit();
    await t.get<ConnectionsRepository>(ConnectionsRepository).onModuleInit(); // idempotent

    const read = await t.gql<{ connection: { externalTenant: string; oktaDomain: string } }>(
      org.adminToken,
      'query($id: ID!) { connection(id: $id) { externalTenant oktaDomain } }',
      { id: id.toHexString() },
    );
    expect(read.data?.connection).toEqual({
      externalTenant: 'legacy.okta.com',
      oktaDomain: 'legacy.okta.com',
    });
    const stored = await raw
      .find({}, { projection: { domainSlot: 1, externalTenant: 1 } })
      .sort({ _id: 1 })
      .toArray();
    expect(stored.map((d) => [String(d.externalTenant), String(d.domainSlot)])).toEqual([
      ['legacy.okta.com', 'okta:legacy.okta.com'],
      ['legacy.okta.com', `legacy.okta.com#revoked#${revokedId.toHexString()}`],
    ]);

    const again = await t.gql(
      org.adminToken,
      'mutation($input: ConnectIntegrationInput!) { connectIntegration(input: $input) { authorizeUrl } }',
      {
        input: {
          integrationKey: 'okta',
          externalTenant: 'legacy.okta.com',
          clientId: 'client',
          clientSecret: 'secret',
        },
      },
    );
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', field: 'externalTenant' });
  });

  it('lists, judges and revokes the connections of a connector no longer installed', async () => {
    const db = t.connection.db;
    if (db === undefined) throw new Error('no database');
    const id = new Types.ObjectId();
    await db.collection('connections').insertOne({
      _id: id,
      organizationId: new Types.ObjectId(org.organizationId),
      connectorKey: 'retired-hr',
      externalTenant: 'acme',
      domainSlot: 'retired-hr:acme',
      clientId: 'client',
      clientAuthMethod: 'CLIENT_SECRET_BASIC',
      status: 'ACTIVE',
      grantedScopes: [],
      lastSuccessfulSyncAt: new Date(),
      syncState: {},
      createdBy: 'user-admin',
      createdAt: new Date(),
      updatedAt: new Date(),
      deletedAt: null,
    });
    const listed = await t.gql<{ connections: { edges: { node: { id: string; connectorKey: string } }[] } }>(
      org.adminToken,
      '{ connections(first: 10) { edges { node { id connectorKey } } } }',
    );
    expect(listed.errors).toBeUndefined();
    expect(listed.data?.connections.edges.map((e) => e.node)).toContainEqual({
      id: id.toHexString(),
      connectorKey: 'retired-hr',
    });
    const coverage = await t.gql(org.adminToken, '{ coverage { percent } }');
    expect(coverage.errors).toBeUndefined();

    const synced = await t.gql(
      org.adminToken,
      'mutation($id: ID!) { syncConnection(input: { connectionId: $id }) { id } }',
      { id: id.toHexString() },
    );
    await t.get<SyncService>(SyncService).idle();
    expect(synced.errors).toBeUndefined();
    const runs = await t.gql<{
      connectorRuns: { edges: { node: { status: string; error: { code: string } | null } }[] };
    }>(
      org.adminToken,
      'query($id: ID!) { connectorRuns(connectionId: $id, first: 1) { edges { node { status error { code } } } } }',
      { id: id.toHexString() },
    );
    expect(runs.data?.connectorRuns.edges[0]?.node).toEqual({
      status: 'FAILED',
      error: { code: 'CONNECTOR_UNAVAILABLE' },
    });

    const revoked = await t.gql<{ revokeConnection: { status: string } }>(
      org.adminToken,
      'mutation($id: ID!) { revokeConnection(input: { connectionId: $id }) { status } }',
      { id: id.toHexString() },
    );
    expect(revoked.data?.revokeConnection.status).toBe('REVOKED');
  });
});
