import type { RE2JS } from 're2js';

// Instruction codes of the compiled RE2 program (re2js Inst, the same as Go's regexp/syntax).
const ALT = 1;
const ALT_MATCH = 2;
const FAIL = 5;
const MATCH = 6;
const RUNE = 8;
const RUNE1 = 9;
const RUNE_ANY = 10;
const RUNE_ANY_NOT_NL = 11;

interface Inst {
  op: number;
  out: number;
  arg: number;
  runes: ArrayLike<number>;
}

function isProgram(prog: unknown): prog is { start: number; inst: Inst[] } {
  const p = prog as { start?: unknown; inst?: unknown } | null;
  return typeof p === 'object' && p !== null && typeof p.start === 'number' && Array.isArray(p.inst);
}

/**
 * Longest text, in UTF-16 code units, that the pattern can match: the longest path through
 * its compiled program, Infinity when a loop (`*`, `+`, `{n,}`) is reachable. It reads the
 * program re2js compiled, so it cannot disagree with the engine; if that internal shape ever
 * changes the answer is Infinity, which is always safe (callers then scan without windows).
 */
export function longestMatch(re: RE2JS): number {
  const prog: unknown = (re.re2() as { prog?: unknown }).prog;
  if (!isProgram(prog)) return Infinity;
  const insts = prog.inst;
  const longest = new Float64Array(insts.length);
  const state = new Uint8Array(insts.length); // 0 unseen, 1 on the current path, 2 done
  const stack = [prog.start];
  while (stack.length > 0) {
    const pc = stack[stack.length - 1];
    const inst = insts[pc];
    if (inst === undefined) return Infinity;
    if (state[pc] === 0) {
      state[pc] = 1;
      for (const next of successors(inst)) {
        if (state[next] === 1) return Infinity; // a loop
        if (state[next] === 0) stack.push(next);
      }
      continue;
    }
    stack.pop();
    if (state[pc] === 2) continue;
    state[pc] = 2;
    longest[pc] = lengthFrom(inst, longest);
  }
  return Math.max(0, longest[prog.start]);
}

function successors(inst: Inst): number[] {
  if (inst.op === MATCH || inst.op === FAIL) return [];
  if (inst.op === ALT || inst.op === ALT_MATCH) return [inst.out, inst.arg];
  return [inst.out];
}

function lengthFrom(inst: Inst, longest: Float64Array): number {
  switch (inst.op) {
    case MATCH:
      return 0;
    case FAIL:
      return -Infinity;
    case ALT:
    case ALT_MATCH:
      return Math.max(longest[inst.out], longest[inst.arg]);
    case RUNE:
    case RUNE1:
      return units(inst.runes) + longest[inst.out];
    case RUNE_ANY:
    case RUNE_ANY_NOT_NL:
      return 2 + longest[inst.out];
    default:
      return longest[inst.out]; // captures, empty-width assertions, no-ops
  }
}

/** A rune outside the BMP takes two UTF-16 code units. */
function units(runes: ArrayLike<number>): number {
  for (let i = 0; i < runes.length; i++) if (runes[i] > 0xffff) return 2;
  return 1;
}
