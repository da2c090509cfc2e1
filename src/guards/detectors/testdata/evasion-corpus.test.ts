import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateConfig } from '../../../config/load.js';
import { buildDetectorSources } from '../../detector-set.js';
import { RequestGuard } from '../../request-guard.js';
import { evasionCorpus } from './evasion-corpus.js';

// Targets of the decoding layer (docs/guards-secrets.md#decoding): recall ≥ 0.98 on secrets in
// the shapes agents carry them, false positives ≤ 1 % on look-alikes at least 3× as many.
const corpus = evasionCorpus();
// Secrets only: the look-alikes carry ordinary e-mail addresses, which PII would rightly report.
const guards = validateConfig({ guards: { secrets: { action: 'redact' }, pii: { enabled: false } } }).guards;

function score(found: (text: string) => boolean): { recall: number; fp: number; missed: string[]; flagged: string[] } {
  const secrets = corpus.filter((s) => s.secret);
  const looks = corpus.filter((s) => !s.secret);
  const missed = secrets.filter((s) => !found(s.text)).map((s) => s.shape);
  const flagged = looks.filter((s) => found(s.text)).map((s) => s.shape);
  return { recall: 1 - missed.length / secrets.length, fp: flagged.length / looks.length, missed, flagged };
}

test('the corpus has every shape and three look-alikes per secret', () => {
  const secrets = corpus.filter((s) => s.secret).length;
  assert.ok(secrets >= 200, `${secrets} secrets`);
  assert.ok(corpus.length - secrets >= 3 * secrets * 0.95, `look-alikes ${corpus.length - secrets} for ${secrets} secrets`);
  assert.deepEqual(evasionCorpus(), corpus, 'deterministic');
});

test('secret detector with decoding: recall ≥ 0.98, false positives ≤ 1 %', () => {
  const detectors = buildDetectorSources(guards).map((s) => s.detector);
  const r = score((text) => detectors.some((d) => d.detect(text).length > 0));
  assert.ok(r.recall >= 0.98, `recall ${r.recall.toFixed(3)}; missed: ${[...new Set(r.missed)].join(', ')}`);
  assert.ok(r.fp <= 0.01, `false positives ${(r.fp * 100).toFixed(2)} %: ${[...new Set(r.flagged)].join(', ')}`);
});

test('without the decoding layer the encoded shapes are missed (the layer is what finds them)', () => {
  const plain = buildDetectorSources({ ...guards, decoding: { ...guards.decoding, enabled: false } }).map((s) => s.detector);
  const encoded = corpus.filter((s) => s.secret && /^(base64|hex)/.test(s.shape));
  assert.ok(encoded.length >= 36);
  for (const s of encoded) assert.equal(plain.some((d) => d.detect(s.text).length > 0), false, s.shape);
});

test('request guard: every secret shape is redacted before forwarding, look-alikes pass untouched', async () => {
  const guard = new RequestGuard(guards);
  const changed = new Map<string, boolean>();
  for (const s of corpus) {
    const body = { model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: [{ type: 'text', text: s.text }] }] };
    changed.set(s.text, (await guard.inspect(body, 'dev')).changed);
  }
  const r = score((text) => changed.get(text) === true);
  assert.ok(r.recall >= 0.98, `recall ${r.recall.toFixed(3)}; missed: ${[...new Set(r.missed)].join(', ')}`);
  assert.ok(r.fp <= 0.01, `false positives ${(r.fp * 100).toFixed(2)} %: ${[...new Set(r.flagged)].join(', ')}`);
});
