/**
 * The `warden` command: one commander program for every command and subcommand, so each
 * has `--help` that only prints, usage errors exit 2, and failures print `WARDEN_E_…: message`
 * (stack traces only with --debug). The process entry is bin.ts; this module only builds and runs.
 */
import { createHash } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { fileURLToPath } from 'node:url';
import { randomBase62 } from '../core/ids.js';
import type { CliIO } from './context.js';
import { VERSION } from './version.js';

// Command implementations load on use: `--help` and `--version` stay fast, and a command
// loads only what it needs (keys never load the policy engine or the guards).
const cli = {
  approvals: () => import('./approvals.js'),
  audit: () => import('./audit.js'),
  config: () => import('./config.js'),
  connect: () => import('./connect/claude-code.js'),
  hook: () => import('./hook/pre-tool-use.js'),
  mcpHeaders: () => import('./hook/mcp-headers.js'),
  scan: () => import('./scan/command.js'),
  consumers: () => import('./consumers.js'),
  context: () => import('./context.js'),
  grants: () => import('./grants.js'),
  sessions: () => import('./sessions.js'),
  keys: () => import('./keys.js'),
  livePolicy: () => import('./live-policy.js'),
  login: () => import('./login/login.js'),
  policy: () => import('./policy.js'),
  start: () => import('./start.js'),
  usage: () => import('./usage.js'),
  // `warden token` is Claude Code's apiKeyHelper, run before requests: it loads only src/cli/login.
  token: () => import('./login/token.js'),
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

function workers(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1 || n > 256) throw new InvalidArgumentError('expected a number of workers, 1-256');
  return n;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** The entry script (bin/warden.js), from src/cli or dist/src/cli: what hooks and helpers run. */
export const WARDEN_BIN = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../../../bin/warden.js' : '../../bin/warden.js', import.meta.url));

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

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
    .option('--workers <n>', 'worker processes sharing the listeners (default: one per available core; 1: one process)', workers)
    .action((o: { port?: number; host?: string; adminPort?: number; workers?: number }) => run(async () => (await cli.start()).startCommand(await configPath(), io, o)));

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
      return (await cli.approvals()).approvalsCommand([sub, ...argvOf(cmd)], { dbPath: s.storePath, admin: s.config.admin, oidcIssuers: s.config.identity.oidc, ...writers });
    });
  approvals
    .command('list')
    .description('pending approvals (all with --all)')
    .option('--all')
    .option('--status <status>', 'pending, approved, denied or executed')
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
      .option('--oidc', 'answer as the OIDC identity of `warden login` (the default when no admin key is given and a login is stored)')
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

  const connect = program.command('connect').description('route an agent through Warden (docs/claude-code.md)');
  connect
    .command('claude-code')
    .description('merge Warden\'s base URL, credential helper, MCP endpoint, permission rules and PreToolUse hook into Claude Code\'s settings')
    .addOption(new Option('--managed', 'the managed settings an organisation deploys (/etc/claude-code)').conflicts(['user', 'project']))
    .addOption(new Option('--user', 'the user\'s settings ($CLAUDE_CONFIG_DIR, else ~/.claude); the default').conflicts(['project']))
    .option('--project', 'the project\'s .claude/settings.json and .mcp.json')
    .option('--dir <folder>', 'the folder of the scope instead of its default (managed folder, project, Claude config dir)')
    .option('--url <warden-url>', 'Warden\'s address (default $WARDEN_URL, else http://127.0.0.1:8080)')
    .option('--dry-run', 'print the changes as a diff; write nothing')
    .option('--undo', 'take out what connect added; the original bytes when the file is untouched since')
    .option('--node-hook', 'write the node hook (`warden hook pre-tool-use`) even when curl is present for the fast shell hook')
    .action((o: { managed?: boolean; project?: boolean; dir?: string; url?: string; dryRun?: boolean; undo?: boolean; nodeHook?: boolean }) =>
      run(async () => {
        const url = o.url ?? process.env.WARDEN_URL ?? 'http://127.0.0.1:8080';
        try {
          new URL(url);
        } catch {
          throw new InvalidArgumentError(`--url ${url}: not a URL`);
        }
        const c = await cli.connect();
        const fastHook = !o.nodeHook && c.curlOnPath(process.env) ? join(dirname(WARDEN_BIN), 'warden-hook.sh') : undefined;
        return c.connectClaudeCode(
          { scope: o.managed ? 'managed' : o.project ? 'project' : 'user', dir: o.dir, url, warden: [process.execPath, WARDEN_BIN], env: process.env, cwd: process.cwd(), dryRun: !!o.dryRun, undo: !!o.undo, fastHook },
          io.out,
        );
      }),
    );

  program
    .command('scan')
    .description('audit a repository: secrets in files and git history, unignored .env files, Claude Code settings, .mcp.json, lockfiles, pinning')
    .argument('[dir]', 'the folder to scan (default: the current one)')
    .option('--json', 'findings as JSON')
    .option('--sarif', 'findings as SARIF 2.1.0 (GitHub code scanning)')
    .option('--fail-on <severity>', 'exit 1 when a finding is at or above: info, low, medium, high, critical, never (default high)')
    .option('--probe-mcp', 'send an unauthenticated request to each MCP server of .mcp.json (expects 401)')
    .option('--no-history', 'skip the git history')
    .option('--history-commits <n>', 'newest commits of the history to read (default 1000)')
    .option('--history-mb <n>', 'megabytes of history diff to read at most (default 256)')
    .option('--max-file-kb <n>', 'skip files larger than this (default 1024)')
    .option('--max-files <n>', 'stop after this many files (default 1000000)')
    .action((dir: string | undefined, o) => run(async () => (await cli.scan()).scanCommand(dir, o, io.out)));

  const hook = program.command('hook').description('agent hooks that ask Warden (docs/claude-code.md)');
  hook
    .command('pre-tool-use')
    .description('Claude Code PreToolUse hook: the hook JSON on stdin, Warden\'s decision on stdout; exit 2 (blocked) when Warden cannot decide')
    .option('--url <warden-url>', 'Warden\'s address (default $WARDEN_URL, else $ANTHROPIC_BASE_URL)')
    .option('--timeout-ms <n>', 'how long to wait for Warden (default 5000)')
    .option('--fail-open', 'when Warden is unreachable print no decision (Claude Code\'s own rules decide) instead of blocking')
    .option('--policy <file>', 'offline: judge with a config file the gateway exported (warden config export), no Warden needed')
    .option('--consumer <name>', 'offline: judge as this consumer of the policy file')
    .action((_o, cmd: Command) =>
      run(async () => {
        const r = await (await cli.hook()).runPreToolUse(argvOf(cmd).filter((a) => a !== '--'), { env: process.env, stdin: await readStdin(), wardenBin: WARDEN_BIN });
        io.out(r.stdout);
        io.err(r.stderr);
        return r.code;
      }),
    );
  hook
    .command('mcp-headers')
    .description('the headersHelper of Warden\'s MCP server entry: prints {"Authorization": "Bearer …"}')
    .action(() =>
      run(async () => {
        const r = await (await cli.mcpHeaders()).runMcpHeaders(process.env, WARDEN_BIN);
        io.out(r.stdout);
        io.err(r.stderr);
        return r.code;
      }),
    );

  program
    .command('login')
    .description('log in to your identity provider (OIDC device flow, or --pkce), or store a virtual key with --key; `warden token` prints the credential')
    .option('--issuer <url>', 'the OIDC issuer (else issuer of login.json in the config folder)')
    .option('--client-id <id>', 'the public client registered for Warden\'s CLI (else client_id of login.json)')
    .option('--scope <scopes>', `space-separated scopes (default "openid profile offline_access")`)
    .option('--resource <uri>', 'RFC 8707 resource indicator: the audience of the access token, for IdPs that take one')
    .option('--audience <aud>', 'audience parameter, for IdPs that take one (Auth0)')
    .option('--login-hint <user>', 'your user name or e-mail at the identity provider, to skip its account picker')
    .option('--pkce', 'authorization code with PKCE on a loopback redirect instead of the device flow; prints the URL to open')
    .option('--port <n>', 'with --pkce: the loopback port of the redirect (default: a free one)', port)
    .option('--timeout <seconds>', 'with --pkce: how long to wait for the redirect (default 300)', (v: string) => {
      if (!/^\d+$/.test(v) || Number(v) < 1) throw new InvalidArgumentError('expected a number of seconds');
      return Number(v);
    })
    .option('--key <key>', 'store this Warden virtual key instead of logging in (`-` reads it from stdin: keeps it out of the shell history and ps)')
    .action((o) => run(async () => (await cli.login()).loginCommand(o, io)));
  program
    .command('token')
    .description('print a valid credential on stdout (an OIDC access token, refreshed when needed, or the stored key): Claude Code\'s apiKeyHelper')
    .action(() => run(async () => (await cli.token()).tokenCommand(io)));
  program
    .command('logout')
    .description('remove the stored login (and revoke the refresh token at the identity provider)')
    .action(() => run(async () => (await cli.login()).logoutCommand(io)));

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
