/**
 * Content detection on cell text with the shared detectors (src/guards/detectors): PII
 * (cards with Luhn, dashed SSNs only, e-mail, IBAN) and secrets. An undashed nine-digit
 * SSN hit is dropped: in a database it is as likely an order number (POSTGRES.md).
 */
import type { Detector, Finding } from '../../../guards/detectors/types.js';
import { createPiiDetector, type PiiKind } from '../../../guards/detectors/pii/index.js';
import { createSecretDetector } from '../../../guards/detectors/secrets/index.js';
import { applyRedactions, mask, type MaskStyle, type MaskOptions } from '../../../guards/redact/index.js';

export const DEFAULT_MASK_PII: readonly PiiKind[] = ['card', 'ssn', 'email', 'iban'];

export interface CellDetectorOptions {
  pii?: readonly PiiKind[];
  secrets?: boolean;
}

/** The detectors the masker runs on every text cell, built once per config version. */
export function createCellDetectors(opts: CellDetectorOptions = {}): Detector[] {
  const out: Detector[] = [];
  const kinds = opts.pii ?? DEFAULT_MASK_PII;
  if (kinds.length) out.push(createPiiDetector({ kinds: [...kinds] }));
  if (opts.secrets ?? true) out.push(createSecretDetector());
  return out;
}

export class CellScanner {
  constructor(
    readonly detectors: readonly Detector[],
    readonly style: MaskStyle,
    readonly maskOptions: MaskOptions = {},
  ) {}

  findings(text: string): Finding[] {
    let out: Finding[] | null = null;
    for (const d of this.detectors) {
      for (const f of d.detect(text)) {
        if (f.detector === 'pii' && f.rule === 'ssn' && !text.slice(f.start, f.end).includes('-')) continue;
        (out ??= []).push(f);
      }
    }
    return out ?? [];
  }

  /** `text` with every finding masked, and the findings; the same string when nothing was found. */
  redact(text: string): { text: string; findings: Finding[] } {
    const findings = this.findings(text);
    if (findings.length === 0) return { text, findings };
    return { text: applyRedactions(text, findings, this.style, this.maskOptions), findings };
  }

  /** The mask of a whole value under a column rule (`[REDACTED:public.cards.number]`, `****`, …). */
  maskWhole(text: string, label: string): string {
    return mask(text, { detector: 'column', rule: label, start: 0, end: text.length, confidence: 1 }, this.style, this.maskOptions);
  }
}
