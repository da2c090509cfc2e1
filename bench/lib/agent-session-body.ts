/**
 * One agent session's request at turn t, as Claude Code builds it: the 50 KB fixture
 * (bench/fixtures/claude-code-50k.json) plus, per later turn, an assistant message (a line of
 * text and a Read tool_use) and the tool's output (~3 KB of this repository's source, numbered
 * as Claude Code's Read prints it, a different slice per session and turn), the prompt-cache
 * marker on the newest block only. Shared by bench/agent-session.ts and bench/guard-session.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const repoDir = join(benchDir, '..');
const TURNS = 50;

/** Bytes of new tool output per turn: "a few KB". */
const NEW_BYTES = 3_000;

type Block = Record<string, unknown>;
type Message = { role: string; content: string | Block[] };
export type Body = { messages: Message[]; stream?: boolean; [k: string]: unknown };

const base = JSON.parse(readFileSync(join(benchDir, 'fixtures/claude-code-50k.json'), 'utf8')) as Body;

// The new tool output of each turn: real source text (this repository's src/), a different
// slice for every session and turn, numbered as Claude Code's Read tool prints it.
const corpus = (() => {
  const files = readdirSync(join(repoDir, 'src'), { recursive: true }).map(String).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).sort();
  return files.map((f) => readFileSync(join(repoDir, 'src', f), 'utf8')).join('\n');
})();
function toolOutput(session: number, turn: number): string {
  const at = ((session * TURNS + turn) * NEW_BYTES * 7) % (corpus.length - NEW_BYTES);
  const lines = corpus.slice(at, at + NEW_BYTES).split('\n');
  return lines.map((l, i) => `${String(i + 1).padStart(6)}\t${l}`).join('\n');
}

/** The session's request at turn t (1 = the fixture as it is), as Claude Code builds it. */
export function sessionBody(session: number, turn: number): Body {
  const messages: Message[] = structuredClone(base.messages);
  for (let t = 2; t <= turn; t++) {
    const id = `toolu_s${session}_t${t}`;
    messages.push(
      { role: 'assistant', content: [{ type: 'text', text: `Reading the next file for step ${t}.` }, { type: 'tool_use', id, name: 'Read', input: { file_path: `/work/main/src/part-${session}-${t}.ts` } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: toolOutput(session, t) }] },
    );
  }
  // Claude Code marks only the newest block for the prompt cache.
  for (const m of messages) if (Array.isArray(m.content)) for (const b of m.content) delete b.cache_control;
  const last = messages[messages.length - 1]!.content as Block[];
  last[last.length - 1]!.cache_control = { type: 'ephemeral' };
  return { ...base, messages, stream: true };
}

