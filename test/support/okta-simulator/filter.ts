/**
 * The subset of Okta's filter grammar the connector uses: `attr op "value"` with `eq ne gt ge lt le sw co pr`,
 * `and`, `or`, `not` and parentheses. Returns a predicate over plain objects (dotted attribute paths).
 */
export type Predicate = (item: unknown) => boolean;

export class FilterSyntaxError extends Error {}

type Token = { kind: 'word' | 'string' | 'lparen' | 'rparen'; value: string };

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i] ?? '';
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')') {
      tokens.push({ kind: c === '(' ? 'lparen' : 'rparen', value: c });
      i++;
    } else if (c === '"') {
      let j = i + 1;
      let value = '';
      while (j < input.length && input[j] !== '"') {
        if (input[j] === '\\') j++;
        value += input[j] ?? '';
        j++;
      }
      if (j >= input.length) throw new FilterSyntaxError('unterminated string');
      tokens.push({ kind: 'string', value });
      i = j + 1;
    } else {
      const match = /^[^\s()"]+/.exec(input.slice(i));
      if (match === null) throw new FilterSyntaxError(`unexpected ${c}`);
      tokens.push({ kind: 'word', value: match[0] });
      i += match[0].length;
    }
  }
  return tokens;
}

function get(item: unknown, path: string): unknown {
  let value: unknown = item;
  for (const key of path.split('.')) {
    if (Array.isArray(value)) return value.map((v: unknown) => get(v, key));
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function compare(actual: unknown, op: string, expected: string): boolean {
  if (Array.isArray(actual)) return actual.some((a) => compare(a, op, expected));
  if (op === 'pr') return actual !== undefined && actual !== null;
  if (actual === undefined || actual === null) return op === 'ne';
  const a = typeof actual === 'string' ? actual : JSON.stringify(actual);
  switch (op) {
    case 'eq':
      return a === expected;
    case 'ne':
      return a !== expected;
    case 'gt':
      return a > expected;
    case 'ge':
      return a >= expected;
    case 'lt':
      return a < expected;
    case 'le':
      return a <= expected;
    case 'sw':
      return a.startsWith(expected);
    case 'co':
      return a.toLowerCase().includes(expected.toLowerCase());
    case 'ew':
      return a.endsWith(expected);
    default:
      throw new FilterSyntaxError(`unsupported operator ${op}`);
  }
}

export function parseFilter(
  input: string,
  allowed: { attributes: readonly string[]; operators: readonly string[] },
): Predicate {
  const tokens = tokenize(input);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const next = (): Token => {
    const token = tokens[pos++];
    if (token === undefined) throw new FilterSyntaxError('unexpected end of filter');
    return token;
  };

  function primary(): Predicate {
    const token = next();
    if (token.kind === 'lparen') {
      const inner = or();
      if (next().kind !== 'rparen') throw new FilterSyntaxError('missing )');
      return inner;
    }
    if (token.kind === 'word' && token.value === 'not') {
      const inner = primary();
      return (item) => !inner(item);
    }
    if (token.kind !== 'word') throw new FilterSyntaxError('expected an attribute');
    const attribute = token.value;
    if (!allowed.attributes.includes(attribute))
      throw new FilterSyntaxError(`unsupported attribute ${attribute}`);
    const op = next();
    if (op.kind !== 'word' || !allowed.operators.includes(op.value))
      throw new FilterSyntaxError(`unsupported operator ${op.value}`);
    if (op.value === 'pr') return (item) => compare(get(item, attribute), 'pr', '');
    const value = next();
    if (value.kind !== 'string' && value.kind !== 'word') throw new FilterSyntaxError('expected a value');
    return (item) => compare(get(item, attribute), op.value, value.value);
  }

  function and(): Predicate {
    let left = primary();
    while (peek()?.kind === 'word' && peek()?.value === 'and') {
      next();
      const l = left;
      const r = primary();
      left = (item) => l(item) && r(item);
    }
    return left;
  }

  function or(): Predicate {
    let left = and();
    while (peek()?.kind === 'word' && peek()?.value === 'or') {
      next();
      const l = left;
      const r = and();
      left = (item) => l(item) || r(item);
    }
    return left;
  }

  const predicate = or();
  if (pos !== tokens.length) throw new FilterSyntaxError('trailing input');
  return predicate;
}
