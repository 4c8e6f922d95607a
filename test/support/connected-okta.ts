import { SyncService } from '#src/modules/connectors/sync/sync.service';
import { connectOkta, type OktaClient } from './okta-connect';
import { OktaOrgState, OktaSimulator } from './okta-simulator';
import { TestApp, type TestOrg } from './test-app';

/** An app with one organization whose Okta (the simulator) is connected and has finished its first sync. */
export interface ConnectedOkta {
  readonly sim: OktaSimulator;
  /** The app's public URL, which the OAuth redirect names. */
  readonly publicUrl: string;
  readonly t: TestApp;
  readonly org: TestOrg;
  readonly connectionId: string;
  close(): Promise<void>;
}

export async function startConnectedOkta(options: {
  readonly users: number;
  readonly seed: number;
  readonly orgName: string;
  readonly client: OktaClient;
  /** What the admin grants at consent (default: the requested scopes but the optional ones). */
  readonly grant?: (requested: string[]) => string[];
}): Promise<ConnectedOkta> {
  const publicUrl = 'http://app.test';
  const sim = await OktaSimulator.start({
    ...options.client,
    redirectUri: `${publicUrl}/api/integrations/okta/callback`,
    state: OktaOrgState.seed({ users: options.users, seed: options.seed }),
  });
  if (options.grant !== undefined) sim.oauth.grant = options.grant;
  const t = await TestApp.start({
    PUBLIC_URL: publicUrl,
    OKTA_ALLOWED_INSECURE_HOSTS: sim.host,
    SCHEDULER_TICK_MS: '3600000',
  });
  const org = await t.createOrg(options.orgName);
  const connectionId = await connectOkta({
    baseUrl: t.url,
    publicUrl,
    token: org.adminToken,
    oktaDomain: sim.host,
    client: options.client,
  });
  await t.get<SyncService>(SyncService).idle();
  return {
    sim,
    publicUrl,
    t,
    org,
    connectionId,
    async close() {
      await t.get<SyncService>(SyncService).idle();
      await t.close();
      await sim.close();
    },
  };
}
