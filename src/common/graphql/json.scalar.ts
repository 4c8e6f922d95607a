import { GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { normalize } from '#src/common/util/canonical-json';

function fromLiteral(ast: ValueNode): unknown {
  switch (ast.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return ast.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(ast.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return ast.values.map(fromLiteral);
    case Kind.OBJECT:
      return Object.fromEntries(ast.fields.map((f) => [f.name.value, fromLiteral(f.value)]));
    case Kind.VARIABLE:
    case Kind.ENUM:
      throw new TypeError('JSON literals cannot contain variables or enum values');
  }
}

/** Arbitrary JSON, for evidence payloads and audit details. Output is normalised (dates ISO, ids hex). */
export const JSONScalar = new GraphQLScalarType({
  name: 'JSON',
  description: 'Arbitrary JSON value',
  serialize: (value) => normalize(value),
  parseValue: (value) => value,
  parseLiteral: fromLiteral,
});
