import { type AuditRecord } from '#src/modules/audit/audit.service';
import { OAuthExchangeError, type TokenSet } from '#src/modules/connectors/connector-driver.port';
import { type Connection, type ConnectionCredentials } from './connection.types';
import { type OAuthAttempt } from './oauth-attempts.repository';
import { type CallbackQuery, type CallbackOutcome, hashState, OAuthFlowService } from './oauth-flow.service';

const ORG = '0123456789abcdef01234567';
const STATE = `${ORG}.random-state-value`;
const DASHBOARD = 'https://app.example/integrations/acme';
/** The fake connector requires both read scopes and refuses anything else but offline_access. */
const REQUIRED = ['acme.groups.read', 'acme.users.read'];
const READ = 'acme.users.read acme.groups.read offline_access';

interface World {
  attempt: OAuthAttempt | undefined;
  claimWins: boolean;
  connection: Connection | undefined;
  revokedMeanwhile: boolean;
  leaseFree: boolean;
  exchange: () => Promise<TokenSet>;
  // What the flow did:
  readonly patches: Record<string, unknown>[];
  readonly revoked: string[];
  readonly audited: AuditRecord[];
  readonly emitted: string[];
  readonly used: string[];
  readonly stored: string[];
}

function world(overrides: Partial<World> = {}): World {
  return {
    attempt: {
      id: 'att1',
      connectionId: 'conn1',
      userId: 'user-admin',
      purpose: 'CONNECT',
      codeVerifier: 'sealed-verifier',
      expiresAt: new Date(Date.now() + 60_000),
      usedAt: null,
    },
    claimWins: true,
    connection: {
      id: 'conn1',
      connectorKey: 'acme',
      externalTenant: 'acme.example.com',
      clientId: 'client',
      clientAuthMethod: 'CLIENT_SECRET_BASIC',
      deletedAt: null,
    } as Connection,
    revokedMeanwhile: false,
    leaseFree: true,
    exchange: () =>
      Promise.resolve({ accessToken: 'at', refreshToken: 'rt', expiresInSeconds: 3600, scope: READ }),
    patches: [],
    revoked: [],
    audited: [],
    emitted: [],
    used: [],
    stored: [],
    ...overrides,
  };
}

/** The flow over faked collaborators that act on `w`. */
function flow(w: World): OAuthFlowService {
  const config = { dashboardUrl: DASHBOARD };
  let reads = 0;
  const connections = {
    findById: () => {
      reads += 1;
      // The third read is the one under the lease (after the callback's and the exchange's): a revoke may
      // have landed in between.
      if (reads > 2 && w.revokedMeanwhile && w.connection)
        return Promise.resolve({ ...w.connection, deletedAt: new Date() });
      return Promise.resolve(w.connection);
    },
    patchUnderAuthLease: (_id: string, fields: Record<string, unknown>) => {
      w.patches.push(fields);
      return Promise.resolve(w.connection);
    },
    markActive: (_id: string, fields: Record<string, unknown>) => {
      w.patches.push({ status: 'ACTIVE', statusReason: null, ...fields });
      return Promise.resolve(w.connection);
    },
  };
  const attempts = {
    findByStateHash: (hash: string) => Promise.resolve(hash === hashState(STATE) ? w.attempt : undefined),
    markUsed: (id: string) => {
      w.used.push(id);
      return Promise.resolve();
    },
  };
  const claims = { claim: () => Promise.resolve(w.claimWins) };
  const credentials = {
    read: () => Promise.resolve<ConnectionCredentials>({ clientSecret: 'secret' }),
    seal: () => Promise.resolve('sealed'),
    writeSealed: (id: string) => {
      w.stored.push(id);
      return Promise.resolve();
    },
    remove: () => Promise.resolve(),
  };
  const envelope = { open: () => Promise.resolve('verifier') };
  const auth = {
    exchangeCode: () => w.exchange(),
    checkScopes: (scope: string | undefined) => {
      const granted = (scope ?? '').split(' ').filter((s) => s !== '');
      const missing = REQUIRED.filter((s) => !granted.includes(s));
      const excess = granted.filter((s) => !REQUIRED.includes(s) && s !== 'offline_access');
      return { ok: missing.length + excess.length === 0, granted, missing, excess };
    },
    revoke: (_client: unknown, token: string | undefined, hint: string) => {
      if (token !== undefined) w.revoked.push(hint);
      return Promise.resolve('revoked');
    },
  };
  const registry = {
    get: () => ({
      redirectUri: 'https://api.example/api/integrations/acme/callback',
      grantLifetimeMs: 90 * 86_400_000,
    }),
    driver: () => ({ auth }),
  };
  const audit = {
    append: (record: AuditRecord) => {
      w.audited.push(record);
      return Promise.resolve();
    },
  };
  const events = {
    emit: (name: string, payload: { connectionId: string; purpose: string }) => {
      w.emitted.push(`${name} ${payload.connectionId} ${payload.purpose}`);
      return Promise.resolve();
    },
  };
  const authLock = {
    run: async <T>(_id: string, fn: () => Promise<T>) =>
      w.leaseFree ? { acquired: true as const, value: await fn() } : { acquired: false as const },
  };
  return new OAuthFlowService(
    ...([
      config,
      registry,
      connections,
      attempts,
      claims,
      credentials,
      envelope,
      audit,
      events,
      authLock,
    ] as unknown as ConstructorParameters<typeof OAuthFlowService>),
  );
}

const callback = (
  w: World,
  query: CallbackQuery = { state: STATE, code: 'the-code' },
  key = 'acme',
): Promise<CallbackOutcome> => flow(w).complete(key, query);
const redirected = (reason?: string, result = 'error'): CallbackOutcome => ({
  kind: 'redirect',
  location: `${DASHBOARD}?connection=conn1&result=${result}${reason === undefined ? '' : `&reason=${reason}`}`,
});

