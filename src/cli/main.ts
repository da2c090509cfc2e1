import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { ConfigError } from '../config/load.js';
import { withOverlay } from '../config/overlay.js';
import { randomBase62 } from '../core/ids.js';
import { openSqliteStore } from '../store/sqlite.js';
import { approvalsCommand } from './approvals.js';
import { WardenError } from '../core/errors.js';
import { auditCommand } from './audit.js';
import { configCommand } from './config.js';
import { findConfigPath, loadCliConfig, type CliIO } from './context.js';
import { keysCommand } from './keys.js';
import { policyCommand, type PolicyCommandContext } from './policy.js';
import { startCommand } from './start.js';

const HELP = `warden — security gateway for AI agents

usage: warden [--config FILE] <command>
  start                      run the gateway (embedded default without a config file)
  keys create|list|revoke|rotate   manage virtual keys
  consumers add|list         manage consumers kept in the store
  audit verify|tail|search   read and check the hash-chained audit log
  policy explain|check|schema   why a request would be allowed or denied; compile the policy;
                             the decision document's JSON Schema (\`warden policy\` for flags)
  approvals list|approve|deny   answer policy "ask" decisions (\`warden approvals\` for flags)
  config check               validate and compile the config (routes, policy, guards) and the
                             admin API overlay; print problems with their paths
  config export [--out FILE] write the live routes, policies and consumers as YAML (no keys)
  config overlay list|drop   what the admin API stored over the config file
  config schema              print the JSON Schema of the config
  admin-key                  print a new admin key and the hash to put in admin.key_sha256
`;

/**
 * What \`policy\` commands see: the live state — the file plus the admin API overlay, with the
 * store's consumers — so an explanation matches what the running gateway decides.
 */
function livePolicyConfig(configPath: string | undefined): PolicyCommandContext['config'] {
  const { config, baseDir } = loadCliConfig(configPath);
  const dbPath = resolve(baseDir, config.store.path);
  if (!existsSync(dbPath)) return config;
  const store = openSqliteStore(dbPath);
  try {
    const live = withOverlay(config, store);
    const stored = store.listConsumers().filter((c) => !live.consumers.some((f) => f.name === c.name));
    return { policy: live.policy, consumers: [...live.consumers, ...stored] };
  } finally {
    store.close();
  }
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  let configArg: string | undefined;
  const args = [...argv];
  const ci = args.findIndex((a) => a === '--config' || a.startsWith('--config='));
  if (ci !== -1) {
    const a = args[ci]!;
    configArg = a.includes('=') ? a.slice(a.indexOf('=') + 1) : args[ci + 1];
    args.splice(ci, a.includes('=') ? 1 : 2);
  }
  const [cmd, ...rest] = args;
  const configPath = findConfigPath(configArg);
  try {
    switch (cmd) {
      case 'start':
        return await startCommand(configPath, io);
      case 'keys':
      case 'consumers':
        return keysCommand(cmd, rest, { ...io, ...loadCliConfig(configPath) });
      case 'audit': {
        const { config, baseDir } = loadCliConfig(configPath);
        return await auditCommand(rest, { ...io, auditDir: resolve(baseDir, config.audit.dir), hmacKey: config.audit.hmac_key, keyFile: config.audit.key_file === undefined ? undefined : resolve(baseDir, config.audit.key_file) });
      }
      case 'config':
        return configCommand(rest, configPath, io);
      case 'policy': {
        const writers = { out: { write: io.out }, err: { write: io.err } };
        // `policy schema` needs no config; the others read the live policy.
        return await policyCommand(rest, { config: rest[0] === 'schema' ? {} : livePolicyConfig(configPath), ...writers });
      }
      case 'approvals': {
        const { config, baseDir } = loadCliConfig(configPath);
        return await approvalsCommand(rest, { dbPath: resolve(baseDir, config.store.path), admin: config.admin, out: { write: io.out }, err: { write: io.err } });
      }
      case 'admin-key': {
        const key = `wadm_${randomBase62(40)}`;
        io.out(`admin key (shown once): ${key}\nadmin:\n  key_sha256: ${createHash('sha256').update(key).digest('hex')}\n`);
        return 0;
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(HELP);
        return cmd === undefined ? 2 : 0;
    }
    io.err(`unknown command: ${[cmd, ...rest].join(' ')}\n\n${HELP}`);
    return 2;
  } catch (e) {
    // A config a start cannot run with (e.g. an audit.dir another Warden writes): its code and message, no stack.
    if (e instanceof ConfigError || (e instanceof WardenError && e.code === 'WARDEN_E_CONFIG_INVALID')) {
      io.err(`${e.code}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

const isEntry = process.argv[1] && (process.argv[1].endsWith('/cli/main.js') || process.argv[1].endsWith('/cli/main.ts') || process.argv[1].endsWith('/bin/warden.js'));
if (isEntry) {
  main(process.argv.slice(2), { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) }).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`warden: ${(e as Error).stack ?? e}\n`);
      process.exitCode = 1;
    },
  );
}
