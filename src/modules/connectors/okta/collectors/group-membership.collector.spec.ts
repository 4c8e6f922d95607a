import { type CollectorContext } from '#src/modules/connectors/connector-driver.port';
import { type OktaApiClient, OktaApiError } from '#src/modules/connectors/okta/okta-api.client';
import { GroupMembershipCollector } from './group-membership.collector';

const DAY = 86_400_000;

const context = {
  now: new Date(),
  deadline: new Date(Date.now() + 60_000),
  signal: new AbortController().signal,
  cursor: {},
  carried: () => undefined,
} as unknown as CollectorContext;

/** An Okta client over fixed pages; a group's members may fail with `errors[groupId]`. */
function client(errors: Record<string, OktaApiError> = {}): () => OktaApiClient {
  const groups = [
    { id: 'g1', type: 'OKTA_GROUP', profile: { name: 'Everyone', description: 'all' } },
    { id: 'g2', type: 'OKTA_GROUP', profile: { name: 'Gone', description: null } },
    { id: 'g3', type: 'APP_GROUP', profile: { name: 'Admins', description: 'admins' } },
  ];
  const members: Record<string, { id: string; profile: { login: string } }[][]> = {
    g1: [
      [{ id: 'u2', profile: { login: 'b@example.com' } }],
      [{ id: 'u1', profile: { login: 'a@example.com' } }],
    ],
    g3: [[{ id: 'u1', profile: { login: 'a@example.com' } }]],
  };
  const requests: string[] = [];
  const api = {
    requests,
    get(path: string) {
      requests.push(path);
      const id = /\/api\/v1\/groups\/([^/?]+)$/.exec(path)?.[1] ?? '';
      const error = errors[id];
      if (error !== undefined) return Promise.reject(error);
      return Promise.resolve(groups.find((g) => g.id === id));
    },
    async *pages(path: string) {
      requests.push(path);
      await Promise.resolve(); // a network call, as far as the collector can tell
      if (path.startsWith('/api/v1/groups?')) {
        yield groups;
        return;
      }
      if (path.startsWith('/api/v1/logs?')) {
        yield [
          {
            eventType: 'group.user_membership.add',
            target: [
              { id: 'u9', type: 'User' },
              { id: 'g3', type: 'UserGroup' },
            ],
          },
          {
            eventType: 'group.user_membership.remove',
            target: [
              { id: 'u8', type: 'User' },
              { id: 'g2', type: 'UserGroup' },
            ],
          },
        ];
        return;
      }
      const id = /\/api\/v1\/groups\/([^/]+)\/users/.exec(path)?.[1] ?? '';
      const error = errors[id];
      if (error !== undefined) throw error;
      for (const page of members[id] ?? []) yield page;
    },
  };
  return () => api as unknown as OktaApiClient;
}

async function collect(collector: GroupMembershipCollector, run = context) {
  const items = [];
  for await (const batch of collector.collect(run)) items.push(...batch);
  return items;
}

describe('GroupMembershipCollector', () => {
  it('writes one row per group with its members over every page, sorted by id', async () => {
    const items = await collect(new GroupMembershipCollector(client(), DAY));
    expect(items.map((i) => i.sourceId)).toEqual(['g1', 'g2', 'g3']);
    expect(items[0]).toMatchObject({
      type: 'okta.group_membership',
      controls: ['CC6.3'],
      data: {
        groupId: 'g1',
        type: 'OKTA_GROUP',
        name: 'Everyone',
        memberCount: 2,
        members: [
          { id: 'u1', login: 'a@example.com' },
          { id: 'u2', login: 'b@example.com' },
        ],
      },
    });
    expect(items[1]?.data).toMatchObject({ memberCount: 0, members: [], description: null });
  });

  it('leaves out a group deleted while it is read (404), and goes on', async () => {
    const gone = new OktaApiError('client_error', 'Okta answered HTTP 404', { status: 404 });
    const items = await collect(new GroupMembershipCollector(client({ g2: gone }), DAY));
    expect(items.map((i) => i.sourceId)).toEqual(['g1', 'g3']);
  });

  it('fails the collection on any other error', async () => {
    const down = new OktaApiError('unavailable', 'Okta is unavailable');
    await expect(collect(new GroupMembershipCollector(client({ g3: down }), DAY))).rejects.toBe(down);
  });

  it('between daily sweeps reads only the groups named in membership events, and closes nothing', async () => {
    const api = client({ g2: new OktaApiError('client_error', 'Okta answered HTTP 404', { status: 404 }) });
    const collector = new GroupMembershipCollector(api, DAY);
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
    const run = {
      ...context,
      cursor: { groupSweepAt: hourAgo, groupEventsUntil: hourAgo },
    } as CollectorContext;
    const items = await collect(collector, run);
    expect(items.map((i) => i.sourceId)).toEqual(['g3']);
    expect(collector.closesVanished).toBe(false);
    expect(collector.cursorAfter(run)).toEqual({ groupEventsUntil: run.now.toISOString() });
    const requests = (api() as unknown as { requests: string[] }).requests;
    expect(requests.some((r) => r.startsWith('/api/v1/groups?'))).toBe(false);

    const swept = {
      ...context,
      cursor: {
        groupSweepAt: new Date(context.now.getTime() - DAY).toISOString(),
        groupEventsUntil: hourAgo,
      },
    } as CollectorContext;
    expect((await collect(collector, swept)).map((i) => i.sourceId)).toEqual(['g1', 'g3']);
    expect(collector.closesVanished).toBe(true);
    expect(collector.cursorAfter(swept)).toEqual({
      groupEventsUntil: swept.now.toISOString(),
      groupSweepAt: swept.now.toISOString(),
    });
  });
});
