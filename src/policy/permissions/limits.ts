/**
 * Bounds that keep hostile input (huge, deeply nested or pathological commands and paths)
 * from costing more than linear time or blowing the stack. Crossing one never throws:
 * the call is judged `ask` (or `deny` when a part that could be read is denied).
 */

/** Longer commands are not parsed at all (judged `ask`). */
export const MAX_COMMAND_CHARS = 1_048_576;
/** Claude Code prompts for commands over 10,000 characters; so does Warden (floor `ask`). */
export const LONG_COMMAND_CHARS = 10_000;
/** Nesting of `( )`, `$( )`, backticks, `${ }`, `$(( ))` before the parser gives up on a branch. */
export const MAX_NESTING = 32;
/** Simple commands collected from one Bash call (parts of compound commands, substitutions). */
export const MAX_COMMANDS = 1000;
/** `bash -c '…'`, `eval`, `su -c` inside each other. */
export const MAX_SCRIPT_DEPTH = 4;
/** Words a brace expansion like `{a,b}{c,d}` may produce from one word. */
export const MAX_BRACE_WORDS = 64;
/** Pipe / substitution edges kept for pipeline rules. */
export const MAX_EDGES = 20_000;
/** Paths longer than this are not matched (judged `ask`): real paths are far shorter. */
export const MAX_PATH_CHARS = 4096;
/** States of a glob-against-glob product search; beyond it the match is assumed possible. */
export const MAX_PRODUCT_STATES = 1_000_000;
/** File arguments and redirections of one Bash call checked against Read/Edit rules. */
export const MAX_FILE_CHECKS = 256;
