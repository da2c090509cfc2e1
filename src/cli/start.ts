import { startWarden } from '../app.js';
import type { CliIO } from './context.js';

/** `warden start`: runs until SIGINT/SIGTERM; SIGHUP reloads the config. */
export async function startCommand(configPath: string | undefined, io: CliIO): Promise<number> {
  const w = await startWarden({ configPath });
  const cfg = w.gateway.current().config;
  const mockOnly = [...w.gateway.current().providers.values()].every((p) => p.type === 'mock');
  const lines = [
    '',
    `Warden is listening on ${w.url}${w.adminUrl ? `  (admin API and /metrics: ${w.adminUrl})` : ''}`,
    `Config: ${configPath ?? 'built-in default (no warden.yaml)'}; store ${cfg.store.path}; audit ${cfg.audit.dir}`,
    mockOnly ? 'Provider: the built-in mock (answers in the API shape, calls no model). Add a provider in warden.yaml to reach Claude.' : '',
    '',
    'Point Claude Code at it:',
    `  export ANTHROPIC_BASE_URL=${w.url}`,
    `  export ANTHROPIC_AUTH_TOKEN=${w.bootstrapKey ?? '<a key from: npx warden keys create --consumer local-dev>'}`,
    '  claude',
    w.bootstrapKey ? '\nThat key (consumer local-dev) is shown once; it is stored only as a hash.' : '',
    '',
  ].filter((l, i, a) => l !== '' || a[i - 1] !== '');
  io.err(lines.join('\n') + '\n');
  process.on('SIGHUP', () => void w.reload());
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await w.close();
  return 0;
}
