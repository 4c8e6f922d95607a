import { dataState } from './evaluate-checks.use-case';
import { incompleteCollections } from './picture-at.use-case';

describe('dataState (whether the connections providing a check’s evidence could vouch for it)', () => {
  const sources = [
    { connectionId: 'fresh', fresh: true, complete: true },
    { connectionId: 'stale', fresh: false, complete: true },
    { connectionId: 'partial', fresh: true, complete: false },
  ];

  it.each<[string, string[], { present: boolean; fresh: boolean; complete: boolean }]>([
    ['no provider', [], { present: false, fresh: false, complete: true }],
    ['a provider no longer live', ['revoked'], { present: false, fresh: false, complete: true }],
    ['a fresh complete provider', ['fresh'], { present: true, fresh: true, complete: true }],
    ['one stale provider among two', ['fresh', 'stale'], { present: true, fresh: false, complete: true }],
    ['a partial provider', ['partial'], { present: true, fresh: true, complete: false }],
  ])('%s', (_name, providers, expected) => {
    expect(dataState(new Set(providers), sources)).toEqual(expected);
  });
});

describe('incompleteCollections (types a finished run did not collect completely)', () => {
  const types = ['okta.user_mfa', 'okta.password_policy'];
  const stats = [
    { collector: 'okta.user_mfa', complete: true },
    { collector: 'okta.password_policy', complete: false },
  ];

  it('none without a run or after a successful one', () => {
    expect(incompleteCollections(null, types)).toEqual([]);
    expect(incompleteCollections({ id: 'r1', status: 'SUCCEEDED', stats: [] } as never, types)).toEqual([]);
  });

  it('the types a partial run left incomplete, naming it', () => {
    expect(incompleteCollections({ id: 'r2', status: 'PARTIAL', stats } as never, types)).toEqual([
      { type: 'okta.password_policy', runId: 'r2', runStatus: 'PARTIAL' },
    ]);
  });
});
