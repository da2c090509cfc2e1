/**
 * The `warden` command: one commander program for every command and subcommand, so each
 * has `--help` that only prints, usage errors exit 2, and failures print `WARDEN_E_…: message`
 * (stack traces only with --debug). The process entry is bin.ts; this module only builds and runs.
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { randomBase62 } from '../core/ids.js';
import type { CliIO } from './context.js';
import { VERSION } from './version.js';

// Command implementations load on use: `--help` and `--version` stay fast, and a command
// loads only what it needs (keys never load the policy engine or the guards).
const cli = {
  approvals: () => import('./approvals.js'),
  audit: () => import('./audit.js'),
  config: () => import('./config.js'),
  consumers: () => import('./consumers.js'),
  context: () => import('./context.js'),
  grants: () => import('./grants.js'),
  sessions: () => import('./sessions.js'),
  keys: () => import('./keys.js'),
  livePolicy: () => import('./live-policy.js'),
  policy: () => import('./policy.js'),
  start: () => import('./start.js'),
  usage: () => import('./usage.js'),
};
const USAGE_GROUPS = ['consumer', 'key', 'model', 'team'] as const;

/** A leaf's parsed options and operands, back as argv for the command functions that parse their own (audit, policy, approvals, config). */
export function argvOf(cmd: Command): string[] {
  const out: string[] = [];
  for (const o of cmd.options) {
    const v = cmd.getOptionValue(o.attributeName());
    const flag = o.long ?? o.short!;
    if (v === undefined || v === false) continue;
    if (v === true) out.push(flag);
    // `--flag=value`: a value that starts with `-` (`--args "-rf /"`, `--note "-1"`) stays a
    // value; node's parseArgs, which the command functions use, would refuse it as `--flag value`.
    else for (const x of Array.isArray(v) ? v : [v]) out.push(...(o.long ? [`${flag}=${String(x)}`] : [flag, String(x)]));
  }
  return cmd.args.length ? [...out, '--', ...cmd.args] : out;
}

