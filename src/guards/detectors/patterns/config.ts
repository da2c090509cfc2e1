import { z } from 'zod';
import { MAX_PATTERN_SOURCE_LENGTH, compilePattern } from './compile.js';

/** One entry of the custom-patterns config section; a pattern RE2 cannot run fails validation. */
export const customPatternSchema = z
  .strictObject({
    id: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'letters, digits, _ . - only (starting with a letter or digit), at most 64 characters')
      .describe('Names the pattern in findings, audit records and the `[REDACTED:<id>]` placeholder.'),
    regex: z
      .string()
      .min(1)
      .max(MAX_PATTERN_SOURCE_LENGTH)
      .describe('RE2 syntax (linear time): no backreferences, no lookahead or lookbehind. Write `\\d`, not `\\\\d`, in YAML single quotes.'),
    flags: z
      .string()
      .regex(/^[ims]*$/, 'only i, m and s')
      .optional()
      .describe('i: case-insensitive; m: ^ and $ match at line breaks; s: . matches line breaks.'),
    confidence: z.number().min(0).max(1).optional().describe('0..1, 1 by default; compared with the action thresholds.'),
  })
  .superRefine((pattern, ctx) => {
    const result = compilePattern(pattern);
    if (!result.ok) ctx.addIssue({ code: 'custom', path: ['regex'], message: result.error });
  })
  .describe('A user-defined pattern, matched with RE2 so that no pattern can hang the gateway (ReDoS).');

/** The whole list: every pattern valid and every id unique. */
export const customPatternsSchema = z
  .array(customPatternSchema)
  .superRefine((patterns, ctx) => {
    const seen = new Set<string>();
    patterns.forEach((p, i) => {
      if (seen.has(p.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `custom pattern "${p.id}" is defined twice` });
      seen.add(p.id);
    });
  })
  .describe('User-defined patterns, run by the `patterns` detector.');

export type CustomPatternConfig = z.output<typeof customPatternSchema>;
