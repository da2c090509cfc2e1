/** How far back a label such as "SSN:" or "phone" may sit before the value it describes. */
const CONTEXT_WINDOW = 48;

/**
 * Whether a context word (matched by `words`, a non-global regex) appears shortly before
 * `start`. Only called for candidates that already passed their shape and checksum tests,
 * so the slice is rare.
 */
export function hasContextBefore(text: string, start: number, words: RegExp): boolean {
  return words.test(text.slice(Math.max(0, start - CONTEXT_WINDOW), start));
}