function port(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n > 65535) throw new InvalidArgumentError('expected a port number 0-65535 (0 picks a free one)');
  return n;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function buildProgram(io: CliIO, setCode: (code: number) => void): Command {
  const program = new Command('warden');
  const configPath = async () => (await cli.context()).findConfigPath(program.opts<{ config?: string }>().config);
  const storeCtx = async () => (await cli.context()).storeContext(await configPath());
  const store = async () => ({ ...(await storeCtx()), ...io });
  const run = (p: () => number | Promise<number>) => Promise.resolve().then(p).then(setCode);
  const writers = { out: { write: io.out }, err: { write: io.err } };

  program
    .description('Security gateway for AI agents: identity, policy, guards, limits and audit between agents and LLM providers.')
    .version(VERSION, '-V, --version')
    .option('--config <file>', 'the config file (default: $WARDEN_CONFIG, else ./warden.yaml, else the built-in default)')
    .option('--debug', 'print stack traces of failures')
    .showSuggestionAfterError()
    .addHelpText('after', '\nExit codes: 0 ok, 1 failure (bad config, unknown id, problem found), 2 usage. docs/cli.md has every command.');

  program
    .command('start')
    .description('run the gateway (the built-in default without a config file); SIGHUP reloads, SIGINT/SIGTERM stop')
    .option('--port <n>', 'listen on this port (overrides server.port; 0 picks a free one)', port)
    .option('--host <addr>', 'listen on this address (overrides server.host)')
    .option('--admin-port <n>', 'admin API port (overrides admin.port)', port)
    .action((o: { port?: number; host?: string; adminPort?: number }) => run(async () => (await cli.start()).startCommand(await configPath(), io, o)));

  const keys = program.command('keys').description('manage virtual keys (wdn_…) in the store');
  keys
    .command('create')
    .description('create a key for a consumer; the key is printed once')
    .requiredOption('--consumer <name>', 'the consumer the key identifies')
    .option('--name <label>', 'a label for people')
    .option('--models <globs>', 'comma-separated model names or globs, within the consumer\'s scope')
    .option('--expires-in <duration>', 'e.g. 30d, 12h')
    .action((o) => run(async () => (await cli.keys()).keysCreate(await store(), o)));
  keys.command('list').description('list keys (never the key or its hash)').option('--consumer <name>').option('--json').action((o) => run(async () => (await cli.keys()).keysList(await store(), o)));
  keys.command('revoke').description('revoke a key at once').argument('<key-id>').action((id: string) => run(async () => (await cli.keys()).keysRevoke(await store(), id)));
  keys
    .command('rotate')
    .description('replace a key; the old one keeps working for the grace period')
    .argument('<key-id>')
    .option('--grace <duration>', 'how long the old key keeps working, e.g. 1h')
    .action((id: string, o) => run(async () => (await cli.keys()).keysRotate(await store(), id, o)));

  const consumers = program.command('consumers').description('manage consumers kept in the store');
  consumers
    .command('add')
    .description('add a consumer to the store')
    .argument('<name>')
    .option('--group <group>', 'a group (repeatable)', collect)
    .option('--label <k=v>', 'a label (repeatable)', collect)
    .option('--models <globs>', 'comma-separated model names or globs it may use (default: any routed model)')
    .option('--replace', 'overwrite an existing consumer of that name')
    .action((name: string, o) => run(async () => (await cli.consumers()).consumersAdd(await store(), name, o)));
  consumers.command('list').description('consumers from the config and the store').option('--json').action((o) => run(async () => (await cli.consumers()).consumersList(await store(), o)));
  consumers
    .command('remove')
    .description('remove a consumer from the store')
    .argument('<name>')
    .option('--revoke-keys', 'also revoke its active keys (refused without it when it has any)')
    .action((name: string, o) => run(async () => (await cli.consumers()).consumersRemove(await store(), name, o)));

  const grants = program.command('grants').description('just-in-time PostgreSQL roles for a consumer (docs/postgres-policy.md#grants)');
  grants
    .command('create')
    .description('give a consumer a role for a window; its sessions end when it expires')
    .requiredOption('--consumer <name>', 'the consumer (as identified at the PostgreSQL door)')
    .addOption(new Option('--role <role>', 'the role it holds').choices(['reader', 'writer', 'dba']).makeOptionMandatory())
    .requiredOption('--for <duration>', 'how long, e.g. 30m, 1h (at most 7d)')
    .option('--database <name>', 'only this database (default: every database)')
    .option('--note <text>', 'why, for the record')
    .action((o) => run(async () => (await cli.grants()).grantsCreate(await store(), o)));
  grants.command('list').description('active grants (expired and revoked too with --all)').option('--consumer <name>').option('--all').option('--json').action((o) => run(async () => (await cli.grants()).grantsList(await store(), o)));
  grants.command('revoke').description('end a grant at once; live sessions under it end').argument('<grant-id>').action((id: string) => run(async () => (await cli.grants()).grantsRevoke(await store(), id)));

  program
    .command('usage')
    .description('tokens, requests and cost from the store, grouped')
    .addOption(new Option('--by <group>', 'group rows by').choices(USAGE_GROUPS).default('consumer'))
    .option('--since <when>', 'a date (2026-11-01) or a span back from now (7d, 12h)', '30d')
    .option('--json')
    .action((o: { by: (typeof USAGE_GROUPS)[number]; since: string; json?: boolean }) => run(async () => (await cli.usage()).usageCommand(await store(), o)));

  const sessions = program.command('sessions').description('recorded PostgreSQL door sessions (docs/postgres.md#recording)');
  sessions
    .command('replay')
    .description('print a recorded session as a transcript: every query, decision, result summary and error')
    .argument('<id>', 'session id (pgs_…)')
    .option('--json', 'the events as JSON')
    .action((id: string, o: { json?: boolean }) =>
      run(async () => {
        const s = await storeCtx();
        return (await cli.sessions()).sessionsReplay({ ...io, auditDir: resolve(s.baseDir, s.config.audit.dir) }, id, o);
      }),
    );

  const audit = program.command('audit').description('check and read the hash-chained audit log (docs/audit.md)');
  const auditRun = (cmd: Command, sub: string) =>
    run(async () => {
      const s = await storeCtx();
      const keyFile = s.config.audit.key_file === undefined ? undefined : resolve(s.baseDir, s.config.audit.key_file);
      return (await cli.audit()).auditCommand([sub, ...argvOf(cmd)], { ...io, auditDir: resolve(s.baseDir, s.config.audit.dir), hmacKey: s.config.audit.hmac_key, keyFile });
    });
  audit
    .command('verify')
    .description('check the hash chain: any edited, removed or reordered record fails')
    .option('--key-file <path>', 'the audit HMAC key file (to verify a copied log on another machine)')
    .option('--unkeyed', 'verify a log written before audit keys existed (plain SHA-256 chain)')
    .option('--json')
    .action((_o, cmd: Command) => auditRun(cmd, 'verify'));
  audit
    .command('tail')
    .description('the last records')
    .option('-n <count>', 'how many (default 10)')
    .option('-f, --follow', 'keep printing new records')
    .option('--json')
    .action((_o, cmd: Command) => auditRun(cmd, 'tail'));
  const search = audit.command('search').description('records matching every filter given');
  for (const f of ['consumer', 'key', 'session', 'model', 'door', 'decision', 'status', 'since', 'until', 'text', 'limit']) search.option(`--${f} <value>`);
  search.option('--json').action((_o, cmd: Command) => auditRun(cmd, 'search'));

  const policy = program.command('policy').description('the decision engine (docs/policy.md)');
  const policyRun = (cmd: Command, sub: string) =>
    run(async () => (await cli.policy()).policyCommand([sub, ...argvOf(cmd)], { config: sub === 'schema' ? {} : (await cli.livePolicy()).livePolicyConfig(await configPath()), ...writers }));
  const explain = policy.command('explain').description('why a request would be allowed or denied').argument('[doc.json]', 'a decision document instead of flags');
  for (const f of ['consumer', 'door', 'model', 'tool', 'server', 'args', 'path', 'method', 'route']) explain.option(`--${f} <value>`);
  explain.option('--json').action((_d, _o, cmd: Command) => policyRun(cmd, 'explain'));
  policy.command('check').description('compile the policy section; problems with their paths').action((_o, cmd: Command) => policyRun(cmd, 'check'));
  policy.command('schema').description('the decision document\'s JSON Schema').action((_o, cmd: Command) => policyRun(cmd, 'schema'));

  const approvals = program.command('approvals').description('answer policy "ask" decisions');
  const approvalsRun = (cmd: Command, sub: string) =>
    run(async () => {
      const s = await storeCtx();
      (await cli.context()).openExistingStore(s).close();
      return (await cli.approvals()).approvalsCommand([sub, ...argvOf(cmd)], { dbPath: s.storePath, admin: s.config.admin, ...writers });
    });
  approvals
    .command('list')
    .description('pending approvals (all with --all)')
    .option('--all')
    .option('--status <status>', 'pending, approved or denied')
    .option('--consumer <name>')
    .option('--json')
    .action((_o, cmd: Command) => approvalsRun(cmd, 'list'));
  for (const verb of ['approve', 'deny']) {
    approvals
      .command(verb)
      .description(`${verb} a pending approval`)
      .argument('<id>')
      .option('--ttl <duration>', 'how long the answer holds, e.g. 8h')
      .option('--admin-key-file <file>', 'a file holding the approver\'s admin key (else $WARDEN_ADMIN_KEY); the answer is recorded under that key\'s name')
      .option('--by <name>', 'gone: the approver is the admin key\'s name')
      .option('--note <text>')
      .action((_id, _o, cmd: Command) => approvalsRun(cmd, verb));
  }

  const config = program.command('config').description('validate, export and inspect the config');
  const configRun = (cmd: Command, sub: string[]) => run(async () => (await cli.config()).configCommand([...sub, ...argvOf(cmd)], await configPath(), io));
  config.command('check').description('validate and compile the config (routes, policy, guards) and the admin API overlay').action((_o, cmd: Command) => configRun(cmd, ['check']));
  config.command('schema').description('the JSON Schema of the config').action((_o, cmd: Command) => configRun(cmd, ['schema']));
  config.command('export').description('the live state (file + admin API overlay + store consumers) as YAML; no keys').option('--out <file>').action((_o, cmd: Command) => configRun(cmd, ['export']));
  const overlay = config.command('overlay').description('what the admin API stored over the config file');
  overlay.command('list').description('routes and policies the admin API stored').option('--json').action((_o, cmd: Command) => configRun(cmd, ['overlay', 'list']));
  overlay
    .command('drop')
    .description('remove one overlay entry')
    .addArgument(new Argument('<kind>', 'route or policy').choices(['route', 'policy']))
    .argument('<id>')
    .option('--force', 'drop even if the rest no longer compiles')
    .action((_k, _i, _o, cmd: Command) => configRun(cmd, ['overlay', 'drop']));

  program
    .command('admin-key')
    .description('print a new admin key and the hash to put in admin.key_sha256')
    .action(() => {
      const key = `wadm_${randomBase62(40)}`;
      io.out(`admin key (shown once): ${key}\nadmin:\n  key_sha256: ${createHash('sha256').update(key).digest('hex')}\n`);
      setCode(0);
    });

  program.addHelpText('after', () => `\nEvery command (\`warden <command> --help\` for its options):\n${allCommands(program)
    .filter((c) => !c.commands.length && c.name() !== 'help')
    .map((c) => `  ${commandPath(c).padEnd(28)} ${c.description().split(';')[0]}`)
    .join('\n')}\n`);
  for (const c of [program, ...allCommands(program)]) {
    c.exitOverride();
    c.configureOutput({ writeOut: io.out, writeErr: io.err, outputError: (s, write) => write(`WARDEN_E_USAGE: ${s.replace(/^error: /, '')}`) });
  }
  return program;
}

