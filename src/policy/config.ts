/**
 * The `policy` section of warden.yaml. The top level is itself a policy (attached globally)
 * plus named policies attached to doors, routes and consumers. docs/policy.md explains it.
 */
import { z } from 'zod';

const policyName = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and - only, at most 64 characters');
const verdict = z.enum(['allow', 'deny']);

const matchSet = z
  .strictObject({
    consumers: z.array(z.string().min(1)).default([]).describe('Consumer names.'),
    groups: z.array(z.string().min(1)).default([]).describe('Consumer groups.'),
    labels: z
      .record(z.string().min(1), z.array(z.string().min(1)).min(1))
      .default({})
      .describe('Label name → accepted values, e.g. `level: [staging, sandbox]`; any one match counts.'),
  })
  .describe('Who a list matches; a plain list is shorthand for `consumers`.');

// APISIX writes `allow: ["claude-code-staging"]`; a plain list is the consumers list.
const matchList = z.union([z.array(z.string().min(1)), matchSet]);

export const aclSchema = z
  .strictObject({
    allow: matchList.optional().describe('When set, only consumers matching it pass.'),
    deny: matchList.optional().describe('Consumers matching it are refused; checked first.'),
    rejected_code: z.number().int().min(200).max(599).default(403),
    rejected_msg: z.string().min(1).optional().describe('Message of the refusal; default "The consumer is forbidden."'),
  })
  .describe('Allow and deny by consumer name, group and label (APISIX acl / consumer-restriction).');

export const ruleSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - only, at most 64 characters'),
  when: z.string().min(1).describe('CEL expression over the decision document; true → the action applies.'),
  action: z.enum(['deny', 'allow', 'ask', 'redact']).default('deny'),
  reason: z.string().min(1).optional(),
  status: z.number().int().min(200).max(599).optional().describe('Status of a deny (default 403).'),
  approvers: z
    .array(
      z
        .string()
        .min(1)
        // Only these roles may decide: any other role entry would leave the approval unanswerable.
        .refine((e) => !e.startsWith('role:') || e === 'role:approver' || e === 'role:admin', 'a role entry is role:approver or role:admin (the roles that may decide)'),
    )
    .default([])
    .describe('action ask: who may answer — admin key names, their groups, or `role:approver` / `role:admin` (docs/policy.md); empty: any approver or admin.'),
  redact: z.array(z.string().min(1)).default([]).describe('action redact: guard detectors that must redact.'),
  on_error: z
    .enum(['deny', 'skip'])
    .default('deny')
    .describe('When the expression fails at run time (missing field, wrong type): deny (fail closed) or treat as not matched. allow rules never grant on error.'),
});

export const permissionsSchema = z
  .strictObject({
    allow: z.array(z.string().min(1)).default([]),
    ask: z.array(z.string().min(1)).default([]),
    deny: z.array(z.string().min(1)).default([]),
  })
  .describe('Claude-Code-style permission rules: `Bash(git push --force*)`, `Read(./.env)`, `mcp__server__tool`, `WebFetch(domain:x)`.');

export const opaSchema = z
  .strictObject({
    host: z.url({ protocol: /^https?$/ }).describe('OPA origin, e.g. http://127.0.0.1:8181.'),
    policy: z
      .string()
      .regex(/^[A-Za-z0-9_][A-Za-z0-9_/.-]*$/, 'a package path such as `claude_code_policy` or `example/allow`')
      .describe('Queried as POST {host}/v1/data/{policy}.'),
    timeout_ms: z.number().int().min(1).max(60_000).default(3000).describe('Whole-call deadline; past it Warden fails closed (403).'),
    ssl_verify: z.boolean().default(true).describe('Verify the OPA server certificate (https hosts).'),
    keepalive: z.boolean().default(true),
    keepalive_timeout_ms: z.number().int().min(1000).default(60_000),
    keepalive_pool: z.number().int().min(1).default(5).describe('Connections kept open to OPA.'),
    with_route: z.boolean().default(false),
    with_service: z.boolean().default(false),
    with_consumer: z.boolean().default(false),
    with_body: z
      .strictObject({ max_bytes: z.number().int().min(1).max(16 * 1024 * 1024).default(64 * 1024) })
      .optional()
      .describe('Opt-in: send the request body as input.request.body when it is at most max_bytes.'),
    send_headers_upstream: z.array(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/)).min(1).optional(),
    max_answer_bytes: z.number().int().min(64).default(1024 * 1024).describe('Largest OPA answer read; larger → 503.'),
  })
  .describe('External Open Policy Agent, on the APISIX opa plugin contract.');

export const namedPolicySchema = z.strictObject({
  default: verdict.optional().describe('What this policy wants when nothing decides; deny wins over allow across attached policies.'),
  acl: aclSchema.optional(),
  rules: z.array(ruleSchema).default([]),
  permissions: permissionsSchema.optional(),
  opa: opaSchema.optional(),
});

const attachList = z.array(policyName).default([]);

export const attachSchema = z
  .strictObject({
    global: attachList.describe('Named policies applied to every request (besides the top-level one).'),
    doors: z.partialRecord(z.enum(['llm', 'http', 'mcp', 'postgres', 'hook', 'admin']), attachList).default({}),
    routes: z.record(z.string().min(1), attachList).default({}).describe('Route or backend id → policies.'),
    consumers: z.record(z.string().min(1), attachList).default({}).describe('Consumer name → policies.'),
  })
  .prefault({});

export const approvalsSchema = z
  .strictObject({
    pending_ttl_ms: z.number().int().positive().default(3_600_000).describe('How long a pending approval waits for an answer.'),
    grant_ttl_ms: z.number().int().positive().default(8 * 3_600_000).describe('How long an approval lets identical requests through once approved.'),
    review_url: z
      .string()
      .url()
      .optional()
      .describe('Where a human reviews pending approvals (your console or the admin API\'s `/admin/approvals`); the agent\'s error names it. Unset: the error says to ask a Warden approver.'),
  })
  .prefault({});

export const policySchema = namedPolicySchema
  .extend({
    default: verdict.default('allow').describe('Outcome when no source decides. Attached policies may only tighten it.'),
    policies: z.record(policyName, namedPolicySchema).default({}).describe('Named policies, attached under `attach`.'),
    attach: attachSchema,
    approvals: approvalsSchema,
  })
  .prefault({})
  .describe('Policy engine: ACL, CEL rules, permission rules and OPA, attached at global, door, route and consumer scope.');

export type PolicyConfigInput = z.input<typeof policySchema>;
export type PolicyConfig = z.output<typeof policySchema>;
export type NamedPolicyConfig = z.output<typeof namedPolicySchema>;
export type AclConfig = z.output<typeof aclSchema>;
export type RuleConfig = z.output<typeof ruleSchema>;
export type OpaConfig = z.output<typeof opaSchema>;
