/**
 * Names the first construct in `regex` that a linear-time engine cannot run (backreferences,
 * lookaround, atomic groups, possessive quantifiers, conditionals, recursion), or null.
 * RE2 refuses all of them too, but with parser wording ("invalid escape sequence: `\1`");
 * this says what the construct is and why it is refused.
 */
export function findUnsupportedSyntax(regex: string): string | null {
  let inClass = false;
  for (let i = 0; i < regex.length; i++) {
    const c = regex[i];
    if (c === '\\') {
      const next = regex[i + 1] ?? '';
      if (next === 'Q') {
        // \Q…\E quotes its text literally: nothing inside is syntax.
        const end = regex.indexOf('\\E', i + 2);
        if (end === -1) return null;
        i = end + 1;
        continue;
      }
      if (!inClass) {
        if (/[1-9]/.test(next)) return `backreference \\${next} at offset ${i}`;
        if (next === 'k' && /[<{']/.test(regex[i + 2] ?? '')) return `named backreference at offset ${i}`;
        if (next === 'g' && /[0-9{<'+-]/.test(regex[i + 2] ?? '')) return `backreference \\g at offset ${i}`;
      }
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      // A `]` first in a class (or after `^`) is a literal, not the end.
      if (regex[i + 1] === '^') i++;
      if (regex[i + 1] === ']') i++;
      continue;
    }
    if (c === '(' && regex[i + 1] === '?') {
      const construct = groupConstruct(regex.slice(i + 2, i + 5));
      if (construct !== null) return `${construct} at offset ${i}`;
      continue;
    }
    if ((c === '*' || c === '+' || c === '?' || c === '}') && regex[i + 1] === '+') {
      return `possessive quantifier ${c}+ at offset ${i}`;
    }
  }
  return null;
}

function groupConstruct(after: string): string | null {
  if (after.startsWith('=')) return 'lookahead (?=';
  if (after.startsWith('!')) return 'negative lookahead (?!';
  if (after.startsWith('<=')) return 'lookbehind (?<=';
  if (after.startsWith('<!')) return 'negative lookbehind (?<!';
  if (after.startsWith('>')) return 'atomic group (?>';
  if (after.startsWith('(')) return 'conditional (?(';
  if (/^(?:R|[+-]?\d|&|P>)/.test(after)) return 'recursion or subroutine call';
  return null;
}
