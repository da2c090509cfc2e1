/**
 * Names on the aggregate endpoint `/mcp`: tools and prompts as `server__name` (SEP-986's
 * `[A-Za-z0-9_.-]`, the convention of Docker, Envoy AI Gateway and ngrok), resource URIs as
 * `warden+mcp://server/<the server's own URI>`. On `/mcp/<server>` names pass unprefixed.
 * Server names cannot contain `__` (config.ts), so the first `__` always splits correctly.
 */
export const SEP = '__';
const URI_PREFIX = 'warden+mcp://';

export interface Scope {
  /** Set on `/mcp/<server>`: names are that server's own. */
  readonly only: string | undefined;
}

export function outerName(scope: Scope, server: string, name: string): string {
  return scope.only ? name : `${server}${SEP}${name}`;
}

/** `server__tool` → its server and own name; undefined when the name names no server. */
export function innerName(scope: Scope, name: string): { server: string; name: string } | undefined {
  if (scope.only) return { server: scope.only, name };
  const i = name.indexOf(SEP);
  if (i <= 0 || i + SEP.length >= name.length) return undefined;
  return { server: name.slice(0, i), name: name.slice(i + SEP.length) };
}

export function outerUri(scope: Scope, server: string, uri: string): string {
  return scope.only ? uri : `${URI_PREFIX}${server}/${uri}`;
}

export function innerUri(scope: Scope, uri: string): { server: string; uri: string } | undefined {
  if (scope.only) return { server: scope.only, uri };
  if (!uri.startsWith(URI_PREFIX)) return undefined;
  const rest = uri.slice(URI_PREFIX.length);
  const slash = rest.indexOf('/');
  if (slash <= 0) return undefined;
  return { server: rest.slice(0, slash), uri: rest.slice(slash + 1) };
}

/** The name permission rules and the tool-use guard know the tool by, at every door. */
export function permissionName(server: string, tool: string): string {
  return `mcp${SEP}${server}${SEP}${tool}`;
}

/** Control, bidi-override and invisible format characters: a name carrying one can show the model or a human something other than what is called. */
const UNSAFE_CHARS = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;

/** Whether an upstream's tool or prompt name may be shown and called: 1 to 128 characters, none of them unsafe. */
export function isSafeName(name: string): boolean {
  return name.length > 0 && name.length <= 128 && !UNSAFE_CHARS.test(name);
}
