import { Types } from 'mongoose';
import { canonicalJson } from './canonical-json';

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: undefined, x: null }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[2,{"x":null,"z":1}]},"b":1}',
    );
  });

  it('gives equal text for equal content built in a different order', () => {
    expect(canonicalJson({ x: 1, y: [1, 2] })).toBe(canonicalJson({ y: [1, 2], x: 1 }));
  });

  it('writes dates as ISO-8601 and object ids as hex', () => {
    const id = new Types.ObjectId('65a1b2c3d4e5f60718293a4b');
    expect(canonicalJson({ at: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)), id })).toBe(
      '{"at":"2026-01-02T03:04:05.006Z","id":"65a1b2c3d4e5f60718293a4b"}',
    );
  });

  it.each([[Number.NaN], [Infinity], [Buffer.from('x')], [() => 1]])('refuses %p', (value) => {
    expect(() => canonicalJson({ value })).toThrow(TypeError);
  });

  it('is RFC 8785: integer-like keys in code-unit order, and "__proto__" kept as a member', () => {
    expect(canonicalJson({ 10: 'a', 9: 'b', x: { 2: 1, 10: 2 } })).toBe(
      '{"10":"a","9":"b","x":{"10":2,"2":1}}',
    );
    const withProto = JSON.parse('{"__proto__":{"admin":true},"a":1}') as unknown;
    expect(canonicalJson(withProto)).toBe('{"__proto__":{"admin":true},"a":1}');
  });
});
