/** A GraphQL enum object (`registerEnumType`) from a list of string values: each value names itself. */
export const asEnum = <T extends string>(values: readonly T[]): { [K in T]: K } =>
  Object.fromEntries(values.map((v) => [v, v])) as { [K in T]: K };
