import { buildSchema, findBreakingChanges } from 'graphql';

/** Where the released GraphQL contract is kept, relative to the project root. */
export const CONTRACT_FILE = 'docs/api/schema-contract.gql';

/**
 * The changes from the contract to `current` that would break a client written against the contract
 * (removed or retyped fields, arguments and enum values, a new required argument or input field, …), as
 * graphql-js describes them. Additions and deprecations are not breaking.
 */
export function breakingChanges(contractSdl: string, currentSdl: string): string[] {
  return findBreakingChanges(buildSchema(contractSdl), buildSchema(currentSdl)).map(
    (change) => `${change.type}: ${change.description}`,
  );
}
