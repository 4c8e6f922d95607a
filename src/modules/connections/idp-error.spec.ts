import { IDP_DESCRIPTION_MAX, idpErrorCode, printableText } from './idp-error';

describe('idpErrorCode', () => {
  it.each<[string, unknown, string]>([
    ['a standard code', 'access_denied', 'access_denied'],
    ['upper case', 'Access_Denied', 'access_denied'],
    ['a bidi override and markup', 'access_denied\u202E<script>', 'access_deniedscript'],
    ['digits, dashes and spaces', 'invalid-scope 42', 'invalidscope'],
    ['nothing usable', '\u0000\u202E', 'unknown_error'],
    ['an empty string', '', 'unknown_error'],
    ['no value', undefined, 'unknown_error'],
    ['a repeated parameter (array)', ['access_denied'], 'unknown_error'],
    ['a very long code', 'x'.repeat(500), 'x'.repeat(64)],
  ])('%s', (_name, input, expected) => {
    expect(idpErrorCode(input)).toBe(expected);
  });
});

describe('printableText', () => {
  it.each<[string, unknown, string]>([
    ['plain text', 'User denied access', 'User denied access'],
    ['NUL and other C0 controls', 'a\u0000b\u0007c\u001b[31md', 'abc[31md'],
    ['C1 controls', 'a\u0085b\u009bc', 'a bc'],
    ['bidi overrides and isolates', 'evil\u202Etxt.exe\u2066x\u2069\u200F', 'eviltxt.exex'],
    ['zero-width characters', 'a\u200Bb\uFEFFc', 'abc'],
    ['line breaks as single spaces', 'one\r\ntwo\u2028three\tfour', 'one two three four'],
    ['a lone surrogate', 'a\uD800b', 'ab'],
    ['non-Latin letters and emoji kept', 'Zugriff verweigert – 拒否 🙅', 'Zugriff verweigert – 拒否 🙅'],
    ['not a string', 42, ''],
  ])('%s', (_name, input, expected) => {
    expect(printableText(input)).toBe(expected);
  });

  it('caps the length in code points without splitting a surrogate pair', () => {
    const capped = printableText('🙅'.repeat(500));
    expect([...capped]).toHaveLength(IDP_DESCRIPTION_MAX);
    expect(capped).not.toMatch(/\p{Cs}/u);
    expect(printableText('a'.repeat(10_000), 10)).toBe('a'.repeat(10));
  });
});
