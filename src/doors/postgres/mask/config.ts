/**
 * `postgres.masking`: what the door masks in results. Lives with the door; the proxy's
 * config section mounts it.
 */
import { z } from 'zod';
import { PII_KINDS } from '../../../guards/detectors/pii/index.js';
import { MASK_STYLES } from '../../../guards/redact/mask.js';
import { parseColumnRef } from './columns.js';

export const maskingSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Mask result cells, COPY output, errors and notices. On by default.'),
    columns: z
      .array(
        z
          .string()
          .refine((s) => parseColumnRef(s) !== null, 'a column is `schema.table.column` (quote a part that holds a dot: `public."a.b".c`)'),
      )
      .default([])
      .describe('Columns masked whole wherever they appear (by table OID and column number from RowDescription, so aliases and `SELECT *` are covered), e.g. `public.cards.number`.'),
    pii: z
      .array(z.enum(PII_KINDS))
      .default(['card', 'ssn', 'email', 'iban'])
      .describe('Content detectors run on every text cell: card numbers (Luhn), SSNs (dashed form only), e-mail, IBAN; `phone` is available but off (too many ids look like phone numbers).'),
    secrets: z.boolean().default(true).describe('Run the secret detectors (API keys, tokens, private keys) on every text cell.'),
    style: z.enum(MASK_STYLES).default('placeholder').describe('How a masked value is written: [REDACTED:<rule>], ****, last 4 kept, or a hash.'),
  })
  .prefault({})
  .describe('Masking of what the PostgreSQL door returns (docs/postgres-policy.md#masking).');

export type MaskingConfig = z.output<typeof maskingSchema>;
