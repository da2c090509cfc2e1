import type { SecretRuleData } from './rule-types.js';
import { isJwtWithAlg, isNotOpaqueCursor, isRealUrlPassword, isWardenKey } from './validators.js';
import { CREDENTIAL_FILE_RULES } from './credential-file-rules.js';

/**
 * Rules gitleaks lacks that matter in agent traffic, and Warden's refinements of ported
 * rules. Regexes are JavaScript (vetted like the ported ones: see secrets-redos.test.ts).
 * `anchors` must be literals every match starts with (lower-case); `maxLength` bounds the match.
 */

const DB_SCHEMES = ['postgres', 'postgresql', 'mysql', 'mariadb', 'mongodb', 'mongodb+srv', 'redis', 'rediss', 'amqp', 'amqps'];

export const AGENT_RULES: readonly SecretRuleData[] = [
  {
    id: 'anthropic-oauth-token',
    description: 'Anthropic OAuth access token (Claude subscription login, e.g. Claude Code), usable as a bearer token against the Anthropic API.',
    regex: String.raw`\b(sk-ant-oat01-[\w-]{40,200})(?![\w-])`,
    flags: '', entropy: 3.5, maxLength: 213, confidence: 0.95,
    keywords: ['sk-ant-oat01-'],
    anchors: ['sk-ant-oat01-'],
  },
  {
    id: 'anthropic-oauth-refresh-token',
    description: 'Anthropic OAuth refresh token, which mints new access tokens for a Claude subscription login.',
    regex: String.raw`\b(sk-ant-ort01-[\w-]{40,200})(?![\w-])`,
    flags: '', entropy: 3.5, maxLength: 213, confidence: 0.95,
    keywords: ['sk-ant-ort01-'],
    anchors: ['sk-ant-ort01-'],
  },
  {
    id: 'warden-virtual-key',
    description: 'Warden virtual key (wdn_ + 36 base62 + CRC-32 checksum), which authenticates to this gateway.',
    regex: String.raw`\b(wdn_[0-9A-Za-z]{42})\b`,
    flags: '', maxLength: 46, confidence: 1,
    keywords: ['wdn_'],
    anchors: ['wdn_'],
    validate: isWardenKey,
  },
  {
    id: 'database-url-password',
    description: 'Password inside a database or broker connection URL (PostgreSQL, MySQL/MariaDB, MongoDB, Redis, AMQP).',
    // Userinfo is `user:password@`; the password may itself hold `@` or `:` unencoded, so it
    // runs greedily to the last `@` before the host.
    regex: String.raw`\b(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|amqps?):\/\/[^\s:@\/?#"'\x60<>]{0,128}:([^\s\/?#"'\x60<>]{1,128})@[^\s\/?#@"'\x60<>]{1,253}`,
    flags: 'i', maxLength: 530, confidence: 0.9,
    keywords: DB_SCHEMES.map((s) => `${s}://`),
    anchors: DB_SCHEMES.map((s) => `${s}://`),
    validate: isRealUrlPassword,
  },
  {
    // gitleaks' GCPServiceAccount rule (cmd/generate/config/rules/gcp.go, MIT licence,
    // Copyright (c) 2019 Zachary Rice), left out of its default config. It marks the key
    // file, not a secret, hence the low confidence; the private key inside is private-key's.
    id: 'gcp-service-account',
    description: 'Google (GCP) service-account key file.',
    regex: String.raw`"type": "service_account"`,
    flags: '', maxLength: 25, confidence: 0.3,
    keywords: ['"type": "service_account"'],
    anchors: ['"type": "service_account"'],
  },
  {
    // gitleaks' private-key rule sees PEM text only; kubeconfig `client-key-data` and a
    // Secret's `tls.key` hold the PEM base64-encoded. `LS0tLS1CRUdJTi` is base64 of
    // `-----BEGIN` at the start of the value; the three alternatives are ` PRIVATE KEY` at
    // each of the three byte alignments, so a certificate (`CERTIFICATE`) does not match.
    id: 'private-key-base64',
    description: 'Private key in PEM form, base64-encoded (kubeconfig client-key-data, Kubernetes Secret tls.key).',
    regex: String.raw`\b(LS0tLS1CRUdJTi[\d+\/A-Za-z]{0,60}?(?:IFBSSVZBVEUgS0VZ|BQUklWQVRFIEtFW|gUFJJVkFURSBLRV)[\d+\/A-Za-z]{64,}={0,2})`,
    flags: '', maxLength: -1, confidence: 0.95,
    keywords: ['ls0tls1crudjti'],
    anchors: ['ls0tls1crudjti'],
  },
  ...CREDENTIAL_FILE_RULES,
];

