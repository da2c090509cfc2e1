import { startWarden } from '../app.js';
import type { Config } from '../config/schema.js';
import { matchesAny } from '../identity/glob.js';
import { describeConfig, type CliIO } from './context.js';
import { llmPart } from '../doors/llm/part.js';

/** Claude Code's own model names when no --model / ANTHROPIC_MODEL is set (docs/testing.md). */
export const CLAUDE_CODE_DEFAULT_MODEL = 'claude-opus-5-5';
const CLAUDE_CODE_ALIASES = ['claude-opus-5-5', 'claude-sonnet-5-5', 'claude-haiku-5-5'];

/** One line per guard: what is on and how, so an operator sees at start what protects them. */
export function guardLines(cfg: Config): string[] {
  const g = cfg.guards;
  const on = (x: { enabled: boolean; action: string } | undefined) => (x?.enabled ? `on (${x.action})` : 'off');
  const tool = g.tool_use?.enabled ? `on (${g.tool_use.defaults ? 'default agent rules' : 'no defaults'}${g.tool_use.permissions ? ' + your rules' : ''})` : 'off';
  return [`Guards: secrets ${on(g.secrets)}, PII ${on(g.pii)}, tool-use ${tool}, responses ${g.responses.enabled ? 'scanned' : 'not scanned'}${g.patterns.length ? `, ${g.patterns.length} custom pattern(s)` : ''}`];
}

/** Which model names the key may use and, when Claude Code's default is not among them, the ANTHROPIC_MODEL to set. */
export function modelLines(cfg: Config, consumerModels: readonly string[]): { scope: string; model: string | undefined } {
  const routed = cfg.models.map((m) => m.match);
  const allowed = (name: string) => matchesAny(name, routed) && (!consumerModels.length || matchesAny(name, consumerModels));
  const scope = consumerModels.length ? consumerModels.join(', ') : routed.join(', ');
  if (allowed(CLAUDE_CODE_DEFAULT_MODEL)) return { scope, model: undefined };
  const alias = CLAUDE_CODE_ALIASES.find(allowed);
  const literal = [...consumerModels, ...routed].find((m) => !/[*?]/.test(m) && allowed(m));
  return { scope, model: alias ?? literal ?? '<a model name your models / consumer scope allow>' };
}

export interface StartOptions {
  port?: number;
  host?: string;
  adminPort?: number;
}

/** `warden start`: runs until SIGINT/SIGTERM; SIGHUP reloads the config. */
export async function startCommand(configPath: string | undefined, io: CliIO, opts: StartOptions = {}): Promise<number> {
  const w = await startWarden({ configPath, server: opts });
  const cfg = w.gateway.current().config;
  const mockOnly = [...w.gateway.current().part(llmPart).providers.values()].every((p) => p.type === 'mock');
  const bootstrapConsumer = w.bootstrapKey ? w.gateway.identity.consumer('local-dev') : undefined;
  const models = modelLines(cfg, bootstrapConsumer?.models ?? []);
  const lines = [
    '',
    `Warden is listening on ${w.url}${w.adminUrl ? `  (admin API and /metrics: ${w.adminUrl})` : ''}`,
    `Config: ${describeConfig(configPath)}`,
    `Store: ${cfg.store.path}; audit: ${cfg.audit.dir} (relative to ${configPath ? 'the config file' : process.cwd()})`,
    mockOnly ? 'Provider: the built-in mock (answers in the API shape, calls no model). Add a provider in warden.yaml to reach Claude.' : undefined,
    ...guardLines(cfg),
    `Models: ${models.scope}`,
    '',
    'Point Claude Code at it:',
    `  export ANTHROPIC_BASE_URL=${w.url}`,
    `  export ANTHROPIC_AUTH_TOKEN=${w.bootstrapKey ?? '<a key from: npx warden keys create --consumer local-dev>'}`,
    models.model ? `  export ANTHROPIC_MODEL=${models.model}     # Claude Code asks for ${CLAUDE_CODE_DEFAULT_MODEL} otherwise, which is not allowed here` : undefined,
    '  claude',
    w.bootstrapKey ? '\nThat key (consumer local-dev) is shown once; it is stored only as a hash.' : '',
    '',
  ]
    .filter((l): l is string => l !== undefined)
    .filter((l, i, a) => l !== '' || a[i - 1] !== '');
  io.err(lines.join('\n') + '\n');
  const reload = () => void w.reload();
  process.on('SIGHUP', reload);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  process.off('SIGHUP', reload);
  await w.close();
  return 0;
}