function commandPath(c: Command): string {
  const names: string[] = [];
  for (let x: Command | null = c; x?.parent; x = x.parent) names.unshift(x.name());
  return [...names, ...c.registeredArguments.map((a) => (a.required ? `<${a.name()}>` : `[${a.name()}]`))].join(' ');
}

export function allCommands(c: Command): Command[] {
  return c.commands.flatMap((s) => [s, ...allCommands(s)]);
}

/** Runs the command line; returns the exit code (0 ok, 1 failure, 2 usage). */
export async function main(argv: string[], io: CliIO): Promise<number> {
  let code = 0;
  const program = buildProgram(io, (c) => (code = c));
  const debug = argv.includes('--debug');
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // helpDisplayed: --help; version: --version; help: a group called without its subcommand (usage).
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return 0;
      return 2;
    }
    const c = (e as { code?: unknown }).code;
    const known = typeof c === 'string' && c.startsWith('WARDEN_E_');
    if (known) io.err(`${c as string}: ${(e as Error).message}\n`);
    else io.err(`WARDEN_E_INTERNAL: ${(e as Error).message ?? String(e)}${debug ? '' : ' (--debug shows the stack trace)'}\n`);
    if (debug && e instanceof Error && e.stack) io.err(`${e.stack}\n`);
    return c === 'WARDEN_E_USAGE' ? 2 : 1;
  }
}
