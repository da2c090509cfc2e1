/**
 * The text form of a whole-row value, `(1,"4111 1111 1111 1111",alice)` (record_out):
 * fields separated by commas, an empty unquoted field is NULL, quoted fields double
 * their quotes and backslashes; a backslash escapes the next character anywhere.
 */

/** The fields, or null when the text is not a record literal. */
export function parseRecord(text: string): (string | null)[] | null {
  if (text.length < 2 || text[0] !== '(' || text[text.length - 1] !== ')') return null;
  const out: (string | null)[] = [];
  if (text.length === 2) return out;
  let i = 1;
  for (;;) {
    let value = '';
    let quotedOrEscaped = false;
    let inQuotes = false;
    for (;;) {
      if (i >= text.length) return null;
      const ch = text[i]!;
      if (inQuotes) {
        if (ch === '\\') {
          if (i + 1 >= text.length) return null;
          value += text[i + 1];
          i += 2;
        } else if (ch === '"') {
          if (text[i + 1] === '"') {
            value += '"';
            i += 2;
          } else {
            inQuotes = false;
            i++;
          }
        } else {
          value += ch;
          i++;
        }
        continue;
      }
      if (ch === ',' || ch === ')') break;
      if (ch === '"') {
        inQuotes = true;
        quotedOrEscaped = true;
        i++;
      } else if (ch === '\\') {
        if (i + 1 >= text.length) return null;
        value += text[i + 1];
        quotedOrEscaped = true;
        i += 2;
      } else {
        value += ch;
        i++;
      }
    }
    out.push(value === '' && !quotedOrEscaped ? null : value);
    if (text[i] === ')') return i === text.length - 1 ? out : null;
    i++;
  }
}

const NEEDS_QUOTES = /[",\\()\s]/;

export function buildRecord(fields: readonly (string | null)[]): string {
  let out = '(';
  fields.forEach((f, i) => {
    if (i) out += ',';
    if (f === null) return;
    out += f === '' || NEEDS_QUOTES.test(f) ? `"${f.replace(/["\\]/g, (c) => c + c)}"` : f;
  });
  return out + ')';
}
