/**
 * Throughput of the secret detector (and, when present, secret + PII together) over typical
 * source text: ~20 MB of .d.ts/.js/.ts from node_modules (typescript, undici, zod, hono,
 * @anthropic-ai/sdk) with a handful of real-looking secrets sprinkled in.
 * Target: ≥ 200 MB/s for secrets + PII. Run: npx tsx bench/scan-secrets.ts [--runs N]
 * MB = 1e6 UTF-16 code units (the corpus is ~99.5% ASCII, so ≈ bytes).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Detector } from '../src/guards/detectors/types.js';
import { createSecretDetector } from '../src/guards/detectors/secrets/index.js';
import { DecodingLayer, withDecoding } from '../src/guards/detectors/decode/index.js';
import { hostileText } from '../src/guards/detectors/secrets/test-support.js';
import { anthropicOAuthToken, databaseUrl, jwt, pemPrivateKey, wardenKey } from '../src/guards/detectors/secrets/generators.js';

const TARGET_CHARS = 20_000_000;
const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 15;

function sourceFiles(dir: string, keep: (name: string) => boolean, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) sourceFiles(p, keep, out);
    else if (keep(e.name)) out.push(p);
  }
  return out;
}

function corpus(): { text: string; planted: string[] } {
  const nm = join(repo, 'node_modules');
  const code = (n: string) => /\.(?:ts|js|mjs|cjs)$/.test(n);
  const files = [
    ...sourceFiles(join(nm, 'typescript/lib'), (n) => n.endsWith('.d.ts')),
    ...sourceFiles(join(nm, 'undici'), code),
    ...sourceFiles(join(nm, 'zod'), code),
    join(nm, 'typescript/lib/typescript.js'),
    ...sourceFiles(join(nm, 'hono'), code),
    ...sourceFiles(join(nm, '@anthropic-ai/sdk'), code),
  ];
  // [rule that must find it, line]
  const secrets: [string, string][] = [
    ['anthropic-oauth-token', `const ANTHROPIC_TOKEN = "${anthropicOAuthToken()}";`],
    ['warden-virtual-key', `WARDEN_KEY=${wardenKey()}`],
    ['jwt', `headers: { authorization: "Bearer ${jwt()}" },`],
    ['database-url-password', `DATABASE_URL=${databaseUrl('postgres').url}`],
    ['github-pat', `GITHUB_TOKEN=ghp_${'aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5'}`],
    ['aws-access-token', `aws_access_key_id = AKIA${'QZ7X2MLK6WDY3T5R'}`],
    ['slack-bot-token', `slack: "xoxb-1234567890123-1234567890123-${'AbCdEfGhIjKlMnOpQrStUvWx'}"`],
    ['private-key', pemPrivateKey('ec-sec1')],
  ];
  const parts: string[] = [];
  let size = 0;
  for (const f of files) {
    if (size >= TARGET_CHARS) break;
    const text = readFileSync(f, 'utf8');
    parts.push(text);
    size += text.length;
  }
  const every = Math.floor(parts.length / secrets.length);
  secrets.forEach(([, s], i) => parts.splice((i + 1) * every, 0, s));
  // Strings reach the guard from JSON.parse: flat, sequential. Round-trip to get the same.
  return { text: JSON.parse(JSON.stringify(parts.join('\n'))) as string, planted: secrets.map(([rule]) => rule) };
}

interface Result { name: string; wallMs: number; cpuMs: number; bestMs: number; findings: number }

function measure(name: string, detectors: Detector[], texts: string[]): Result {
  const wall: number[] = [];
  const cpu: number[] = [];
  let findings = 0;
  for (let i = 0; i < RUNS + 2; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    findings = 0;
    for (const text of texts) for (const d of detectors) findings += d.detect(text).length;
    const w = performance.now() - t0;
    const c = process.cpuUsage(c0);
    if (i < 2) continue; // warm-up: JIT and lazy regex compilation
    wall.push(w);
    cpu.push((c.user + c.system) / 1000);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  return { name, wallMs: median(wall), cpuMs: median(cpu), bestMs: Math.min(...wall), findings };
}

function chunk(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(JSON.parse(JSON.stringify(text.slice(i, i + size))) as string);
  return out;
}

async function piiDetector(): Promise<Detector | null> {
  const path = join(repo, 'src/guards/detectors/pii/index.ts');
  if (!existsSync(path)) return null;
  const mod = (await import('../src/guards/detectors/pii/index.js')) as { createPiiDetector?: () => Detector };
  return mod.createPiiDetector ? mod.createPiiDetector() : null;
}

const { text, planted } = corpus();
const mb = text.length / 1e6;
const secrets = createSecretDetector();
const pii = await piiDetector();
const chunks = chunk(text, 64 * 1024);
const decoded = withDecoding(secrets);
// As the guards build them (src/guards/detector-set.ts): one layer, each text decoded once for both.
const layer = new DecodingLayer();
const decodedPair = pii ? [layer.wrap(secrets), layer.wrap(pii)] : null;
const results = [
  measure('secrets, one 20 MB text', [secrets], [text]),
  measure('secrets, 64 KB blocks', [secrets], chunks),
  measure('secrets + decoding, one text', [decoded], [text]),
  measure('secrets + decoding, 64 KB', [decoded], chunks),
  ...(decodedPair ? [measure('secrets + pii + decoding, one text', decodedPair, [text]), measure('secrets + pii + decoding, 64 KB', decodedPair, chunks)] : []),
  ...(pii
    ? [measure('pii, one 20 MB text', [pii], [text]), measure('secrets + pii, one 20 MB text', [secrets, pii], [text]), measure('secrets + pii, 64 KB blocks', [secrets, pii], chunks)]
    : []),
];
const rate = (ms: number) => (mb / (ms / 1000)).toFixed(0).padStart(4);
const foundRules = new Set(secrets.detect(text).map((f) => f.rule));
const missed = planted.filter((rule) => !foundRules.has(rule));
console.log(`corpus: ${mb.toFixed(1)} MB; planted secrets found: ${planted.length - missed.length}/${planted.length}${missed.length ? ` (missed: ${missed.join(', ')})` : ''}`);
console.log(`${RUNS} runs after 2 warm-up runs; node ${process.version}; wall = elapsed, CPU = this process's user+system time`);
if (!pii) console.log('PII detector not found (src/guards/detectors/pii/index.ts): secrets measured alone');
for (const r of results) {
  console.log(
    `${r.name.padEnd(32)} wall median ${rate(r.wallMs)} MB/s (${r.wallMs.toFixed(1)} ms, best ${rate(r.bestMs)} MB/s)  ` +
      `CPU median ${rate(r.cpuMs)} MB/s  findings ${r.findings}`,
  );
}

// Linear on dense text: the same hostile mix (tokens, encodings, look-alikes) at 1, 2 and 4 MB
// should cost 1×, 2×, 4×.
const dense = (n: number) => JSON.parse(JSON.stringify(hostileText(n))) as string;
const sizes = [1e6, 2e6, 4e6];
const denseRows = sizes.map((n) => {
  const t = dense(n);
  const r = measure(`dense ${n / 1e6} MB`, [decoded], [t]);
  return `${r.name}: ${(r.cpuMs).toFixed(0)} ms CPU (${(t.length / 1e6 / (r.cpuMs / 1000)).toFixed(0)} MB/s)`;
});
console.log(`secrets + decoding on dense hostile text: ${denseRows.join('; ')}`);
