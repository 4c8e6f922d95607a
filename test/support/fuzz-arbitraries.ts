import fc from 'fast-check';
import {
  type GraphQLInputType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
} from 'graphql';
import { type FuzzCase, type FuzzOperation, OMIT, type PassMode, UNSENT } from './fuzz-schema';

/** Real values the fuzz mixes into arguments so that some calls reach resolvers and repositories. */
export interface FuzzPools {
  /** Ids of the victim organization's objects (its id, connections, runs, evidence, audit entries...). */
  readonly foreignIds: readonly string[];
  /** Ids of the caller's own objects. */
  readonly ownIds: readonly string[];
  /** Well-formed page cursors, the victim's included. */
  readonly cursors: readonly string[];
  /** `oktaDomain` values that cause no outbound call other than to the local simulator. */
  readonly hosts: readonly string[];
}

const DAY = 86_400_000;

/** Strings that have broken services before: control and bidi characters, injection shapes, edge words. */
export const NASTY_STRINGS: readonly string[] = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\u202Egnp.exe',
  'Acme\u202E\u2066',
  '\u200B\u200C\u200D\uFEFF',
  '\u2028\u2029',
  '\r\n\t\v\f',
  '\u001b[31mred',
  '𝕏👩‍👩‍👧‍👦',
  'ﷺ̸̢̛͎',
  '\\',
  '"',
  "'",
  '`${7*7}`',
  '{{7*7}}',
  '%s%n%x',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  '{"$ne":null}',
  '$where',
  '$gt',
  '.*',
  '^(a+)+$',
  '(?=',
  '[',
  '../../../../etc/passwd',
  'null',
  'undefined',
  'NaN',
  'true',
  '0',
  '-1',
  '__proto__',
  'constructor',
  'hasOwnProperty',
  '000000000000000000000000',
  'ffffffffffffffffffffffff',
  'aaaaaaaaaaaa',
  'okta',
  'ADMIN',
];

const hexChar = fc.constantFrom(...'0123456789abcdef'.split(''));
const hex24 = fc.string({ unit: hexChar, minLength: 24, maxLength: 24 });

/** Long strings, sized so that one of them stays under a 100 kB body and two together may not. */
const hugeString = fc.oneof(
  fc.integer({ min: 513, max: 4_000 }).map((n) => 'x'.repeat(n)),
  fc.integer({ min: 10_000, max: 60_000 }).map((n) => 'a'.repeat(n)),
  fc.integer({ min: 1_000, max: 8_000 }).map((n) => '\u202E\u0000é'.repeat(n)),
  fc.integer({ min: 1_000, max: 10_000 }).map((n) => '👩‍👩‍👧'.repeat(n)),
);

const garbageString = fc.oneof(
  { arbitrary: fc.constantFrom(...NASTY_STRINGS), weight: 4 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }), weight: 1 },
  { arbitrary: fc.string({ maxLength: 30 }), weight: 1 },
);

/** `arb`'s value in one case out of `oneIn`, else undefined. */
function rarely<T>(arb: fc.Arbitrary<T>, oneIn: number): fc.Arbitrary<T | undefined> {
  return fc.oneof({ arbitrary: fc.constant(undefined), weight: oneIn - 1 }, { arbitrary: arb, weight: 1 });
}

/** Values of the wrong JSON type, operator objects (NoSQL injection shapes) and deep nesting. */
const wrongTyped: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    { $ne: null },
    { $gt: '' },
    { $regex: '.*' },
    { $where: 'sleep(1000)' },
    [],
    {},
    true,
    false,
    0,
    -1,
    1.5,
    2 ** 53,
    1e300,
    '',
    [[[['x']]]],
  ),
  fc.integer({ min: 20, max: 400 }).map((depth) => {
    let value: unknown = 1;
    for (let i = 0; i < depth; i++) value = [value];
    return value;
  }),
  fc.jsonValue({ maxDepth: 3 }),
);

function idArb(pools: FuzzPools): fc.Arbitrary<unknown> {
  const foreign = fc.constantFrom(...pools.foreignIds);
  return fc.oneof(
    { arbitrary: foreign, weight: 6 },
    { arbitrary: pools.ownIds.length > 0 ? fc.constantFrom(...pools.ownIds) : hex24, weight: 3 },
    { arbitrary: hex24, weight: 2 },
    {
      arbitrary: fc
        .tuple(foreign, fc.integer({ min: 0, max: 5 }))
        .map(
          ([id, variant]) =>
            [
              id.toUpperCase(),
              ` ${id} `,
              `${id}\u0000`,
              `${id}x`,
              id.slice(0, 12),
              Buffer.from(id, 'hex').toString('base64'),
            ][variant],
        ),
      weight: 2,
    },
    { arbitrary: garbageString, weight: 2 },
    { arbitrary: hugeString, weight: 1 },
    { arbitrary: fc.integer({ min: -5, max: 2 ** 31 }), weight: 1 },
  );
}

