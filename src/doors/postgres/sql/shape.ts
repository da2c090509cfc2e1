/**
 * The shape of a statement whose only constants are unsigned integers, so `-M simple`
 * (`… WHERE aid = 4711`, every literal new) is classified once per shape, not once per text.
 *
 * The reading is PostgreSQL's own: the text is normalised by libpg_query (its raw parser
 * parses the exact text — a text it cannot parse has no shape and takes the full parse, so
 * it is refused as before — and every constant node, `A_Const`, becomes `$n`). The shape is
 * used only when the text holds no `$` and no quote at all, and the normalised text equals
 * the original with each `$n` standing for a run of digits and nothing else (checked
 * character by character): two texts of one shape then differ only in the digits of integer
 * constants, which the classifier never reads (it reads `A_Const` only as a string:
 * `set_config`'s setting, `SET` values). Only single statements that read or write (no COPY,
 * SET, DO, restricted or blocked statement) are kept. sql/shape.test.ts
 * compares the shape's facts with the full parse's over a corpus.
 *
 * A shape is looked up by the text's skeleton (skeletonOf: every standalone run of digits
 * made a NUL, read in one pass of JavaScript), not by normalising each text: the
 * normalisation (a parse in WebAssembly) was a fifth of the door's CPU under `-M simple`. A
 * skeleton is trusted only once a text of it was normalised and its constants were found to
 * be exactly the skeleton's digit runs. Digits never delimit a comment, a quote or a token,
 * so texts of one skeleton are tokenised alike: their constants are the same runs.
 */
import type { ClassifiedSql } from './classify.js';
import { factsKey } from './facts-key.js';
import { normalizeSql } from './parser.js';
import type { ClassifiedStatement } from './statement.js';

const MARKER = /\$(\d+)/g;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** The shape key of `text`, or null when the text may not use a shape. */
export function shapeOf(text: string): string | null {
  // Quotes (strings, E'', U&'', B'', quoted identifiers) and `$` (parameters, dollar quotes)
  // take the full parse; so does a text without digits (nothing to share) or non-ASCII text.
  if (text.indexOf("'") >= 0 || text.indexOf('$') >= 0 || text.indexOf('\0') >= 0 || text.indexOf('"') >= 0 || !/[0-9]/.test(text)) return null;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 127) return null;
  const n = normalizeSql(text);
  if (n === null) return null;
  // text must be n with every `$k` replaced by a non-empty run of digits, and at least one.
  let pos = 0;
  let last = 0;
  let markers = 0;
  MARKER.lastIndex = 0;
  for (let m = MARKER.exec(n); m; m = MARKER.exec(n)) {
    const piece = n.slice(last, m.index);
    if (!text.startsWith(piece, pos)) return null;
    pos += piece.length;
    const start = pos;
    while (pos < text.length && isDigit(text.charCodeAt(pos))) pos++;
    if (pos === start) return null;
    last = m.index + m[0].length;
    markers++;
  }
  const tail = n.slice(last);
  if (markers === 0 || pos + tail.length !== text.length || !text.endsWith(tail)) return null;
  return n;
}

const NUL = 0;

/** Whether `c` can continue a token a digit run touches: a letter, a digit, `_` or `.` (`t1`, `1e5`, `1.5`, `0x1F`, `1_000`). */
function joinsToken(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 46;
}

/**
 * `text` with every standalone run of digits (touching no letter, digit, `_` or `.`) replaced
 * by a NUL, or null when the text may not use a shape: the same refusals as shapeOf (quotes,
 * `$`, NUL, non-ASCII) and no standalone run at all.
 */
export function skeletonOf(text: string): string | null {
  let out = '';
  let from = 0;
  let runs = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 39 || c === 36 || c === 34 || c === NUL || c > 127) return null;
    if (c < 48 || c > 57) continue;
    const start = i;
    while (i + 1 < n && isDigit(text.charCodeAt(i + 1))) i++;
    if ((start > 0 && joinsToken(text.charCodeAt(start - 1))) || (i + 1 < n && joinsToken(text.charCodeAt(i + 1)))) continue;
    out += text.slice(from, start) + '\0';
    from = i + 1;
    runs++;
  }
  return runs ? out + text.slice(from) : null;
}

/** Whether the shape key (normalised text) marks exactly the skeleton's digit runs. */
export function keyMatchesSkeleton(key: string, skeleton: string): boolean {
  return key.replace(MARKER, '\0') === skeleton;
}

export interface ShapeEntry {
  statement: ClassifiedStatement;
  /** Characters before the statement's text and after it (`;`, spaces, a comment), the same for every text of the shape. */
  prefix: number;
  suffix: number;
  /** factsKey() of the statement, the same for every text of the shape. */
  factsKey: string;
}

const SHAREABLE_EFFECTS: ReadonlySet<string> = new Set(['read', 'write']);

/** The entry to keep for `c` (classified by a full parse of `text` whose shape is `key`), or null when its kind may not be shared. */
export function shapeEntry(key: string, c: ClassifiedSql): ShapeEntry | null {
  if (c.refused || c.statements.length !== 1) return null;
  const s = c.statements[0]!;
  if (!SHAREABLE_EFFECTS.has(s.effect) || s.copy || s.reason) return null;
  const at = c.text.indexOf(s.text);
  // Bounds found where the statement's text occurs exactly once (not also inside a leading comment).
  if (at < 0 || c.text.indexOf(s.text, at + 1) >= 0) return null;
  const prefix = at;
  const suffix = c.text.length - at - s.text.length;
  // The statement's bounds must lie outside every constant: inside the key's first and last literal pieces.
  const first = key.indexOf('$');
  const lastMarker = key.lastIndexOf('$');
  let lastEnd = lastMarker + 1;
  while (lastEnd < key.length && isDigit(key.charCodeAt(lastEnd))) lastEnd++;
  if (prefix > first || suffix > key.length - lastEnd) return null;
  return { statement: s, prefix, suffix, factsKey: factsKey(c) };
}

/** The classification of `text` (of the entry's shape). */
export function fromShape(text: string, e: ShapeEntry): ClassifiedSql {
  const statement: ClassifiedStatement = { ...e.statement, text: text.slice(e.prefix, text.length - e.suffix) };
  return { text, statements: [statement], effect: statement.effect, factsKey: e.factsKey };
}
