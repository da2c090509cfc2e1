import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSecretDetector } from '../secrets/index.js';
import { createPiiDetector } from '../pii/index.js';
import type { Detector } from '../types.js';
import { applyRedactions } from '../../redact/apply.js';
import { DecodingLayer, decodeOnce, withDecoding } from './index.js';
import { SliceClock, detectInWindows } from '../../scan-slices.js';

const TOKEN = 'ghp_Q7r8A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6';
const secrets = withDecoding(createSecretDetector());

/** Every shape: the finding's span, replaced, leaves no trace of the token in any decoding. */
const shapes: Array<[string, string]> = [
  ['plain', `token=${TOKEN}`],
  ['base64', Buffer.from(`GITHUB_TOKEN=${TOKEN}\n`).toString('base64')],
  ['base64url', Buffer.from(`GITHUB_TOKEN=${TOKEN}\n`).toString('base64url')],
  ['base64 wrapped with escaped breaks', Buffer.from(`A=1\nGITHUB_TOKEN=${TOKEN}\nB=2\n`).toString('base64').replace(/(.{20})/g, '$1\\n')],
  ['hex', Buffer.from(`GITHUB_TOKEN=${TOKEN}`).toString('hex')],
  ['percent', `a=1&t%3D${TOKEN}%26b%3D2`],
  ['double percent', `next=%2Fcb%3Ft%253D${TOKEN}%2526x`],
  ['escaped twice', JSON.stringify(JSON.stringify(JSON.stringify({ token: TOKEN })))],
  ['base64 of escaped json', Buffer.from(JSON.stringify(JSON.stringify({ token: TOKEN }))).toString('base64')],
  ['percent of base64', encodeURIComponent(Buffer.from(`GITHUB_TOKEN=${TOKEN}`).toString('base64'))],
  ['split +', `t = "${TOKEN.slice(0, 10)}" + "${TOKEN.slice(10, 25)}" + '${TOKEN.slice(25)}';`],
  ['shell continuation', `echo ${TOKEN.slice(0, 17)}\\\n${TOKEN.slice(17)}`],
];

function redact(text: string, d: Detector): string {
  const found = d.detect(text);
  return applyRedactions(text, found, 'placeholder');
}

function tokenSurvives(text: string): boolean {
  if (text.includes(TOKEN)) return true;
  for (const d of decodeOnce(text, 0.5)) if (tokenSurvives(d.text)) return true;
  return false;
}

test('a secret in every encoding is found and its encoded span redacted', () => {
  for (const [name, text] of shapes) {
    const found = secrets.detect(text);
    assert.ok(found.some((f) => f.rule === 'github-pat'), `${name}: not found`);
    for (const f of found) assert.ok(f.start >= 0 && f.end <= text.length && f.start < f.end, `${name}: span in range`);
    assert.equal(tokenSurvives(redact(text, secrets)), false, `${name}: the token survives redaction`);
  }
});

test('without decoding, the encoded shapes are not found', () => {
  const plain = createSecretDetector();
  for (const [name, text] of shapes.filter(([n]) => /base64|hex|percent of/.test(n))) assert.equal(plain.detect(text).length, 0, name);
});

test('depth is bounded: a secret under more layers than max_depth is not chased', () => {
  let text = `GITHUB_TOKEN=${TOKEN}`;
  for (let i = 0; i < 4; i++) text = Buffer.from(text).toString('base64');
  assert.equal(withDecoding(createSecretDetector(), { maxDepth: 3 }).detect(text).length, 0);
  assert.ok(withDecoding(createSecretDetector(), { maxDepth: 4 }).detect(text).length > 0);
});

test('binary base64 and hex (images, hashes) are not decoded', () => {
  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d]), Buffer.alloc(200, 0xfe)]).toString('base64');
  const sha = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
  assert.equal(decodeOnce(`data:image/png;base64,${png}`, 0.85).filter((d) => d.kind === 'base64').length, 0);
  assert.equal(decodeOnce(sha, 0.85).filter((d) => d.kind === 'hex').length, 0);
});

test('work is bounded by the budget: a text of nested encodings costs at most budgetFactor × its length', () => {
  // 2,000 base64 runs of text, each decoding to more base64: decoding stops when the budget is spent.
  const inner = Buffer.from(Buffer.from('hello world, nothing secret here').toString('base64')).toString('base64');
  const text = Array.from({ length: 2000 }, () => inner).join(' ');
  let scanned = 0;
  const counting: Detector = { id: 'count', maxMatchLength: 10, detect: (t) => ((scanned += t.length), []) };
  withDecoding(counting, { budgetFactor: 2 }).detect(text);
  assert.ok(scanned <= text.length * 3 + 4096, `scanned ${scanned} for ${text.length}`);
});

test('PII through the layer: a percent-encoded address is found, URL logins are not addresses', () => {
  const pii = withDecoding(createPiiDetector({}));
  assert.ok(pii.detect('mailto=alice%40example.com&x=1').some((f) => f.rule === 'email'));
  assert.equal(pii.detect('git clone git+ssh://git@github.com/org/repo.git').length, 0);
  assert.equal(pii.detect('postgres://app:hunter2@db.example.com:5432/x').length, 0);
});

test('one layer for several detectors decodes each text once and finds what separate layers find', async () => {
  const text = [
    Buffer.from(`GITHUB_TOKEN=${TOKEN}\nowner=alice@example.com\n`).toString('base64'),
    `mailto=bob%40example.com&t%3D${TOKEN}`,
    JSON.stringify(JSON.stringify({ token: TOKEN, mail: 'carol@example.com' })),
  ].join('\n');
  const layer = new DecodingLayer();
  const seen: string[] = [];
  const counter: Detector = { id: 'count', maxMatchLength: 10, detect: (t) => (seen.push(t), []) };
  const shared = [layer.wrap(createSecretDetector()), layer.wrap(createPiiDetector({})), layer.wrap(counter)];
  const separate = [withDecoding(createSecretDetector()), withDecoding(createPiiDetector({}))];
  const a = shared.map((d) => d.detect(text)).slice(0, 2);
  assert.equal(layer.decodedTexts, 1);
  assert.deepEqual(a, separate.map((d) => d.detect(text)));
  assert.ok(a[0]!.some((f) => f.rule === 'github-pat') && a[1]!.some((f) => f.rule === 'email'));
  // A long text scanned in windows: every detector reads a window before the next window is
  // cut, so each window is decoded once; findings come back detector by detector.
  const long = Array.from({ length: 400 }, (_, i) => `line ${i} ${text}`).join('\n');
  const before = layer.decodedTexts;
  seen.length = 0;
  const windowed: import('../types.js').Finding[] = [];
  await detectInWindows(shared, long, new SliceClock(), windowed);
  // The counter sees each window (a slice of the text), then each window's decodings.
  const windows = seen.filter((t) => t.length > 1024 && long.includes(t)).length;
  assert.ok(windows > 1, `${windows} windows`);
  assert.equal(layer.decodedTexts - before, windows, 'one decoding per window for the three detectors');
  const expected: import('../types.js').Finding[] = [];
  for (const d of separate) await detectInWindows(d, long, new SliceClock(), expected);
  assert.deepEqual(windowed.filter((f) => f.detector !== 'count'), expected);
});
