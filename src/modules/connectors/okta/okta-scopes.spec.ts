import { checkGrantedScopes, REQUESTED_SCOPES } from './okta-scopes';

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

describe('the optional okta.roles.read scope', () => {
  it('is requested, and its absence is reported but never an error', () => {
    expect(REQUESTED_SCOPES).toContain('okta.roles.read');
    expect(checkGrantedScopes(READ)).toMatchObject({ ok: true, optionalMissing: ['okta.roles.read'] });
    expect(checkGrantedScopes(`${READ} okta.roles.read`)).toMatchObject({ ok: true, optionalMissing: [] });
  });

  it('does not stand in for a required scope', () => {
    expect(
      checkGrantedScopes('okta.users.read okta.groups.read okta.policies.read okta.roles.read'),
    ).toMatchObject({ ok: false, missing: ['okta.logs.read'], optionalMissing: [] });
  });
});
