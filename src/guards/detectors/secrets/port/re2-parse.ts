import { complement, DIGIT, MAX_UNIT, SPACE, WORD, type Node, type Range } from './re2-ast.js';

/**
 * Parses the RE2 subset used by gitleaks into the AST of re2-ast.ts, resolving flags
 * (`(?i)`, `(?s)`, `(?-i:…)`) onto each node. Anything outside the subset throws, so a new
 * construct in a future gitleaks release fails the port loudly instead of silently.
 */
export function parseRe2(source: string): Node {
  return new Parser(source).parse();
}

interface Flags { i: boolean; s: boolean }

const POSIX: Record<string, Range[]> = {
  alnum: [[0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a]],
  alpha: [[0x41, 0x5a], [0x61, 0x7a]],
  digit: [[0x30, 0x39]],
  lower: [[0x61, 0x7a]],
  upper: [[0x41, 0x5a]],
  space: [[0x09, 0x0d], [0x20, 0x20]],
  xdigit: [[0x30, 0x39], [0x41, 0x46], [0x61, 0x66]],
  word: [...WORD],
  punct: [[0x21, 0x2f], [0x3a, 0x40], [0x5b, 0x60], [0x7b, 0x7e]],
};

const SIMPLE_ESCAPES: Record<string, number> = { t: 9, n: 10, v: 11, f: 12, r: 13, a: 7 };

class Parser {
  private pos = 0;
  private flags: Flags = { i: false, s: false };

  constructor(private readonly src: string) {}

  parse(): Node {
    const node = this.parseAlt();
    if (this.pos < this.src.length) this.fail('unbalanced )');
    return node;
  }

  private fail(why: string): never {
    throw new Error(`RE2 parse error at ${this.pos} (${why}): ${this.src}`);
  }

  private parseAlt(): Node {
    const alts: Node[] = [this.parseSeq()];
    while (this.src[this.pos] === '|') {
      this.pos++;
      alts.push(this.parseSeq());
    }
    return alts.length === 1 ? alts[0]! : { t: 'alt', alts };
  }

  private parseSeq(): Node {
    const items: Node[] = [];
    while (this.pos < this.src.length && this.src[this.pos] !== '|' && this.src[this.pos] !== ')') {
      const atom = this.parseAtom();
      if (atom) items.push(this.parseQuantifiers(atom));
    }
    return items.length === 1 ? items[0]! : { t: 'seq', items };
  }

