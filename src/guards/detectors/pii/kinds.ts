import type { Finding } from '../types.js';

export const PII_DETECTOR_ID = 'pii';

export const PII_KINDS = ['card', 'ssn', 'email', 'iban', 'phone'] as const;
export type PiiKind = (typeof PII_KINDS)[number];

export function piiFinding(rule: PiiKind, start: number, end: number, confidence: number): Finding {
  return { detector: PII_DETECTOR_ID, rule, start, end, confidence };
}

/** Longest span each kind can report, for stream hold-back windows. */
export const PII_MAX_MATCH_LENGTH: Readonly<Record<PiiKind, number>> = {
  card: 23, // 19 digits in 4-4-4-4-3 groups with 4 separators
  ssn: 11, // AAA-GG-SSSS
  email: 254, // RFC 5321 path limit
  iban: 42, // 34 characters in groups of 4 with 8 spaces
  phone: 32, // bounded in phone.ts
};
