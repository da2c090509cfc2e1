/**
 * Which credential a call runs with. Per-consumer credentials are looked up by the
 * consumer's own name and nothing else: no fallback to a shared credential or to another
 * consumer's (ContextForge #1078: user A's call ran with user B's token).
 */
import { WardenError } from '../../../core/errors.js';
import type { McpCredentialConfig, McpServerConfig } from '../config.js';
import type { UpstreamIdentity } from './types.js';

export interface ResolvedCredential {
  /** Processes and sessions are never shared across different keys. */
  key: string;
  credential: McpCredentialConfig | undefined;
}

export function credentialFor(server: string, cfg: McpServerConfig, identity: UpstreamIdentity): ResolvedCredential {
  const per = cfg.credentials_per_consumer;
  if (!per) return { key: 'shared', credential: cfg.credential };
  // Own properties only: a consumer named `constructor` or `__proto__` finds nothing inherited.
  const credential = Object.prototype.hasOwnProperty.call(per, identity.consumer) ? per[identity.consumer] : undefined;
  if (!credential) {
    throw new WardenError('WARDEN_E_MCP_CREDENTIAL_MISSING', `MCP server "${server}" has no credential for consumer "${identity.consumer}" (mcp.servers.${server}.credentials_per_consumer)`);
  }
  return { key: `consumer:${identity.consumer}`, credential };
}

/** Credential values, to scrub from anything the server writes to its logs. */
export function secretValues(c: McpCredentialConfig | undefined): string[] {
  if (!c) return [];
  const out = Object.values(c.env);
  if (c.value) out.push(c.value, ...c.value.split(/\s+/).filter((p) => p.length >= 8));
  return out.filter((v) => v.length >= 4);
}
