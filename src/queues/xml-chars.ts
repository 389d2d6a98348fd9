// Characters SQS accepts in bodies and attribute values: XML's, no control
// characters other than tab, LF and CR (answers go out as XML, too).
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const INVALID_CHAR_RE = /[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;

/** SQS's `#xN` name of the first character XML cannot carry, or null when there is none. */
export function invalidXmlChar(s: string): string | null {
  const m = INVALID_CHAR_RE.exec(s);
  // A match is one code point.
  return m ? `#x${m[0].codePointAt(0)!.toString(16).toUpperCase()}` : null;
}

/** SQS's list of the characters it accepts, for error messages. */
export const ALLOWED_CHARS =
  '#x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF';
