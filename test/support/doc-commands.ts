/**
 * What the docs show as commands: the `warden …` lines of fenced sh/bash/console blocks (run
 * by test/docs-commands.test.ts), and the command synopses (`text` blocks and the command
 * table of docs/cli.md) whose commands and flags must exist in the commander program.
 */
import type { Command, Option } from 'commander';

export interface DocCommand {
  /** file:line, for messages. */
  where: string;
  /** The line as a shell runs it (`$ ` prompt dropped). */
  line: string;
  /** The exit code the doc implies: 0, or 1/2 when the output it shows is a WARDEN_E_ error. */
  code: number;
  /** The output lines the doc shows after it (console blocks only). */
  output: string[];
}

const FENCE = /^```(\w*)\n([\s\S]*?)^```/gm;
const SHELLS = new Set(['sh', 'bash', 'console', 'shell']);
/** Optional VAR=value prefixes, then `warden` or `npx warden` as the command word. */
export const INVOKES_WARDEN = /^(?:[A-Za-z_]\w*=(?:"[^"]*"|'[^']*'|\S+)\s+)*(?:npx\s+)?warden(?:\s|$)/;

function blocks(text: string): { lang: string; body: string; line: number }[] {
  const out: { lang: string; body: string; line: number }[] = [];
  for (let m = FENCE.exec(text); m; m = FENCE.exec(text)) out.push({ lang: m[1]!, body: m[2]!, line: text.slice(0, m.index).split('\n').length + 1 });
  return out;
}

function expectedCode(output: string[]): number {
  const code = output.map((l) => /^(?:error: )?(WARDEN_E_[A-Z_]+)/.exec(l)?.[1]).find(Boolean);
  return code === undefined ? 0 : code === 'WARDEN_E_USAGE' ? 2 : 1;
}

export function docCommands(file: string, text: string): DocCommand[] {
  const out: DocCommand[] = [];
  for (const b of blocks(text)) {
    if (!SHELLS.has(b.lang)) continue;
    const lines = b.body.replace(/\n$/, '').split('\n');
    lines.forEach((raw, i) => {
      const prompt = b.lang === 'console' ? /^\$ (.*)$/.exec(raw)?.[1] : raw;
      if (prompt === undefined) return;
      const line = prompt.replace(/\s+#.*$/, '').trim();
      if (!INVOKES_WARDEN.test(line)) return;
      const output: string[] = [];
      if (b.lang === 'console') for (let j = i + 1; j < lines.length && !lines[j]!.startsWith('$ '); j++) output.push(lines[j]!);
      out.push({ where: `${file}:${b.line + i}`, line, code: expectedCode(output), output });
    });
  }
  return out;
}

/** `warden …` lines of `text` blocks: usage synopses, checked against the program, never run. */
export function docSynopses(file: string, text: string): { where: string; line: string }[] {
  return blocks(text)
    .filter((b) => b.lang === 'text')
    .flatMap((b) => b.body.split('\n').map((line, i) => ({ where: `${file}:${b.line + i}`, line: line.trim() })))
    .filter((s) => s.line.startsWith('warden '));
}

/**
 * Inline code spans that show a command: `warden …` or `npx warden …` in the prose, and spans
 * that start with one of `groups` (the program's command groups: `keys`, `audit`, …) and a word,
 * as `config check` — the prose names subcommands without the `warden`.
 */
export function inlineSynopses(file: string, text: string, groups: string[]): { where: string; line: string }[] {
  const out: { where: string; line: string }[] = [];
  const bare = new RegExp(`^(?:${groups.join('|')}) [a-z]`);
  for (const m of text.matchAll(/`(?:npx )?(warden [^`\n]+|[a-z][^`\n]*)`/g)) {
    const line = m[1]!.startsWith('warden ') ? m[1]! : bare.test(m[1]!) ? `warden ${m[1]!.replace(/\\\|/g, '|')}` : undefined;
    if (line && line !== 'warden …') out.push({ where: `${file}:${text.slice(0, m.index).split('\n').length}`, line });
  }
  return out;
}

/** The command column of docs/cli.md's table: each code span is one synopsis (`a\|b` alternatives). */
export function tableSynopses(file: string, text: string): { where: string; line: string }[] {
  const out: { where: string; line: string }[] = [];
  text.split('\n').forEach((row, i) => {
    const cell = /^\| (`.*?) \| /.exec(row)?.[1];
    if (!cell) return;
    for (const span of cell.matchAll(/`([^`]+)`/g)) out.push({ where: `${file}:${i + 1}`, line: `warden ${span[1]!.replace(/\\\|/g, '|')}` });
  });
  return out;
}

/**
 * Problems of one synopsis against the program: an unknown command word (each of `a|b`
 * alternatives), or a flag its command does not have. Words after the command path are
 * operands and placeholders; `…` stands for "see elsewhere".
 */
export function synopsisProblems(program: Command, line: string): string[] {
  const words = line.replace(/^warden\s+/, '').replace(/\[--config FILE\]\s*|\[--debug\]\s*/g, '').split(/\s+/);
  const problems: string[] = [];
  let cmds: Command[] = [program];
  let i = 0;
  for (; i < words.length; i++) {
    const alts = words[i]!.split('|');
    const next = cmds.flatMap((c) => alts.map((a) => c.commands.find((s) => s.name() === a)).filter((s): s is Command => s !== undefined));
    if (!next.length || !cmds.every((c) => c.commands.length)) break;
    if (next.length !== alts.length * cmds.length) problems.push(`${line}: "${words[i]}" names a command that does not exist`);
    cmds = next;
  }
  // A group (the program included) takes no operands: a word there that is not a flag, `…` or a <placeholder> is a wrong command.
  const rest = words[i];
  if (rest !== undefined && cmds.some((c) => c.commands.length) && !/^(?:-|…|<|\[)/.test(rest)) problems.push(`${line}: "${rest}" is not a command`);
  const after = words.slice(i);
  after.forEach((w, j) => {
    for (const flag of w.match(/(?<![\w-])--?[a-zA-Z][\w-]*/g) ?? []) {
      for (const c of cmds) {
        const find = (x: Command | null): Option | undefined => (x ? (x.options.find((o) => o.long === flag || o.short === flag) ?? find(x.parent)) : undefined);
        const option = find(c);
        if (!option && flag !== '--help') problems.push(`${line}: ${c.name()} has no option ${flag}`);
        // A value list shown for an option with fixed choices (`--by consumer|key`) names only choices.
        const shown = after[j + 1]?.replace(/[[\]]/g, '');
        if (option?.argChoices && w.replace(/[[\]]/g, '') === flag && shown?.includes('|')) {
          for (const v of shown.split('|')) if (!option.argChoices.includes(v)) problems.push(`${line}: ${flag} has no choice "${v}" (has ${option.argChoices.join(', ')})`);
        }
      }
    }
  });
  return problems;
}
