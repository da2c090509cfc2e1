/**
 * The checks on a project's configuration, from the list of files git (or the walker)
 * gives: `.env*` files that are not ignored, Claude Code settings without deny rules for
 * destructive commands, `.mcp.json` with literal secrets, package.json without a lockfile,
 * unpinned dependencies and container images.
 */
import { basename, dirname } from 'node:path/posix';
import { compilePermissionRules, evaluatePermissions } from '../../policy/permissions/index.js';
import type { ScanFinding } from './rules.js';
import { secretDetector } from './secrets.js';

export type ReadText = (rel: string) => string | undefined;

/** `.env.example` and its kin document the variables; they are meant to be committed. */
const ENV_TEMPLATE = /\.(?:example|sample|template|dist|defaults?)$/i;

export function envFiles(files: readonly string[]): ScanFinding[] {
  return files
    .filter((f) => /^\.env(?:\..+)?$/.test(basename(f)) && !ENV_TEMPLATE.test(f))
    .map((f) => ({ rule: 'WS003', severity: 'high', message: `${f} is not ignored by git: its values would be committed`, file: f, line: 1 }) as ScanFinding);
}

/** Commands an agent must never run unasked; each must meet a deny rule. */
export const DESTRUCTIVE_PROBES = ['rm -rf /', 'rm -rf ./build', 'git push --force origin main', 'git reset --hard', 'sudo rm /etc/passwd', 'chmod 777 /etc'] as const;

function lineOf(text: string, needle: string): number {
  const i = text.indexOf(needle);
  return i < 0 ? 1 : text.slice(0, i).split('\n').length;
}

export function claudeSettings(files: readonly string[], read: ReadText): ScanFinding[] {
  const candidates = ['.claude/settings.json', '.claude/settings.local.json'].filter((f) => files.includes(f));
  const deny: string[] = [];
  let where: string | undefined;
  const out: ScanFinding[] = [];
  for (const f of candidates) {
    const text = read(f);
    if (text === undefined) continue;
    try {
      const j = JSON.parse(text) as { permissions?: { deny?: unknown } };
      const d = j.permissions?.deny;
      if (Array.isArray(d)) for (const r of d) if (typeof r === 'string') deny.push(r);
      where ??= f;
    } catch {
      out.push({ rule: 'WS004', severity: 'medium', message: `${f} is not valid JSON: Claude Code ignores it`, file: f, line: 1 });
    }
  }
  if (!where) return [...out, { rule: 'WS004', severity: 'medium', message: 'no .claude/settings.json with permission rules: every team member starts from an unguarded Claude Code', file: '.claude/settings.json' }];
  // Claude Code's rule syntax is Warden's: the same matcher says whether each probe is denied.
  let compiled;
  try {
    compiled = compilePermissionRules({ allow: [], ask: [], deny }, 'permissions', 'project');
  } catch (e) {
    return [...out, { rule: 'WS005', severity: 'medium', message: `${where}: permissions.deny does not compile: ${(e as Error).message.slice(0, 200)}`, file: where, line: 1 }];
  }
  const text = read(where) ?? '';
  for (const command of DESTRUCTIVE_PROBES) {
    const r = evaluatePermissions(compiled, { tool: 'Bash', input: { command } }, { cwd: '/project' });
    if (r.outcome !== 'deny') out.push({ rule: 'WS005', severity: 'medium', message: `${where}: no deny rule stops \`${command}\``, file: where, line: lineOf(text, '"deny"') });
  }
  return out;
}

const CREDENTIAL_NAME = /auth|token|key|secret|passw|credential|cookie/i;

export function mcpJson(files: readonly string[], read: ReadText): ScanFinding[] {
  const out: ScanFinding[] = [];
  for (const f of files.filter((x) => basename(x) === '.mcp.json')) {
    const text = read(f);
    if (text === undefined) continue;
    const flagged = new Set<number>();
    for (const s of secretDetector().detect(text)) {
      const line = text.slice(0, s.start).split('\n').length;
      if (flagged.has(line)) continue;
      flagged.add(line);
      out.push({ rule: 'WS006', severity: 'high', message: `${f}: literal secret (${s.rule}) in the MCP config`, file: f, line });
    }
    let j: { mcpServers?: Record<string, { headers?: Record<string, unknown>; env?: Record<string, unknown> }> };
    try {
      j = JSON.parse(text) as typeof j;
    } catch {
      continue;
    }
    for (const [name, server] of Object.entries(j.mcpServers ?? {})) {
      for (const [kind, values] of [['headers', server?.headers], ['env', server?.env]] as const) {
        for (const [k, v] of Object.entries(values ?? {})) {
          // `${VAR}` is expanded by Claude Code from the environment: no secret in the file.
          if (typeof v !== 'string' || !CREDENTIAL_NAME.test(k) || v.includes('${')) continue;
          const value = v.replace(/^(?:Bearer|Basic|Token)\s+/i, '');
          if (value.length < 8) continue;
          const line = lineOf(text, `"${k}"`);
          if (flagged.has(line)) continue;
          flagged.add(line);
          out.push({ rule: 'WS006', severity: 'high', message: `${f}: mcpServers.${name}.${kind}.${k} holds a literal credential; reference \${VAR} instead`, file: f, line });
        }
      }
    }
  }
  return out;
}

