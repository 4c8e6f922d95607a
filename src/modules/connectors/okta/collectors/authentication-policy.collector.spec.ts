import { type CollectorContext } from '#src/modules/connectors/connector-driver.port';
import { type OktaApiClient, OktaApiError } from '#src/modules/connectors/okta/okta-api.client';
import { AuthenticationPolicyCollector } from './authentication-policy.collector';

const context = {
  now: new Date(),
  deadline: new Date(Date.now() + 60_000),
  signal: new AbortController().signal,
  cursor: {},
  carried: () => undefined,
} as unknown as CollectorContext;

const POLICIES: Record<string, unknown[]> = {
  MFA_ENROLL: [
    {
      id: 'p-mfa',
      type: 'MFA_ENROLL',
      name: 'Default MFA',
      status: 'ACTIVE',
      priority: 1,
      system: true,
      conditions: { people: { groups: { include: ['g-everyone'] } } },
      settings: {
        type: 'AUTHENTICATORS',
        authenticators: [
          { key: 'webauthn', enroll: { self: 'OPTIONAL' } },
          { key: 'okta_verify', enroll: { self: 'REQUIRED' } },
        ],
      },
    },
  ],
  OKTA_SIGN_ON: [
    {
      id: 'p-so',
      type: 'OKTA_SIGN_ON',
      name: 'Default Policy',
      status: 'ACTIVE',
      priority: 1,
      system: true,
      conditions: { people: { groups: { include: ['g-everyone'] } } },
    },
  ],
  ACCESS_POLICY: [{ id: 'p-ap', type: 'ACCESS_POLICY', name: 'Apps', status: 'ACTIVE', conditions: null }],
};
const RULES: Record<string, unknown[]> = {
  'p-mfa': [
    {
      id: 'r1',
      type: 'MFA_ENROLL',
      name: 'Default Rule',
      status: 'ACTIVE',
      actions: { enroll: { self: 'CHALLENGE' } },
    },
  ],
  'p-so': [
    {
      id: 'r2',
      type: 'SIGN_ON',
      name: 'Default Rule',
      status: 'ACTIVE',
      priority: 1,
      actions: { signon: { access: 'ALLOW', requireFactor: true, factorPromptMode: 'ALWAYS' } },
    },
  ],
  'p-ap': [
    {
      id: 'r4',
      type: 'ACCESS_POLICY',
      name: 'Contractors',
      status: 'ACTIVE',
      priority: 1,
      conditions: {
        people: { groups: { include: ['g-contractors', 'g-deleted'], exclude: ['g-everyone'] } },
      },
      actions: {
        appSignOn: {
          access: 'ALLOW',
          verificationMethod: {
            type: 'ASSURANCE',
            factorMode: '1FA',
            constraints: [{ knowledge: { types: ['PASSWORD'], reauthenticateIn: 'PT2H' } }],
          },
        },
      },
    },
    {
      id: 'r3',
      type: 'ACCESS_POLICY',
      name: 'Catch-all',
      status: 'ACTIVE',
      priority: 99,
      actions: {
        appSignOn: {
          access: 'ALLOW',
          verificationMethod: {
            type: 'ASSURANCE',
            factorMode: '2FA',
            constraints: [{ possession: { phishingResistant: 'REQUIRED' } }],
          },
        },
      },
    },
  ],
};
const GROUPS: Record<string, string> = { 'g-everyone': 'Everyone', 'g-contractors': 'Contractors' };

function client(requests: string[]): () => OktaApiClient {
  const api = {
    get(path: string) {
      requests.push(path);
      const rules = /^\/api\/v1\/policies\/([^/]+)\/rules$/.exec(path)?.[1];
      if (rules !== undefined) return Promise.resolve(RULES[rules] ?? []);
      const group = /^\/api\/v1\/groups\/([^/]+)$/.exec(path)?.[1] ?? '';
      const name = GROUPS[group];
      if (name === undefined)
        return Promise.reject(new OktaApiError('client_error', 'not found', { status: 404 }));
      return Promise.resolve({ id: group, profile: { name } });
    },
    async *pages(path: string) {
      requests.push(path);
      await Promise.resolve();
      yield POLICIES[new URL(path, 'http://x').searchParams.get('type') ?? ''] ?? [];
    },
  };
  return () => api as unknown as OktaApiClient;
}

describe('AuthenticationPolicyCollector', () => {
  it('reads the three policy types with their rules, naming each group once', async () => {
    const requests: string[] = [];
    const items = [];
    for await (const batch of new AuthenticationPolicyCollector(client(requests)).collect(context))
      items.push(...batch);
    expect(items.map((i) => [i.sourceId, i.data.policyType])).toEqual([
      ['p-mfa', 'MFA_ENROLL'],
      ['p-so', 'OKTA_SIGN_ON'],
      ['p-ap', 'ACCESS_POLICY'],
    ]);
    expect(items.every((i) => i.type === 'okta.authentication_policy' && i.controls.includes('CC6.1'))).toBe(
      true,
    );
    expect(requests.filter((r) => r.startsWith('/api/v1/groups/')).sort()).toEqual([
      '/api/v1/groups/g-contractors',
      '/api/v1/groups/g-deleted',
      '/api/v1/groups/g-everyone',
    ]);
    expect(items[0]?.data.enrollment).toEqual([
      { key: 'okta_verify', enroll: 'REQUIRED' },
      { key: 'webauthn', enroll: 'OPTIONAL' },
    ]);
    expect(items[0]?.data.groupsIncluded).toEqual([{ id: 'g-everyone', name: 'Everyone' }]);
    expect(items[1]?.data.rules).toEqual([
      expect.objectContaining({
        id: 'r2',
        access: 'ALLOW',
        requireFactor: true,
        factorPromptMode: 'ALWAYS',
        factorMode: null,
      }),
    ]);
    const [r3, r4] = items[2]?.data.rules as Record<string, unknown>[];
    expect(r3).toMatchObject({
      id: 'r3',
      factorMode: '2FA',
      constraints: [expect.objectContaining({ kind: 'possession', phishingResistant: 'REQUIRED' })],
    });
    expect(r4).toMatchObject({
      id: 'r4',
      access: 'ALLOW',
      verificationType: 'ASSURANCE',
      factorMode: '1FA',
      requireFactor: null,
      people: {
        groupsIncluded: [
          { id: 'g-contractors', name: 'Contractors' },
          { id: 'g-deleted', name: null },
        ],
        groupsExcluded: [{ id: 'g-everyone', name: 'Everyone' }],
      },
      constraints: [
        expect.objectContaining({ kind: 'knowledge', types: ['PASSWORD'], reauthenticateIn: 'PT2H' }),
      ],
    });
    expect(items[2]?.data.groupsIncluded).toEqual([]);
    expect(items[2]?.data.enrollment).toBeNull();
  });
});