describe('OAuthFlowService.complete (the callback, as a state machine over faked collaborators)', () => {
  it.each<[string, CallbackQuery, Partial<World>, string]>([
    ['no state', { code: 'c' }, {}, 'unknown_state'],
    ['a state without an organization', { state: 'nope', code: 'c' }, {}, 'unknown_state'],
    ['an oversized state', { state: `${ORG}.${'x'.repeat(300)}`, code: 'c' }, {}, 'unknown_state'],
    ['a state nobody issued', { state: `${ORG}.other`, code: 'c' }, {}, 'unknown_state'],
    [
      'a used state',
      { state: STATE, code: 'c' },
      { attempt: { ...world().attempt!, usedAt: new Date() } },
      'state_already_used',
    ],
    [
      'an expired state',
      { state: STATE, code: 'c' },
      { attempt: { ...world().attempt!, expiresAt: new Date(0) } },
      'state_expired',
    ],
    ['neither a code nor an error', { state: STATE }, {}, 'missing_code'],
    [
      'a claim lost to a concurrent callback',
      { state: STATE, code: 'c' },
      { claimWins: false },
      'state_already_used',
    ],
  ])('rejects %s, touching nothing', async (_name, query, overrides, reason) => {
    const w = world(overrides);
    await expect(callback(w, query)).resolves.toEqual({ kind: 'rejected', reason });
    expect([w.used, w.patches, w.stored, w.audited, w.emitted]).toEqual([[], [], [], [], []]);
  });

  it("uses up and audits a state that arrives on another connector's route, and refuses it", async () => {
    const w = world();
    await expect(callback(w, { state: STATE, code: 'c' }, 'other')).resolves.toEqual({
      kind: 'rejected',
      reason: 'wrong_integration',
    });
    expect(w.used).toEqual(['att1']);
    expect(w.audited).toEqual([
      {
        action: 'OAUTH_CALLBACK_REFUSED',
        target: { type: 'connection', id: 'conn1' },
        details: { reason: 'wrong_integration', route: 'other', connectorKey: 'acme' },
      },
    ]);
    expect([w.patches, w.stored, w.emitted]).toEqual([[], [], []]);
  });

  it('records a refusal at the vendor with its code and a printable description only', async () => {
    const w = world();
    const outcome = await callback(w, {
      state: STATE,
      error: 'access_denied',
      error_description: 'User said no\u0000<b>',
    });
    expect(outcome).toEqual(redirected('access_denied'));
    expect(w.used).toEqual(['att1']);
    expect(w.patches).toHaveLength(1);
    expect(String(w.patches[0]?.statusReason)).toMatch(/^authorization_failed: access_denied \(User said no/);
    expect(w.stored).toEqual([]);
  });

  it('records a failed exchange, with the hint for invalid_client, and stores nothing', async () => {
    const w = world({
      exchange: () => Promise.reject(new OAuthExchangeError('invalid_client', 'refused', 'check the method')),
    });
    await expect(callback(w)).resolves.toEqual(redirected('token_exchange_failed'));
    expect(w.patches).toEqual([{ statusReason: 'token_exchange_failed: invalid_client (check the method)' }]);
    expect([w.stored, w.audited, w.emitted]).toEqual([[], [], []]);
  });

  it('revokes both tokens of a grant missing a read scope and names the scope', async () => {
    const w = world({
      exchange: () =>
        Promise.resolve({
          accessToken: 'at',
          refreshToken: 'rt',
          expiresInSeconds: 3600,
          scope: 'acme.users.read',
        }),
    });
    await expect(callback(w)).resolves.toEqual(redirected('scope_rejected'));
    expect(w.revoked.sort()).toEqual(['access_token', 'refresh_token']);
    expect(String(w.patches[0]?.statusReason)).toMatch(/^scope_rejected: missing acme\.groups\.read/);
    expect(w.stored).toEqual([]);
  });

  it('activates: tokens stored, ACTIVE with the granted scopes, CONNECT audited, connection.authorized emitted (the first sync)', async () => {
    const w = world();
    await expect(callback(w)).resolves.toEqual(redirected(undefined, 'connected'));
    expect(w.stored).toEqual(['conn1']);
    expect(w.patches).toHaveLength(1);
    expect(w.patches[0]).toMatchObject({ status: 'ACTIVE', statusReason: null });
    expect(w.patches[0]?.grantedScopes).toContain('acme.users.read');
    expect(w.audited.map((a) => a.action)).toEqual(['CONNECT']);
    expect(w.emitted).toEqual(['connection.authorized conn1 CONNECT']);
    expect(w.revoked).toEqual([]);
  });

  it('audits a re-authorization as REAUTH', async () => {
    const w = world({ attempt: { ...world().attempt!, purpose: 'REAUTH' } });
    await callback(w);
    expect(w.audited.map((a) => a.action)).toEqual(['REAUTH']);
    expect(w.emitted).toEqual(['connection.authorized conn1 REAUTH']);
  });

  it.each<[string, Partial<World>, string]>([
    ['revoked while the code was exchanged', { revokedMeanwhile: true }, 'connection_revoked'],
    ['whose auth lease another writer holds', { leaseFree: false }, 'connection_busy'],
  ])(
    'stores nothing for a connection %s, and revokes the tokens it just received',
    async (_name, overrides, reason) => {
      const w = world(overrides);
      await expect(callback(w)).resolves.toEqual(redirected(reason));
      expect([w.stored, w.audited, w.emitted]).toEqual([[], [], []]);
      expect(w.revoked.sort()).toEqual(['access_token', 'refresh_token']);
    },
  );
});