  private parseQuantifiers(atom: Node): Node {
    let node = atom;
    for (;;) {
      const ch = this.src[this.pos];
      let min: number;
      let max: number;
      if (ch === '*') [min, max] = [0, Infinity];
      else if (ch === '+') [min, max] = [1, Infinity];
      else if (ch === '?') [min, max] = [0, 1];
      else if (ch === '{') {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.pos));
        if (!m) return node; // a `{` that is not a repeat is a literal (RE2 rule); parseAtom takes it
        min = Number(m[1]);
        max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
        this.pos += m[0].length - 1;
      } else return node;
      this.pos++;
      const lazy = this.src[this.pos] === '?';
      if (lazy) this.pos++;
      node = { t: 'rep', min, max, lazy, body: node };
    }
  }

  private parseAtom(): Node | null {
    const ch = this.src[this.pos]!;
    switch (ch) {
      case '(':
        return this.parseGroup();
      case '[':
        return this.parseClass();
      case '.':
        this.pos++;
        return { t: 'any', dotAll: this.flags.s };
      case '^':
        this.pos++;
        return { t: 'assert', k: 'start' };
      case '$':
        this.pos++;
        return { t: 'assert', k: 'end' };
      case '\\':
        return this.parseEscape();
      case '*': case '+': case '?':
        return this.fail('missing repeat argument');
      default:
        this.pos++;
        return { t: 'lit', c: ch.charCodeAt(0), ci: this.flags.i };
    }
  }

  private parseGroup(): Node | null {
    const rest = this.src.slice(this.pos);
    const saved = { ...this.flags };
    let capture = true;
    const flagMatch = /^\(\?([a-zA-Z]*)(?:-([a-zA-Z]*))?([:)])/.exec(rest);
    const named = /^\(\?P?<([A-Za-z_]\w*)>/.exec(rest);
    if (named) {
      this.pos += named[0].length;
    } else if (flagMatch) {
      capture = false;
      this.pos += flagMatch[0].length;
      const target = flagMatch[3] === ')' ? this.flags : { ...this.flags };
      for (const f of flagMatch[1]!) this.setFlag(target, f, true);
      for (const f of flagMatch[2] ?? '') this.setFlag(target, f, false);
      if (flagMatch[3] === ')') return null; // `(?i)`: flags for the rest of the enclosing group
      this.flags = target;
    } else if (rest.startsWith('(?')) {
      this.fail('unsupported group');
    } else {
      this.pos++;
    }
    const body = this.parseAlt();
    if (this.src[this.pos] !== ')') this.fail('missing )');
    this.pos++;
    this.flags = saved;
    return { t: 'group', capture, body };
  }

  private setFlag(flags: Flags, f: string, on: boolean): void {
    if (f === 'i') flags.i = on;
    else if (f === 's') flags.s = on;
    else this.fail(`unsupported flag ${f}`);
  }

  private parseEscape(): Node {
    const e = this.src[this.pos + 1];
    if (e === undefined) this.fail('trailing backslash');
    const perl = this.perlClass(e);
    if (perl) {
      this.pos += 2;
      return { t: 'class', ranges: perl, neg: false, ci: false };
    }
    const asserts: Record<string, Node> = {
      b: { t: 'assert', k: 'wordb' }, B: { t: 'assert', k: 'nwordb' },
      z: { t: 'assert', k: 'end' }, A: { t: 'assert', k: 'start' },
    };
    if (asserts[e]) {
      this.pos += 2;
      return asserts[e]!;
    }
    return { t: 'lit', c: this.parseEscapedUnit(), ci: this.flags.i };
  }

  private perlClass(e: string): Range[] | null {
    switch (e) {
      case 'd': return [...DIGIT];
      case 'D': return complement(DIGIT);
      case 'w': return [...WORD];
      case 'W': return complement(WORD);
      case 's': return [...SPACE];
      case 'S': return complement(SPACE);
      default: return null;
    }
  }

  /** Reads `\x60`, `\x{60}`, `\t`, `\.` etc. at pos and returns the code unit. */
  private parseEscapedUnit(): number {
    const e = this.src[this.pos + 1]!;
    if (e === 'x') {
      const m = /^\\x(?:\{([0-9a-fA-F]+)\}|([0-9a-fA-F]{2}))/.exec(this.src.slice(this.pos));
      if (!m) this.fail('bad \\x escape');
      this.pos += m[0].length;
      const c = parseInt(m[1] ?? m[2]!, 16);
      if (c > MAX_UNIT) this.fail('code point outside the BMP');
      return c;
    }
    this.pos += 2;
    if (SIMPLE_ESCAPES[e] !== undefined) return SIMPLE_ESCAPES[e]!;
    if (/[A-Za-z0-9]/.test(e)) this.fail(`unsupported escape \\${e}`);
    return e.charCodeAt(0);
  }

  private parseClass(): Node {
    this.pos++;
    const neg = this.src[this.pos] === '^';
    if (neg) this.pos++;
    const ranges: Range[] = [];
    let first = true;
    while (this.src[this.pos] !== ']' || first) {
      if (this.pos >= this.src.length) this.fail('missing ]');
      first = false;
      const posix = /^\[:(\^?)([a-z]+):\]/.exec(this.src.slice(this.pos));
      if (posix) {
        const set = POSIX[posix[2]!] ?? this.fail(`unknown POSIX class ${posix[2]}`);
        ranges.push(...(posix[1] ? complement(set) : set));
        this.pos += posix[0].length;
        continue;
      }
      if (this.src[this.pos] === '\\') {
        const perl = this.perlClass(this.src[this.pos + 1]!);
        if (perl) {
          ranges.push(...perl);
          this.pos += 2;
          continue;
        }
      }
      const lo = this.classUnit();
      if (this.src[this.pos] === '-' && this.src[this.pos + 1] !== ']' && this.pos + 1 < this.src.length) {
        this.pos++;
        const hi = this.classUnit();
        if (hi < lo) this.fail('bad range');
        ranges.push([lo, hi]);
      } else ranges.push([lo, lo]);
    }
    this.pos++;
    return { t: 'class', ranges, neg, ci: this.flags.i };
  }

  private classUnit(): number {
    if (this.src[this.pos] === '\\') return this.parseEscapedUnit();
    return this.src.charCodeAt(this.pos++);
  }
}