/** Changes to ported gitleaks rules, by rule id. */
export const RULE_REFINEMENTS: Readonly<Record<string, Partial<SecretRuleData>>> = {
  // gitleaks' jwt regex alone matches any `ey….ey…` run; requiring a decodable header with
  // `alg` removes the base64 look-alikes. Its header part also lacked base64url's `_`:
  // added. (`-` stays out: a header run spanning `-ey-ey-…` made V8 quadratic.)
  jwt: {
    regex: String.raw`\b(ey\w{17,}\.ey[\w\-\/\\]{17,}\.(?:[\w\-\/\\]{10,}={0,2})?)(?:[\t\n\f\r "';\x60]|\\[nr]|$)`,
    validate: isJwtWithAlg,
    confidence: 0.9,
  },
  // `\bcurl\b.*…` scans the rest of the line (and 5 more) from every `curl`; a line of
  // `curl curl curl …` made V8 quadratic (80 KB: 2–6 s). re2js keeps it linear.
  'curl-auth-header': { engine: 're2' },
  'curl-auth-user': { engine: 're2' },
  // gitleaks scopes it to .tf/.hcl files; traffic has no paths, so here it also sees any
  // `password = "…"` in any language (e.g. `usernamePasswordInOptions = "username"`).
  'hashicorp-tf-password': { confidence: 0.5 },
  // After names like `NextToken`, `cursor`, `cache-key`, `page_token`, the value is often a
  // base64 JSON cursor (`eyJvZmZzZXQiOjEwMH0=` = {"offset":100}): state handed back to the
  // server, not a credential.
  'generic-api-key': { validate: isNotOpaqueCursor },
  // No literal start, so gitleaks' form would scan the whole text (~20 ns per character)
  // whenever the keyword occurs; the literal sits at a fixed offset, so anchor on it.
  'hashicorp-tf-api-token': { anchors: ['.atlasv1.'], anchorOffset: 14, confidence: 0.95 },
  'maxmind-license-key': { anchors: ['_mmk'], anchorOffset: 36, confidence: 0.95 },
  // `value="([^\n]{8,})"` scans to the end of the line from every `<add key=`.
  'nuget-config-password': { engine: 're2' },
  // The base64 value run is followed by a lazy `.{0,200}?` looking for `kind:`; on V8 every
  // shorter run was retried (100 KB value: ~15 s). Backtracking into the run can never
  // succeed where the full run failed, so it is made atomic: `(?=(run))\N`.
  'kubernetes-secret-yaml': {
    regex: String.raw`(?:\bkind:[\t ]*["']?\bsecret\b["']?(?:[\s\S]){0,200}?\bdata:(?:[\s\S]){0,100}?[\t\n\f\r ]+([\w\-.]+:(?:[\t ]*(?:\||>[+\-]?)[\t\n\f\r ]+)?[\t ]*(?:["']?(?=([\d+\/a-z]{10,}))\2={0,3}["']?|\{\{[\w\t "\$,-.:=|]+\}\}|""|''))|\bdata:(?:[\s\S]){0,100}?[\t\n\f\r ]+([\w\-.]+:(?:[\t ]*(?:\||>[+\-]?)[\t\n\f\r ]+)?[\t ]*(?:["']?(?=([\d+\/a-z]{10,}))\4={0,3}["']?|\{\{[\w\t "\$,-.:=|]+\}\}|""|''))(?:[\s\S]){0,200}?\bkind:[\t ]*["']?\bsecret\b["']?)`,
  },
};
