import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { startWarden } from '../app.js';
import { runPrimary } from '../runtime/workers/primary.js';
import { workerSlot } from '../runtime/workers/slot.js';
import { serveAsWorker } from '../runtime/workers/worker.js';
import { keepRequestGarbageYoung } from '../runtime/young-gc.js';
import type { Config } from '../config/schema.js';
import { matchesAny } from '../identity/glob.js';
import { describeConfig, loadCliConfig, type CliIO } from './context.js';
import { WardenError } from '../core/errors.js';
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
  /** Worker processes sharing the listeners (src/runtime/workers/); 1: one process; unset: the cores available. */
  workers?: number;
}

/**
 * How many workers `warden start` runs: `--workers`, else one per available core. The MCP
 * door keeps its sessions in the process that opened them (the cluster hands connections,
 * not sessions, to workers), so with `mcp.servers` configured the default is one process and
 * an explicit `--workers` above 1 is refused rather than losing sessions between workers.
 */
export function resolveWorkers(configPath: string | undefined, explicit: number | undefined): { workers: number; note?: string } {
  const cores = availableParallelism();
  if (explicit === 1 || (explicit === undefined && cores === 1)) return { workers: 1 };
  // Only `mcp`'s references are resolved here (no provider secret needed); each worker loads the whole config.
  const mcpServers = Object.keys(loadCliConfig(configPath, ['mcp']).config.mcp.servers).length;
  if (mcpServers === 0) return { workers: explicit ?? cores };
  if (explicit !== undefined) {
    throw new WardenError('WARDEN_E_USAGE', `--workers ${explicit}: the MCP door (mcp.servers) keeps each session in the worker that opened it, so it runs in one process; start with --workers 1, or run the MCP door as a Warden of its own`);
  }
  return { workers: 1, note: `One process (not one per core): the MCP door keeps each session in the process that opened it (docs/workers.md).` };
}

/** `warden start`: runs until SIGINT/SIGTERM; SIGHUP reloads the config. */
export async function startCommand(configPath: string | undefined, io: CliIO, opts: StartOptions = {}): Promise<number> {
  keepRequestGarbageYoung();
  // The workers run this same command: the primary forks them and serves nothing itself.
  const plan = cluster.isPrimary ? resolveWorkers(configPath, opts.workers) : { workers: 1 };
  if (plan.workers > 1) return runPrimary({ workers: plan.workers, err: io.err });
  const w = await startWarden({ configPath, server: { port: opts.port, host: opts.host, adminPort: opts.adminPort } });
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
    plan.note,
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
  if (workerSlot() !== undefined) return serveAsWorker(w, lines.join('\n') + '\n', io.err);
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
