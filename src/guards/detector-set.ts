/**
 * The detectors a `guards` config turns on, built once per config version and shared by
 * the request guard and the response guard: the secret engine (226 rules) is the costly
 * part of a reload, and both directions must judge by the same rules.
 */
import type { GuardAction, GuardsConfig } from './config.js';
import { createPatternDetector } from './detectors/patterns/index.js';
import { createPiiDetector } from './detectors/pii/index.js';
import { createSecretDetector } from './detectors/secrets/index.js';
import type { Detector } from './detectors/types.js';
import { DecodingLayer } from './detectors/decode/index.js';

export interface DetectorSource {
  detector: Detector;
  /** The detector's configured action; custom patterns carry theirs per rule. */
  action: GuardAction;
  message: string | undefined;
  status: number;
  perRule?: Map<string, { action: GuardAction; message: string | undefined; status: number }>;
}

export function buildDetectorSources(cfg: GuardsConfig): DetectorSource[] {
  const out: DetectorSource[] = [];
  if (cfg.secrets?.enabled) {
    out.push({ detector: createSecretDetector({ disabledRules: cfg.secrets.disabled_rules }), action: cfg.secrets.action, message: cfg.secrets.message, status: cfg.secrets.status });
  }
  if (cfg.pii?.enabled) {
    out.push({ detector: createPiiDetector({ kinds: cfg.pii.kinds, minConfidence: cfg.pii.min_confidence }), action: cfg.pii.action, message: cfg.pii.message, status: cfg.pii.status });
  }
  if (cfg.patterns.length) {
    const perRule = new Map(cfg.patterns.map((p) => [p.id, { action: p.action, message: p.message, status: p.status }]));
    const detector = createPatternDetector(cfg.patterns.map(({ id, regex, flags, confidence }) => ({ id, regex, flags, confidence })));
    out.push({ detector, action: 'redact', message: undefined, status: 403, perRule });
  }
  if (!cfg.decoding.enabled) return out;
  // One layer for all: a text is decoded once, whichever detectors then read the decodings.
  const layer = new DecodingLayer({ maxDepth: cfg.decoding.max_depth });
  return out.map((s) => ({ ...s, detector: layer.wrap(s.detector) }));
}