function intArb(): fc.Arbitrary<unknown> {
  return fc.oneof(
    { arbitrary: fc.integer({ min: -5, max: 120 }), weight: 5 },
    {
      arbitrary: fc.constantFrom<unknown>(
        0,
        -1,
        1,
        100,
        101,
        2_147_483_647,
        -2_147_483_648,
        2_147_483_648,
        -2_147_483_649,
        2 ** 53,
        -(2 ** 53),
        1e300,
        0.5,
        -0,
      ),
      weight: 3,
    },
    { arbitrary: fc.integer(), weight: 1 },
    { arbitrary: fc.double(), weight: 1 },
  );
}

function dateTimeArb(): fc.Arbitrary<unknown> {
  return fc.oneof(
    {
      // Near now, so that time-bounded inputs (expiresAt within a year, periods) are sometimes valid.
      arbitrary: fc
        .integer({ min: -800, max: 800 })
        .map((days) => new Date(Date.now() + days * DAY).toISOString()),
      weight: 5,
    },
    {
      arbitrary: fc
        .date({
          min: new Date('0001-01-01T00:00:00Z'),
          max: new Date('9999-12-31T23:59:59Z'),
          noInvalidDate: true,
        })
        .map((d) => d.toISOString()),
      weight: 2,
    },
    {
      arbitrary: fc.constantFrom<unknown>(
        '2026-02-30T00:00:00Z',
        '2026-13-01T00:00:00Z',
        '0000-00-00T00:00:00Z',
        '+275760-09-13T00:00:00.000Z',
        '-000001-01-01T00:00:00Z',
        '2026-01-01',
        '2026-01-01T00:00:00+14:00',
        '2026-01-01T25:61:61Z',
        '1970-01-01T00:00:00.000Z',
        'now',
        'Invalid Date',
        '',
        0,
        -1,
        8.64e15,
        8.64e15 + 1,
        1e300,
      ),
      weight: 3,
    },
    { arbitrary: garbageString, weight: 1 },
  );
}

/** String values by argument name: realistic values where the name says what belongs there. */
function stringArb(name: string, pools: FuzzPools): fc.Arbitrary<unknown> {
  const generic = fc.oneof(
    { arbitrary: fc.string({ minLength: 1, maxLength: 30 }), weight: 3 },
    { arbitrary: garbageString, weight: 3 },
    { arbitrary: hugeString, weight: 1 },
  );
  const withPool = (values: readonly unknown[]): fc.Arbitrary<unknown> =>
    fc.oneof({ arbitrary: fc.constantFrom(...values), weight: 3 }, { arbitrary: generic, weight: 2 });
  switch (name) {
    case 'oktaDomain':
      return withPool(pools.hosts);
    case 'after':
      return withPool(pools.cursors);
    // Filters only read: the victim's ids belong here (a filter on them must find nothing).
    case 'targetId':
      return fc.oneof({ arbitrary: idArb(pools), weight: 3 }, { arbitrary: generic, weight: 1 });
    case 'targetType':
      return withPool(['connection', 'organization', 'assessment', 'checkException', 'run']);
    case 'key':
      return withPool(['okta', 'OKTA', 'okta ', 'slack']);
    case 'type':
      return withPool(['okta.user_mfa', 'okta.password_policy', 'okta.deprovisioning_event']);
    case 'control':
      return withPool(['CC6.1', 'CC6.2', 'CC6.3', 'cc6.1']);
    case 'clientId':
      return withPool(['fuzz-b-client']);
    default:
      return generic;
  }
}

/** A value for a position of `type`: mostly the right shape, sometimes null, sometimes the wrong type. */
export function inputValueArb(
  type: GraphQLInputType,
  name: string,
  pools: FuzzPools,
  depth = 0,
): fc.Arbitrary<unknown> {
  const shaped = shapedValueArb(type, name, pools, depth);
  return fc.oneof(
    { arbitrary: shaped, weight: 20 },
    { arbitrary: fc.constant(null), weight: 1 },
    { arbitrary: wrongTyped, weight: 1 },
  );
}

