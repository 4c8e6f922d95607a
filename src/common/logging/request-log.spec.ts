import { parse } from 'graphql';
import { operationNameOf, requestLogFields } from './request-log';

describe('operationNameOf (the request log names the GraphQL operation)', () => {
  it.each<[string, string, string | null | undefined, string | undefined]>([
    ['the requested operationName', 'query A { a } query B { b }', 'B', 'B'],
    ['the operation’s own name', 'query Coverage { coverage { id } }', undefined, 'Coverage'],
    [
      'the first field of an unnamed operation',
      '{ connections { id } organization { id } }',
      undefined,
      'connections',
    ],
    [
      'the first field of an unnamed mutation',
      'mutation { syncConnection(input: {}) { id } }',
      null,
      'syncConnection',
    ],
    ['nothing for fragments only', 'fragment F on Query { a }', undefined, undefined],
    ['the document’s, not a requested name that is no GraphQL name', 'query Named { a }', 'x y', 'Named'],
  ])('gives %s', (_case, document, requested, expected) => {
    expect(operationNameOf(parse(document), requested)).toBe(expected);
  });
});

describe('requestLogFields', () => {
  it('takes the organization from the verified principal and the recorded operation name', () => {
    const req = {
      headers: { authorization: 'Bearer secret-token' },
      principal: { organizationId: '0123456789abcdef01234567', userId: 'u', role: 'ADMIN' },
      graphqlOperationName: 'connections',
    };
    expect(requestLogFields(req)).toEqual({
      operationName: 'connections',
      organizationId: '0123456789abcdef01234567',
    });
  });

  it('adds nothing to an anonymous, non-GraphQL request', () => {
    expect(requestLogFields({ headers: {} })).toEqual({});
  });
});
