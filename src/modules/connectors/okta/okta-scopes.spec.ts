import { checkGrantedScopes } from './okta-scopes';

const READ = 'okta.users.read okta.groups.read okta.policies.read okta.logs.read';

describe('checkGrantedScopes', () => {
  it.each<[string, string | undefined, { ok: boolean; missing: string[]; excess: string[] }]>([
    ['exactly what we asked for', `openid offline_access ${READ}`, { ok: true, missing: [], excess: [] }],
    ['the Okta scopes only', READ, { ok: true, missing: [], excess: [] }],
    ['an extra read scope', `${READ} okta.apps.read`, { ok: true, missing: [], excess: [] }],
    [
      'a missing scope',
      'openid okta.users.read okta.groups.read okta.policies.read',
      { ok: false, missing: ['okta.logs.read'], excess: [] },
    ],
    [
      'a manage scope',
      `${READ} okta.users.manage`,
      { ok: false, missing: [], excess: ['okta.users.manage'] },
    ],
    [
      'an unknown scope',
      `${READ} okta.myAccount.password.manage`,
      { ok: false, missing: [], excess: ['okta.myAccount.password.manage'] },
    ],
    [
      'no scope at all',
      undefined,
      {
        ok: false,
        missing: ['okta.users.read', 'okta.groups.read', 'okta.policies.read', 'okta.logs.read'],
        excess: [],
      },
    ],
  ])('%s', (_name, scope, expected) => {
    expect(checkGrantedScopes(scope)).toMatchObject(expected);
  });
});
