import { type CollectorContext } from '#src/modules/connectors/connector-driver.port';
import { type OktaApiClient, OktaApiError } from '#src/modules/connectors/okta/okta-api.client';
import { AdminRoleCollector } from './admin-role.collector';

const context = {
  now: new Date(),
  deadline: new Date(Date.now() + 60_000),
  signal: new AbortController().signal,
  cursor: {},
  carried: () => undefined,
} as unknown as CollectorContext;

const ORIGIN = 'https://acme.okta.com';
const PAGES: Record<string, unknown> = {
  '/api/v1/iam/assignees/users?limit=100': {
    value: [{ id: 'u1' }, { id: 'u2' }],
    _links: { next: { href: `${ORIGIN}/api/v1/iam/assignees/users?limit=100&after=x` } },
  },
  '/api/v1/iam/assignees/users?limit=100&after=x': { value: [{ id: 'u3' }, { id: 'gone' }], _links: {} },
};
const ROLES: Record<string, unknown[]> = {
  u1: [
    {
      id: 'ra1',
      type: 'SUPER_ADMIN',
      label: 'Super Administrator',
      status: 'ACTIVE',
      assignmentType: 'USER',
    },
  ],
  u2: [
    {
      id: 'ra2',
      type: 'ORG_ADMIN',
      label: 'Organizational Administrator',
      status: 'ACTIVE',
      assignmentType: 'GROUP',
      _links: { assignee: { href: `${ORIGIN}/api/v1/groups/g1` } },
    },
    {
      id: 'ra3',
      type: 'READ_ONLY_ADMIN',
      label: 'Read-only Administrator',
      status: 'ACTIVE',
      assignmentType: 'USER',
    },
  ],
  u3: [
    {
      id: 'ra4',
      type: 'SUPER_ADMIN',
      label: 'Super Administrator',
      status: 'ACTIVE',
      assignmentType: 'GROUP',
      _links: { assignee: { href: `${ORIGIN}/api/v1/groups/g1` } },
    },
  ],
};

function client(requests: string[]): () => OktaApiClient {
  const notFound = () => Promise.reject(new OktaApiError('client_error', 'not found', { status: 404 }));
  const api = {
    get(path: string) {
      requests.push(path);
      if (path in PAGES) return Promise.resolve(PAGES[path]);
      if (path === '/api/v1/groups/g1')
        return Promise.resolve({ id: 'g1', profile: { name: 'Okta Admins' } });
      const roles = /^\/api\/v1\/users\/([^/]+)\/roles$/.exec(path)?.[1];
      if (roles !== undefined) return ROLES[roles] === undefined ? notFound() : Promise.resolve(ROLES[roles]);
      const user = /^\/api\/v1\/users\/([^/]+)$/.exec(path)?.[1] ?? '';
      if (ROLES[user] === undefined) return notFound();
      return Promise.resolve({ id: user, status: 'ACTIVE', profile: { login: `${user}@acme.example` } });
    },
  };
  return () => api as unknown as OktaApiClient;
}

describe('AdminRoleCollector', () => {
  it('follows the assignees’ next links, reads each admin’s roles, names each group once and skips a deleted admin', async () => {
    const requests: string[] = [];
    const items = [];
    for await (const batch of new AdminRoleCollector(client(requests)).collect(context)) items.push(...batch);
    expect(items.map((i) => [i.sourceId, i.data.login, i.data.superAdmin])).toEqual([
      ['u1', 'u1@acme.example', true],
      ['u2', 'u2@acme.example', false],
      ['u3', 'u3@acme.example', true],
    ]);
    expect(items.every((i) => i.type === 'okta.admin_role_assignment' && i.controls.includes('CC6.3'))).toBe(
      true,
    );
    expect(items[1]?.data.roles).toEqual([
      {
        type: 'ORG_ADMIN',
        label: 'Organizational Administrator',
        status: 'ACTIVE',
        assignmentType: 'GROUP',
        group: { id: 'g1', name: 'Okta Admins' },
        assignmentId: 'ra2',
      },
      {
        type: 'READ_ONLY_ADMIN',
        label: 'Read-only Administrator',
        status: 'ACTIVE',
        assignmentType: 'USER',
        group: null,
        assignmentId: 'ra3',
      },
    ]);
    expect(requests.filter((r) => r === '/api/v1/groups/g1')).toHaveLength(1);
    expect(requests.filter((r) => r.startsWith('/api/v1/iam/'))).toHaveLength(2);
  });

  it('never follows a next link elsewhere than the assignees endpoint', async () => {
    const requests: string[] = [];
    PAGES['/api/v1/iam/assignees/users?limit=100&after=x'] = {
      value: [],
      _links: { next: { href: `${ORIGIN}/api/v1/users?limit=200` } },
    };
    for await (const batch of new AdminRoleCollector(client(requests)).collect(context)) void batch;
    expect(requests).not.toContain('/api/v1/users?limit=200');
  });
});
