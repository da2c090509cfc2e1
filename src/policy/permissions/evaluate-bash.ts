/**
 * Bash: the command is split into the commands that would run (every part of `&&`, `||`,
 * `;`, `|`, subshells, `$( )`, backticks, wrapped commands, `bash -c` scripts), each part
 * is judged, and the parts combine: deny if any part is denied, ask if any asks, allow only
 * if every part is allowed, else none. What cannot be parsed is judged `ask` (a denied part
 * still denies).
 */
import { bashFiles, cdStaysInside } from './bash-files.js';
import { unitMatches } from './bash-rule.js';
import type { CompiledPermissions } from './compile.js';
import { LONG_COMMAND_CHARS, MAX_COMMAND_CHARS, MAX_SCRIPT_DEPTH } from './limits.js';
import { pipelineMatches } from './pipeline.js';
import { parseShell } from './shell/parser.js';
import { unitsOf, type Script, type Unit } from './shell/units.js';
import type { PermissionContext, PermissionResult } from './types.js';
import { shown, Verdict } from './verdict.js';

function judgeUnit(c: CompiledPermissions, unit: Unit, v: Verdict, neutral: boolean): void {
  v.units++;
  for (const r of c.bash.deny)
    if (unitMatches(r.m, unit, false)) {
      v.record('deny', r.label, `${shown(unit)} matches ${r.label}`);
      return;
    }
  let asked = false;
  for (const r of c.bash.ask)
    if (unitMatches(r.m, unit, false)) {
      v.record('ask', r.label, `${shown(unit)} matches ${r.label}`);
      asked = true;
      break;
    }
  if (unit.askWhy) {
    v.builtin('bash-always-ask', `${shown(unit)}: ${unit.askWhy}`);
    asked = true;
  }
  if (asked) return;
  for (const r of c.bash.allow)
    if (unitMatches(r.m, unit, true)) {
      v.allowRules.add(r.label);
      return;
    }
  if (!neutral) v.undecided++;
}

function judgeScript(c: CompiledPermissions, text: string, depth: number, ctx: PermissionContext, v: Verdict): void {
  const parsed = parseShell(text);
  if (parsed.problems.length) v.builtin('bash-unparseable', `the command cannot be fully parsed: ${parsed.problems.join('; ')}`);
  const byCommand = c.pipelines.length ? new Map<number, Unit[]>() : null;
  const cwds: (string | undefined)[] = [ctx.cwd];
  for (const cmd of parsed.commands) {
    const units: Unit[] = [];
    const scripts: Script[] = [];
    unitsOf(cmd, units, scripts);
    byCommand?.set(cmd.id, units);
    for (const u of units) judgeUnit(c, u, v, cdStaysInside(u, ctx, cwds));
    bashFiles(c, cmd, units, ctx, cwds, v);
    for (const s of scripts) {
      if (s.dynamic) v.builtin('bash-dynamic', 'a shell runs a script that is only known at run time');
      else if (depth + 1 > MAX_SCRIPT_DEPTH) v.builtin('bash-unparseable', 'shells nested too deep');
      else judgeScript(c, s.text, depth + 1, ctx, v);
    }
  }
  if (byCommand)
    for (const p of c.pipelines)
      if (pipelineMatches(p.stages, parsed.commands, byCommand)) v.record(p.list as 'deny' | 'ask', p.label, `a pipeline matches ${p.label}`);
}

export function evaluateBash(c: CompiledPermissions, input: Record<string, unknown>, ctx: PermissionContext): PermissionResult {
  const everything = (list: 'deny' | 'ask' | 'allow') => c.bash[list].find((r) => r.m.kind === 'all');
  const denyAll = everything('deny');
  if (denyAll) return { outcome: 'deny', rule: denyAll.label, reason: `Bash matches ${denyAll.label}` };
  const command = input['command'];
  if (typeof command !== 'string') return { outcome: 'ask', rule: 'ask: <builtin:bash-no-command>', reason: 'the Bash call has no command string' };
  if (command.length > MAX_COMMAND_CHARS) return { outcome: 'ask', rule: 'ask: <builtin:bash-too-long>', reason: 'the command is too long to judge' };
  const v = new Verdict();
  judgeScript(c, command, 0, ctx, v);
  // Claude Code prompts for commands over 10,000 characters; a denied part still denies.
  if (command.length > LONG_COMMAND_CHARS) v.builtin('bash-too-long', 'the command is longer than 10,000 characters');
  if (v.units === 0 && !v.deny && !v.ask) {
    const ask = everything('ask');
    if (ask) return { outcome: 'ask', rule: ask.label, reason: `Bash matches ${ask.label}` };
    const all = everything('allow');
    return all ? { outcome: 'allow', rule: all.label, reason: `Bash matches ${all.label}` } : { outcome: 'none' };
  }
  return v.result();
}
