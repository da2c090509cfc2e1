import { createHash, createHmac } from 'node:crypto';
import type { Finding } from '../detectors/types.js';

export const MASK_STYLES = ['placeholder', 'full', 'last4', 'hash'] as const;
export type MaskStyle = (typeof MASK_STYLES)[number];

export interface MaskOptions {
  /**
   * Key for the `hash` style. Without it the digest is a plain SHA-256, which anyone can
   * reverse for small spaces (all SSNs, all cards of one issuer); with it, an HMAC-SHA256.
   */
  hashKey?: string | Uint8Array;
}

const FULL = '****';
const HASH_HEX_CHARS = 12;
// last4 keeps four characters; below this many the kept part would give most of the value away.
const LAST4_MIN_CHARS = 8;
const UNSAFE_LABEL = /[^A-Za-z0-9._:-]/g;

/**
 * The replacement for one finding. Replacements are plain printable ASCII without quotes
 * or backslashes, so redacting a decoded JSON string and re-encoding it stays valid JSON
 * and cannot inject markup into the model's context.
 */
export function mask(text: string, finding: Finding, style: MaskStyle, opts: MaskOptions = {}): string {
  switch (style) {
    case 'placeholder':
      return `[REDACTED:${safeLabel(finding.rule)}]`;
    case 'full':
      return FULL;
    case 'last4':
      return keepLast4(text, finding.start, finding.end);
    case 'hash':
      return `[HASH:${digest(text.slice(finding.start, finding.end), opts.hashKey).slice(0, HASH_HEX_CHARS)}]`;
    default:
      throw new TypeError(`unknown mask style "${String(style)}"`);
  }
}

function safeLabel(rule: string): string {
  UNSAFE_LABEL.lastIndex = 0;
  return UNSAFE_LABEL.test(rule) ? rule.replace(UNSAFE_LABEL, '_') : rule;
}

/** `************1234`: one star per hidden letter or digit, separators dropped, the last four kept. */
function keepLast4(text: string, start: number, end: number): string {
  let kept = '';
  let hidden = 0;
  for (let i = end - 1; i >= start; i--) {
    const c = text.charCodeAt(i);
    const alnum = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
    if (!alnum) continue;
    if (kept.length < 4) kept = text[i] + kept;
    else hidden++;
  }
  return kept.length + hidden < LAST4_MIN_CHARS ? FULL : '*'.repeat(hidden) + kept;
}

function digest(value: string, key: string | Uint8Array | undefined): string {
  return (key === undefined ? createHash('sha256') : createHmac('sha256', key)).update(value, 'utf8').digest('hex');
}
