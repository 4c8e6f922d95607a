/** What is kept of an identity provider's `error_description`: this many characters at most. */
export const IDP_DESCRIPTION_MAX = 200;

/** Characters nobody can see or that change how text around them renders: controls, format (bidi), unassigned. */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Cs}]/gu;
const LINE_BREAKS_AND_TABS = /[\t\n\v\f\r\u0085\u2028\u2029]+/g;

/**
 * The `error` of an OAuth error redirect as a fixed code: lower case, `[a-z_]` only, at most 64
 * characters; `unknown_error` when nothing is left. Safe to store, log and put in a redirect URL.
 */
export function idpErrorCode(value: unknown): string {
  if (typeof value !== 'string') return 'unknown_error';
  const code = value
    .slice(0, 256)
    .toLowerCase()
    .replace(/[^a-z_]/g, '')
    .slice(0, 64);
  return code === '' ? 'unknown_error' : code;
}

/**
 * Text from an untrusted party reduced to what can be shown safely: line breaks and tabs become spaces,
 * control, format (bidi overrides and isolates, zero-width), private-use, unassigned and lone surrogate
 * code points are dropped, runs of white space collapse, and at most `max` code points remain.
 */
export function printableText(value: unknown, max = IDP_DESCRIPTION_MAX): string {
  if (typeof value !== 'string') return '';
  const text = value
    .slice(0, max * 20)
    .replace(LINE_BREAKS_AND_TABS, ' ')
    .replace(UNPRINTABLE, '')
    .replace(/\s+/gu, ' ')
    .trim();
  return [...text].slice(0, max).join('').trimEnd();
}
