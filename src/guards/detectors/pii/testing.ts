/** Test helpers for the PII detectors (imported by *.test.ts only). */
import assert from 'node:assert/strict';
import type { Finding } from '../types.js';
import { type PiiKind, createPiiDetector } from './index.js';

export interface Span {
  rule: string;
  text: string;
  confidence: number;
}

/** Runs the detector for the given kinds and returns what each finding covers. */
export function spans(text: string, kinds: PiiKind[], minConfidence = 0.5): Span[] {
  const findings = createPiiDetector({ kinds, minConfidence }).detect(text);
  for (const f of findings) assertNoMatchedText(f, text);
  return findings.map((f) => ({ rule: f.rule, text: text.slice(f.start, f.end), confidence: f.confidence }));
}

/** The covered texts only. */
export function matched(text: string, kinds: PiiKind[], minConfidence = 0.5): string[] {
  return spans(text, kinds, minConfidence).map((s) => s.text);
}

/** A finding carries positions and scores, never the personal data itself. */
export function assertNoMatchedText(f: Finding, text: string): void {
  assert.deepEqual(Object.keys(f).sort(), ['confidence', 'detector', 'end', 'rule', 'start']);
  assert.ok(f.start >= 0 && f.end <= text.length && f.start < f.end, 'span inside the text');
  assert.ok(f.confidence > 0 && f.confidence <= 1, 'confidence in (0, 1]');
  const covered = text.slice(f.start, f.end);
  assert.ok(!JSON.stringify(f).includes(covered), 'finding must not contain the matched text');
}
