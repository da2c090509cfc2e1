import { z } from 'zod';
import { MASK_STYLES } from './redact/mask.js';
import { PII_KINDS } from './detectors/pii/index.js';
import { customPatternSchema } from './detectors/patterns/index.js';
import { permissionsSchema } from '../policy/config.js';

const action = z.enum(['reject', 'redact', 'log']).describe('reject: the door answers an error; redact: the span is replaced before forwarding; log: audit only.');

const detectorSection = {
  action: action.default('redact'),
  message: z.string().optional().describe('Message of the rejection (action: reject).'),
  status: z.number().int().min(400).max(599).default(403),
};

export const guardsSchema = z
  .strictObject({
    mask: z.enum(MASK_STYLES).default('placeholder').describe('How redacted spans are replaced: [REDACTED:<rule>], ****, last 4 kept, or a hash.'),
    // Secure by default: without a guards section secrets are redacted, PII is logged and the
    // tool-use guard runs its default rules; `enabled: false` turns one off, explicitly.
    secrets: z.strictObject({ ...detectorSection, enabled: z.boolean().default(true), disabled_rules: z.array(z.string()).default([]) }).prefault({})
      .describe('The gitleaks-derived secret rules plus agent-specific ones (docs/guards-secrets.md). On by default (redact); `enabled: false` turns it off.'),
    pii: z.strictObject({ ...detectorSection, action: action.default('log'), enabled: z.boolean().default(true), kinds: z.array(z.enum(PII_KINDS)).optional(), min_confidence: z.number().min(0).max(1).default(0.5) }).prefault({})
      .describe('E-mail addresses, phone numbers, card numbers, IBANs, SSNs (docs/guards-pii.md). On by default with action `log` (audit only); `enabled: false` turns it off.'),
    patterns: z.array(customPatternSchema.extend({ action: action.default('redact'), message: z.string().optional(), status: z.number().int().min(400).max(599).default(403) })).default([])
      .describe('Custom patterns, run on a linear-time (RE2) engine.'),
    decoding: z
      .strictObject({
        enabled: z.boolean().default(true).describe('Decode base64, hex, percent-encoding, string escapes and split literals before the detectors run; a finding in decoded text redacts the encoded span.'),
        max_depth: z.number().int().min(1).max(5).default(3).describe('Layers of encoding undone (base64 of an escaped JSON string is two).'),
      })
      .prefault({})
      .describe('The decoding layer in front of every detector (docs/guards-secrets.md#decoding).'),
    prompt_guard: z
      .array(customPatternSchema.extend({ message: z.string().default('Rejected due to inappropriate content'), status: z.number().int().min(400).max(599).default(403) }))
      .default([])
      .describe('Patterns on the user prompt text that reject the request with a custom message.'),
    responses: z
      .strictObject({
        enabled: z.boolean().default(true).describe('Scan answers (streamed and not) with the same detectors; reject and redact both redact, since an answer cannot be refused once started.'),
        hold_back_chars: z.number().int().min(16).max(4096).default(1024).describe('Deprecated and ignored: the hold-back is derived from the detectors (the longest bounded match; long secrets are held from their start until complete), so no setting can let part of a secret out (docs/guards.md).'),
      })
      .prefault({})
      .describe('The response guard: secrets, PII and patterns in what the model answers.'),
    tool_use: z
      .strictObject({
        enabled: z.boolean().default(true),
        defaults: z.boolean().default(true).describe('Apply Warden’s default agent rules (seed 003 and more: rm -rf, git push --force, git reset --hard, curl | sh, scripts fed to a shell, mkfs, dd to devices, sudo, ssh, reading .env and keys, Warden’s own CLI and files), judged together with your own: deny wins across both sets.'),
        permissions: permissionsSchema.optional().describe('Your rules, merged with the defaults and the policy engine for every part of a call: deny beats ask beats allow across all of them.'),
        message: z.string().min(1).default('Warden blocked the tool call {tool}: {reason}. Do not retry it; tell the user what you wanted to do instead.').describe('Text that replaces a refused tool_use block; {tool} and {reason} are filled in.'),
      })
      .prefault({})
      .describe('The tool-use guard: each tool_use block the model asks for is held until complete and judged; a refused one is replaced by a text block, so the agent never runs it. On by default with the default agent rules; `enabled: false` turns it off.'),
    consumers: z.record(z.string(), z.strictObject({ secrets: action.optional(), pii: action.optional(), patterns: action.optional(), exempt: z.boolean().default(false) })).default({})
      .describe('Per-consumer overrides of the action per detector, or exempt: true.'),
  })
  .prefault({});

export type GuardsConfig = z.output<typeof guardsSchema>;
export type GuardAction = z.output<typeof action>;
