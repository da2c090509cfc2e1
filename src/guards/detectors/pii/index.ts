import type { Detector, Finding } from '../types.js';
import { findCards } from './card.js';
import { findEmails } from './email.js';
import { findIbanCovering, newIbanBuffer } from './iban.js';
import { PII_DETECTOR_ID, PII_KINDS, PII_MAX_MATCH_LENGTH, type PiiKind } from './kinds.js';
import { type NumericToken, scanNumericTokens } from './numeric-tokens.js';
import { findPhones } from './phone.js';
import { findSsns } from './ssn.js';

export { PII_KINDS, type PiiKind } from './kinds.js';

export interface PiiDetectorOptions {
  /** Kinds to look for; all of them by default. */
  kinds?: PiiKind[];
  /** Findings below this confidence are dropped; 0.5 by default. */
  minConfidence?: number;
}

export const DEFAULT_PII_MIN_CONFIDENCE = 0.5;

/**
 * One detector for every PII kind. Cards, SSNs, phone numbers and IBANs share one pass
 * over the numeric tokens of the text; e-mail addresses have their own (`@`) prefilter.
 */
export function createPiiDetector(opts: PiiDetectorOptions = {}): Detector {
  const kinds = new Set<PiiKind>(opts.kinds ?? PII_KINDS);
  for (const kind of kinds) {
    if (!PII_KINDS.includes(kind)) throw new TypeError(`unknown PII kind "${String(kind)}" (known: ${PII_KINDS.join(', ')})`);
  }
  const minConfidence = opts.minConfidence ?? DEFAULT_PII_MIN_CONFIDENCE;
  if (!(minConfidence >= 0 && minConfidence <= 1)) throw new RangeError('minConfidence must be between 0 and 1');

  const card = kinds.has('card');
  const ssn = kinds.has('ssn');
  const phone = kinds.has('phone');
  const iban = kinds.has('iban');
  const numeric = card || ssn || phone || iban;
  const email = kinds.has('email');
  const ibanChars = newIbanBuffer();
  let maxMatchLength = 0;
  for (const kind of kinds) maxMatchLength = Math.max(maxMatchLength, PII_MAX_MATCH_LENGTH[kind]);

  return {
    id: PII_DETECTOR_ID,
    maxMatchLength,
    detect(text: string): Finding[] {
      const found: Finding[] = [];
      if (numeric) {
        let ibanEnd = 0;
        scanNumericTokens(text, (tok: NumericToken) => {
          // Digits inside an IBAN are account data, not cards or phone numbers.
          if (tok.starts[0] < ibanEnd) return;
          if (iban) {
            const end = findIbanCovering(text, tok.starts[0], found, ibanChars);
            if (end > 0) {
              ibanEnd = end;
              return;
            }
          }
          if (card) findCards(text, tok, found);
          if (ssn) findSsns(text, tok, found);
          if (phone) findPhones(text, tok, found);
        });
      }
      if (email) findEmails(text, found);
      if (found.length === 0) return found;
      const kept = minConfidence > 0 ? found.filter((f) => f.confidence >= minConfidence) : found;
      return kept.sort((x, y) => x.start - y.start || y.end - x.end);
    },
  };
}
