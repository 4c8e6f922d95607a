import {
  getNamedType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
} from 'graphql';

export type OperationKind = 'query' | 'mutation' | 'subscription';

/** One root field of the schema, with a fixed selection of its result. */
export interface FuzzOperation {
  readonly kind: OperationKind;
  /** e.g. `Query.assessment` */
  readonly label: string;
  readonly field: GraphQLField<unknown, unknown>;
  /** The selection set for the field's type, or '' for a leaf. */
  readonly selection: string;
}

/** An argument left out of the document altogether. */
export const OMIT: unique symbol = Symbol('omit');
/** An argument used through a declared variable whose value is not sent. */
export const UNSENT: unique symbol = Symbol('unsent');
export type ArgValue = unknown;

export type PassMode = 'variables' | 'inline' | 'wrong-declaration';

/** What one fuzz iteration sends: how arguments travel, and their values (or OMIT / UNSENT). */
export interface FuzzCase {
  readonly mode: PassMode;
  readonly args: Readonly<Record<string, ArgValue>>;
  /** For `wrong-declaration`: the type the first passed argument's variable is declared with. */
  readonly declaredType?: string;
  /** Variables that the document does not declare (the server must ignore or reject them, not fail). */
  readonly strayVariables?: Readonly<Record<string, unknown>>;
  /** An argument the field does not have (e.g. `organizationId`), passed inline. */
  readonly unknownArgument?: readonly [string, unknown];
  /** A declared variable that nothing uses, of this type. */
  readonly unusedDeclaration?: string;
  /** Sent as `operationName` (the document's operation is named `Fuzz`). */
  readonly operationName?: unknown;
}

/**
 * Scalar fields at every level and object fields down to `depth` levels, so that any object the server
 * returns shows its identifying data (ids, names, hashes) to the leak check.
 */
export function selectionFor(type: GraphQLNamedType, depth: number): string {
  if (isLeafType(type)) return '';
  if (!isObjectType(type) && !isInterfaceType(type)) return '{ __typename }';
  const parts: string[] = [];
  for (const field of Object.values((type as GraphQLObjectType).getFields())) {
    if (field.args.some((a) => isNonNullType(a.type))) continue;
    const named = getNamedType(field.type);
    if (isLeafType(named)) parts.push(field.name);
    else if (depth > 0) parts.push(`${field.name} ${selectionFor(named, depth - 1)}`);
  }
  return parts.length > 0 ? `{ ${parts.join(' ')} }` : '{ __typename }';
}

/** Every root field of the running schema (queries, mutations, subscriptions). */
export function fuzzOperations(schema: GraphQLSchema, depth = 3): FuzzOperation[] {
  const roots: [OperationKind, GraphQLObjectType | null | undefined][] = [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
    ['subscription', schema.getSubscriptionType()],
  ];
  return roots.flatMap(([kind, type]) =>
    type
      ? Object.values(type.getFields()).map((field) => ({
          kind,
          label: `${type.name}.${field.name}`,
          field,
          selection: selectionFor(getNamedType(field.type), depth),
        }))
      : [],
  );
}

const NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;

/**
 * A GraphQL literal for `value` in a position of `type`. Values of the wrong shape are printed as what
 * they are (a number where a string belongs, an object where a list belongs), so the server sees them.
 */
export function printLiteral(value: unknown, type: GraphQLInputType | undefined): string {
  const named = type === undefined ? undefined : getNamedType(type);
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') {
    return named !== undefined && isEnumType(named) && NAME.test(value) ? value : JSON.stringify(value);
  }
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'Infinity';
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    const inner = type !== undefined && isNonNullType(type) ? type.ofType : type;
    const item = inner !== undefined && isListType(inner) ? inner.ofType : undefined;
    return `[${value.map((v) => printLiteral(v, item)).join(', ')}]`;
  }
  if (typeof value === 'object') {
    const fields = named !== undefined && isInputObjectType(named) ? named.getFields() : {};
    const entries = Object.entries(value as Record<string, unknown>).map(
      // A key that is not a GraphQL name is kept as-is: the document then fails to parse, as it should.
      ([k, v]) => `${k}: ${printLiteral(v, fields[k]?.type)}`,
    );
    return `{ ${entries.join(', ')} }`;
  }
  return JSON.stringify(typeof value);
}

export interface GraphqlPayload {
  readonly query: string;
  readonly variables?: Record<string, unknown>;
  readonly operationName?: unknown;
}

/** The request body for one fuzz case of `op`. */
export function buildPayload(op: FuzzOperation, fuzzCase: FuzzCase): GraphqlPayload {
  const declarations: string[] = [];
  const passed: string[] = [];
  const variables: Record<string, unknown> = { ...(fuzzCase.strayVariables ?? {}) };
  let wrongDeclarationUsed = false;
  for (const arg of op.field.args) {
    const value = fuzzCase.args[arg.name];
    if (value === OMIT || !(arg.name in fuzzCase.args)) continue;
    if (fuzzCase.mode === 'inline') {
      if (value === UNSENT) continue;
      passed.push(`${arg.name}: ${printLiteral(value, arg.type)}`);
      continue;
    }
    const variable = `v_${arg.name}`;
    let declared = String(arg.type);
    if (fuzzCase.mode === 'wrong-declaration' && !wrongDeclarationUsed && fuzzCase.declaredType) {
      declared = fuzzCase.declaredType;
      wrongDeclarationUsed = true;
    }
    declarations.push(`$${variable}: ${declared}`);
    passed.push(`${arg.name}: $${variable}`);
    if (value !== UNSENT) variables[variable] = value;
  }
  if (fuzzCase.unknownArgument !== undefined) {
    const [name, value] = fuzzCase.unknownArgument;
    passed.push(`${name}: ${printLiteral(value, undefined)}`);
  }
  if (fuzzCase.unusedDeclaration !== undefined) declarations.push(`$unused: ${fuzzCase.unusedDeclaration}`);
  const head = declarations.length > 0 ? `${op.kind} Fuzz(${declarations.join(', ')})` : `${op.kind} Fuzz`;
  const call = passed.length > 0 ? `${op.field.name}(${passed.join(', ')})` : op.field.name;
  const query = `${head} { ${call} ${op.selection} }`;
  return {
    query,
    ...(Object.keys(variables).length > 0 || fuzzCase.mode !== 'inline' ? { variables } : {}),
    ...(fuzzCase.operationName === undefined ? {} : { operationName: fuzzCase.operationName }),
  };
}
