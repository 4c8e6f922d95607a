import {
  getNamedType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  GraphQLInputObjectType,
  GraphQLEnumType,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLScalarType,
  type GraphQLSchema,
  isLeafType,
} from 'graphql';

export interface RootOperation {
  readonly kind: 'query' | 'mutation' | 'subscription';
  readonly field: string;
  readonly document: string;
  readonly variables: Record<string, unknown>;
}

const ID = '0123456789abcdef01234567';

/** A plausible value for an input type, so that a call passes GraphQL validation and reaches the guards. */
export function sample(type: GraphQLInputType): unknown {
  if (type instanceof GraphQLNonNull) return sample(type.ofType);
  if (type instanceof GraphQLList) return [sample(type.ofType)];
  if (type instanceof GraphQLEnumType) return type.getValues()[0]?.value;
  if (type instanceof GraphQLInputObjectType) {
    return Object.fromEntries(
      Object.values(type.getFields())
        .filter((f) => f.type instanceof GraphQLNonNull)
        .map((f) => [f.name, sample(f.type)]),
    );
  }
  if (type instanceof GraphQLScalarType) {
    switch (type.name) {
      case 'Int':
      case 'Float':
        return 1;
      case 'Boolean':
        return false;
      case 'DateTime':
        return '2026-01-01T00:00:00.000Z';
      case 'JSON':
        return {};
      case 'ID':
        return ID;
      default:
        return 'x';
    }
  }
  throw new Error(`No sample for ${String(type)}`);
}

function operation(kind: RootOperation['kind'], field: GraphQLField<unknown, unknown>): RootOperation {
  const args = field.args.filter((a: GraphQLArgument) => a.type instanceof GraphQLNonNull);
  const decl = args.map((a) => `$${a.name}: ${String(a.type)}`).join(', ');
  const pass = args.map((a) => `${a.name}: $${a.name}`).join(', ');
  const selection = isLeafType(getNamedType(field.type)) ? '' : ' { __typename }';
  return {
    kind,
    field: field.name,
    document: `${kind}${decl ? `(${decl})` : ''} { ${field.name}${pass ? `(${pass})` : ''}${selection} }`,
    variables: Object.fromEntries(args.map((a) => [a.name, sample(a.type)])),
  };
}

/** Every root field of the schema as a callable operation with sample arguments. */
export function rootOperations(schema: GraphQLSchema): RootOperation[] {
  const roots: [RootOperation['kind'], GraphQLObjectType | null | undefined][] = [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
    ['subscription', schema.getSubscriptionType()],
  ];
  return roots.flatMap(([kind, type]) =>
    type ? Object.values(type.getFields()).map((f) => operation(kind, f)) : [],
  );
}