const LOCKFILES = ['package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml', 'bun.lockb', 'bun.lock'];
/** Exact versions, and references that name one immutable thing (a file, a git commit). */
const PINNED = /^(?:=?v?\d+\.\d+\.\d+(?:[-+][\w.-]+)?|(?:file|link|workspace):.*|npm:[^@]+@\d+\.\d+\.\d+.*|.*#[0-9a-f]{40})$/;

export function packageJsons(files: readonly string[], read: ReadText): ScanFinding[] {
  const out: ScanFinding[] = [];
  const set = new Set(files);
  for (const f of files.filter((x) => basename(x) === 'package.json' && !x.split('/').includes('node_modules'))) {
    const dir = dirname(f);
    const text = read(f);
    if (text === undefined) continue;
    let j: Record<string, unknown>;
    try {
      j = JSON.parse(text) as Record<string, unknown>;
    } catch {
      continue;
    }
    const deps = ['dependencies', 'devDependencies', 'optionalDependencies'].flatMap((k) => Object.entries((j[k] as Record<string, unknown> | undefined) ?? {}));
    const inWorkspace = dir !== '.' && files.some((x) => LOCKFILES.includes(basename(x)) && (dirname(x) === '.' || dir.startsWith(`${dirname(x)}/`)));
    if (deps.length && !LOCKFILES.some((l) => set.has(dir === '.' ? l : `${dir}/${l}`)) && !inWorkspace) {
      out.push({ rule: 'WS008', severity: 'medium', message: `${f} has dependencies but no lockfile beside it`, file: f, line: 1 });
    }
    for (const [name, spec] of deps) {
      if (typeof spec === 'string' && !PINNED.test(spec.trim())) out.push({ rule: 'WS009', severity: 'low', message: `${f}: ${name} "${spec.slice(0, 60)}" is a range, not one version`, file: f, line: lineOf(text, `"${name}"`) });
    }
  }
  return out;
}

export function requirementsTxt(files: readonly string[], read: ReadText): ScanFinding[] {
  const out: ScanFinding[] = [];
  for (const f of files.filter((x) => /^requirements.*\.txt$/.test(basename(x)))) {
    const text = read(f);
    if (text === undefined) continue;
    text.split(/\r?\n/).forEach((raw, i) => {
      const l = raw.replace(/\s+#.*$/, '').trim();
      if (!l || l.startsWith('#') || l.startsWith('-')) return;
      if (/^[A-Za-z0-9._\[\], -]+===?\s*[\w.!+-]+(?:\s*;.*)?$/.test(l) || /@\s*\S+#sha256=|@\s*git\+\S+@[0-9a-f]{40}/.test(l)) return;
      out.push({ rule: 'WS009', severity: 'low', message: `${f}: "${l.slice(0, 60)}" is not pinned with ==`, file: f, line: i + 1 });
    });
  }
  return out;
}

export function dockerfiles(files: readonly string[], read: ReadText): ScanFinding[] {
  const out: ScanFinding[] = [];
  for (const f of files.filter((x) => /^(?:Dockerfile|Containerfile)(?:\..+)?$|\.(?:dockerfile|containerfile)$/i.test(basename(x)))) {
    const text = read(f);
    if (text === undefined) continue;
    const stages = new Set<string>();
    text.split(/\r?\n/).forEach((raw, i) => {
      const m = /^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?/i.exec(raw);
      if (!m) return;
      const image = m[1]!;
      // An earlier build stage, scratch, a build argument or a digest: nothing to pin here.
      const skip = image === 'scratch' || stages.has(image.toLowerCase()) || image.startsWith('$') || image.includes('@sha256:');
      if (m[2]) stages.add(m[2].toLowerCase());
      if (skip) return;
      const last = image.split('/').pop()!;
      const tag = last.includes(':') ? last.slice(last.indexOf(':') + 1) : '';
      if (!tag || tag === 'latest') out.push({ rule: 'WS010', severity: 'medium', message: `${f}: FROM ${image.slice(0, 100)} ${tag ? 'uses :latest' : 'has no tag'} and no digest`, file: f, line: i + 1 });
    });
  }
  return out;
}