function shapedValueArb(
  type: GraphQLInputType,
  name: string,
  pools: FuzzPools,
  depth: number,
): fc.Arbitrary<unknown> {
  if (isNonNullType(type)) return shapedValueArb(type.ofType, name, pools, depth);
  if (isListType(type)) {
    const item = inputValueArb(type.ofType, name, pools, depth + 1);
    return fc.oneof(
      { arbitrary: fc.array(item, { maxLength: 6 }), weight: 5 },
      { arbitrary: fc.array(item, { minLength: 40, maxLength: 120 }), weight: 1 },
      // A single value where a list belongs: GraphQL coerces it to a list of one.
      { arbitrary: item, weight: 1 },
    );
  }
  if (isEnumType(type)) {
    const values = type.getValues().map((v) => v.name);
    return fc.oneof(
      { arbitrary: fc.constantFrom(...values), weight: 6 },
      { arbitrary: fc.constantFrom(...values).map((v) => v.toLowerCase()), weight: 1 },
      { arbitrary: garbageString, weight: 1 },
    );
  }
  if (isInputObjectType(type)) {
    if (depth > 4) return fc.constant({});
    const fields = Object.values(type.getFields());
    const entries = fields.map((field) =>
      fc
        .oneof(
          {
            arbitrary: inputValueArb(field.type, field.name, pools, depth + 1),
            weight: isNonNullType(field.type) ? 15 : 1,
          },
          { arbitrary: fc.constant<unknown>(OMIT), weight: 1 },
        )
        .map((value) => [field.name, value] as const),
    );
    const extra = rarely(
      fc.constantFrom<[string, unknown]>(
        ['organizationId', pools.foreignIds[0]],
        ['__proto__', { admin: true }],
        ['constructor', 'x'],
        ['id', pools.foreignIds[0]],
      ),
      10,
    );
    return fc.tuple(fc.tuple(...entries), extra).map(([pairs, extraPair]) => {
      const value: Record<string, unknown> = {};
      for (const [key, v] of pairs) if (v !== OMIT) value[key] = v;
      if (extraPair) Object.defineProperty(value, extraPair[0], { value: extraPair[1], enumerable: true });
      return value;
    });
  }
  if (isScalarType(type)) {
    switch (type.name) {
      case 'ID':
        return idArb(pools);
      case 'String':
        return stringArb(name, pools);
      case 'Int':
      case 'Float':
        return intArb();
      case 'Boolean':
        return fc.boolean();
      case 'DateTime':
        return dateTimeArb();
      default:
        return fc.jsonValue({ maxDepth: 2 });
    }
  }
  return wrongTyped;
}

/** Variable types to declare instead of the right one (the document must then be refused as invalid). */
const WRONG_DECLARATIONS = [
  'String',
  'String!',
  'Int',
  'Int!',
  'Float',
  'Boolean',
  'ID',
  'ID!',
  '[ID!]!',
  '[String]',
  'JSON',
  'DateTime!',
  'AssessmentIdInput',
  'CheckKey',
  'Role',
  'NoSuchType',
  '[[ID]]',
] as const;

const STRAY_VARIABLES: readonly Record<string, unknown>[] = [
  { organizationId: 'x' },
  { v_unused: { $ne: null } },
  { ['__proto__']: { role: 'ADMIN' } },
];

/** A whole fuzz case for `op`: how the arguments travel and what they are. */
export function fuzzCaseArb(op: FuzzOperation, pools: FuzzPools): fc.Arbitrary<FuzzCase> {
  const args = op.field.args.map((arg) =>
    fc
      .oneof(
        { arbitrary: inputValueArb(arg.type, arg.name, pools), weight: 14 },
        { arbitrary: fc.constant<unknown>(OMIT), weight: isNonNullType(arg.type) ? 1 : 6 },
        { arbitrary: fc.constant<unknown>(UNSENT), weight: 1 },
      )
      .map((value) => [arg.name, value] as const),
  );
  const modes: fc.WeightedArbitrary<PassMode>[] = [
    { arbitrary: fc.constant('variables'), weight: 6 },
    { arbitrary: fc.constant('inline'), weight: 3 },
  ];
  if (args.length > 0) modes.push({ arbitrary: fc.constant('wrong-declaration'), weight: 1 });
  const mode = fc.oneof(...modes);
  // Each of these is rare: most of them make the document invalid, and most cases should reach resolvers.
  const stray = rarely(
    fc.oneof(
      fc.constantFrom(...STRAY_VARIABLES),
      fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
    ),
    6,
  );
  const unknownArgument = rarely(
    fc.tuple(
      fc.constantFrom('organizationId', 'id', 'first', 'where', 'role'),
      fc.oneof(fc.constantFrom<unknown>(...pools.foreignIds.slice(0, 3)), wrongTyped),
    ),
    16,
  );
  const unusedDeclaration = rarely(fc.constantFrom(...WRONG_DECLARATIONS), 16);
  const operationName = rarely(
    fc.oneof(fc.constantFrom<unknown>('Fuzz', 'Fuzz', 'Other', '', null, 7, ['Fuzz']), garbageString),
    8,
  );
  return fc
    .record({
      mode,
      args: fc.tuple(...args),
      declaredType: fc.constantFrom(...WRONG_DECLARATIONS),
      stray,
      unknownArgument,
      unusedDeclaration,
      operationName,
    })
    .map(({ mode: m, args: pairs, declaredType, stray: strayVariables, ...extras }) => {
      const record: Record<string, unknown> = {};
      for (const [k, v] of pairs) record[k] = v;
      // A stray `__proto__` must be an own key to be sent at all.
      const strayCopy =
        strayVariables === undefined
          ? undefined
          : Object.defineProperties({}, Object.getOwnPropertyDescriptors(strayVariables));
      return {
        mode: m,
        args: record,
        ...(m === 'wrong-declaration' ? { declaredType } : {}),
        ...(strayCopy === undefined ? {} : { strayVariables: strayCopy }),
        ...(extras.unknownArgument === undefined ? {} : { unknownArgument: extras.unknownArgument }),
        ...(extras.unusedDeclaration === undefined ? {} : { unusedDeclaration: extras.unusedDeclaration }),
        ...(extras.operationName === undefined ? {} : { operationName: extras.operationName }),
      };
    });
}
