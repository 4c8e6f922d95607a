import { type ArgumentsHost } from '@nestjs/common';
import { GraphQLError } from 'graphql';
import { DomainExceptionFilter } from './domain-exception.filter';

const graphqlHost = { getType: () => 'graphql' } as unknown as ArgumentsHost;

/** What the MongoDB driver throws when the server gives up on a query at its maxTimeMS. */
function maxTimeExpired(): Error {
  return Object.assign(new Error('operation exceeded time limit: find evidence {"organizationId": …}'), {
    name: 'MongoServerError',
    code: 50,
    codeName: 'MaxTimeMSExpired',
  });
}

describe('DomainExceptionFilter', () => {
  it('answers a query the database gave up on at its time limit with SERVICE_BUSY, not an internal error, and no query text', () => {
    const error = new DomainExceptionFilter().catch(maxTimeExpired(), graphqlHost) as GraphQLError;
    expect(error.extensions.code).toBe('SERVICE_BUSY');
    expect(error.message).toMatch(/time limit/);
    expect(error.message).not.toMatch(/organizationId|evidence/);
  });

  it('keeps any other unexpected error a generic INTERNAL_SERVER_ERROR', () => {
    const error = new DomainExceptionFilter().catch(new Error('secret detail'), graphqlHost) as GraphQLError;
    expect(error.extensions.code).toBe('INTERNAL_SERVER_ERROR');
    expect(error.message).toBe('Internal server error');
  });
});
