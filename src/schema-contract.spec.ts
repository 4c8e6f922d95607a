import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { breakingChanges, CONTRACT_FILE } from './schema-contract';

const ROOT = join(__dirname, '..');
const contract = readFileSync(join(ROOT, CONTRACT_FILE), 'utf8');
const current = readFileSync(join(ROOT, 'schema.gql'), 'utf8');

describe('the GraphQL contract (schema.gql against docs/api/schema-contract.gql)', () => {
  it('schema.gql changes the contract only by additions and deprecations', () => {
    expect(breakingChanges(contract, current)).toEqual([]);
  });

  it.each<[string, RegExp | string, string]>([
    ['a removed field', /\n {2}oktaDomain: String! @deprecated\([^)]*\)/, ''],
    [
      'a removed mutation',
      /\n {2}"""\n[^\n]*\n {2}"""\n {2}connectOkta\(input: ConnectOktaInput!\): ConnectOktaPayload!/,
      '',
    ],
    ['a retyped field', 'externalTenant: String!\n  grantedScopes', 'externalTenant: Int!\n  grantedScopes'],
    ['a new required input field', 'input ConnectOktaInput {', 'input ConnectOktaInput {\n  tenantId: ID!'],
  ])('catches %s', (_name, from, to) => {
    const changed = current.replace(from, to);
    expect(changed).not.toBe(current);
    expect(breakingChanges(contract, changed).length).toBeGreaterThan(0);
  });
});
