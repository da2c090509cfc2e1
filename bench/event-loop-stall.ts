/**
 * How long a huge hostile request holds Warden's event loop while the request guard scans it.
 * An in-process Warden (body limit raised to 40 MiB) with secrets + PII on, a local upstream
 * that drains the body, and a timer probe (a 1 ms setTimeout chain) plus
 * perf_hooks.monitorEventLoopDelay in the same process (the client is curl, another process): every gap between probe ticks is a
 * stall. A gap whose both ends fall inside the guard's scan is the guard's own; the rest
 * (JSON.parse of the body, re-serialising it after a redaction) is reported apart.
 *
 *   npm run build --silent
 *   node dist/bench/event-loop-stall.js [--mib 32] [--shape one-text|many-texts|tiny-texts] [--action log|redact]
 *   node dist/bench/event-loop-stall.js --worker [--mib 32]   # the alternative: scanning in a worker thread
 *
 * Results go to docs/benchmarks.md ("Event-loop stall") by hand.
 */
import http from 'node:http';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { startWarden } from '../src/app.js';
import { validateConfig } from '../src/config/load.js';
import { hostileText } from '../src/guards/detectors/secrets/test-support.js';
import { createKey } from '../src/identity/admin.js';
import { createLogger } from '../src/telemetry/log.js';

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : dflt;
};
const MIB = Number(arg('mib', '32'));
const SHAPE = arg('shape', 'one-text');
const ACTION = arg('action', 'log') as 'log' | 'redact';

/** A Messages body of about `mib` MiB whose texts are dense with token-shaped strings. */
function hostileBody(mib: number, shape: string, salt: string): string {
  const chars = mib * 1024 * 1024 - 512;
  let content: unknown;
  if (shape === 'one-text') content = [{ type: 'tool_result', tool_use_id: 't', content: salt + hostileText(chars) }];
  else if (shape === 'many-texts') {
    const text = hostileText(chars);
    const blocks = [];
    for (let i = 0; i < text.length; i += 4096) blocks.push({ type: 'text', text: salt + text.slice(i, i + 4096) });
    content = [{ type: 'tool_result', tool_use_id: 't', content: blocks }];
  } else {
    // Millions of short distinct strings: the per-text cost, not the per-character one.
    const input: Record<string, number> = {};
    for (let i = 0; i * 32 < chars; i++) input[`${salt}k${i.toString(36)}`] = i;
    content = [{ type: 'text', text: 'see input' }];
    return JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 8, messages: [{ role: 'user', content: 'go' }, { role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'X', input }] }, { role: 'user', content }] });
  }
  return JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 8, messages: [{ role: 'user', content }] });
}

interface Probe { stop(): { maxGap: number; maxScanGap: number; maxScanCpu: number; maxOtherGap: number; maxOtherCpu: number; gaps: number; eldMax: number } }

/** A 1 ms timer chain; `scanning()` says whether the guard's scan is under way. */
function startProbe(scanning: () => boolean): Probe {
  const eld = monitorEventLoopDelay({ resolution: 1 });
  eld.enable();
  let last = performance.now();
  let lastScanning = scanning();
  let maxGap = 0;
  let maxScanGap = 0;
  let maxOtherGap = 0;
  let maxScanCpu = 0;
  let maxOtherCpu = 0;
  let lastCpu = process.cpuUsage();
  let gaps = 0;
  let timer: NodeJS.Timeout;
  const tick = () => {
    const now = performance.now();
    const gap = now - last;
    const inScan = scanning();
    const cpu = process.cpuUsage();
    // CPU time of the process over the gap: on a loaded machine the wall gap also counts
    // the time the OS ran other work, this does not.
    const cpuMs = (cpu.user - lastCpu.user + cpu.system - lastCpu.system) / 1000;
    lastCpu = cpu;
    if (inScan && lastScanning) maxScanCpu = Math.max(maxScanCpu, cpuMs);
    else maxOtherCpu = Math.max(maxOtherCpu, cpuMs);
    if (gap > 5) gaps++;
    maxGap = Math.max(maxGap, gap);
    if (inScan && lastScanning) maxScanGap = Math.max(maxScanGap, gap);
    else maxOtherGap = Math.max(maxOtherGap, gap);
    last = now;
    lastScanning = inScan;
    timer = setTimeout(tick, 1);
  };
  timer = setTimeout(tick, 1);
  return {
    stop() {
      clearTimeout(timer);
      eld.disable();
      return { maxGap, maxScanGap, maxScanCpu, maxOtherGap, maxOtherCpu, gaps, eldMax: eld.max / 1e6 };
    },
  };
}

async function throughWarden(): Promise<void> {
  const upstream = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(req.url?.includes('count_tokens') ? '{"input_tokens":1}' : '{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[{"type":"text","text":"ok"}],"stop_reason":"end_turn","usage":{"input_tokens":1,"output_tokens":1}}'));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const dir = mkdtempSync(join(tmpdir(), 'warden-stall-'));
  const config = validateConfig({
    bootstrap_key: false,
    server: { port: 0, body_limit_bytes: (MIB + 8) * 1024 * 1024, body_timeout_ms: 600_000 },
    admin: { port: 0 },
    store: { driver: 'sqlite', path: join(dir, 'warden.db') },
    audit: { dir: join(dir, 'audit') },
    logging: { level: 'silent' },
    providers: { anthropic: { type: 'anthropic', base_url: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`, api_key: 'sk-bench', timeout_ms: 600_000 } },
    models: [{ match: 'claude-*', provider: 'anthropic' }],
    guards: { secrets: { action: ACTION }, pii: { action: ACTION }, responses: { enabled: false } },
  });
  const warden = await startWarden({ config, log: createLogger('silent') });
  try {
    warden.gateway.store.upsertConsumer({ name: 'bench', groups: [], labels: {}, models: [] });
    const { key } = createKey(warden.gateway.store, { consumer: 'bench', models: [], expiresAt: null });
    const guard = () => warden.gateway.current().requestGuard;
    // The client is another process (curl), so encoding and sending 32 MiB is not counted as a
    // stall of Warden's loop; it starts a second after the spawn, whose own cost is not either.
    const send = (body: string): Promise<{ status: number; text: string }> => {
      const file = join(dir, 'body.json');
      writeFileSync(file, body);
      // Expect: 100-continue (curl's default above 1 MiB) is forwarded upstream by Warden and breaks the answer.
      const curl = `sleep 1; exec curl -s -o - -w '\\n%{http_code}' -H 'content-type: application/json' -H 'Expect:' -H 'x-api-key: ${key}' --data-binary @${file} ${warden.url}/v1/messages`;
      return new Promise((resolve, reject) =>
        execFile('sh', ['-c', curl], { maxBuffer: 1 << 20 }, (e, out) => {
          if (e) return reject(e);
          const nl = out.lastIndexOf('\n');
          resolve({ status: Number(out.slice(nl + 1)), text: out.slice(0, nl) });
        }),
      );
    };
    // Warm-up: compiles the rules' regexes and lets the JIT see the detectors.
    await send(hostileBody(1, 'one-text', 'warm'));
    const body = hostileBody(MIB, SHAPE, `run${Date.now()}`);
    const t0 = performance.now();
    JSON.parse(body);
    const parseMs = performance.now() - t0;
    const yieldsBefore = guard().yields;
    const scannedBefore = guard().scanned;
    const sent = send(body);
    const probe = startProbe(() => guard().inProgress > 0);
    const t1 = performance.now();
    const r = await sent;
    const totalMs = performance.now() - t1 - 1000;
    const p = probe.stop();
    if (r.status !== 200) throw new Error(`Warden answered ${r.status}: ${r.text.slice(0, 300)}`);
    const scannedMib = (guard().scanned - scannedBefore) / 1024 / 1024;
    console.log(JSON.stringify({
      shape: SHAPE, action: ACTION, body_mib: +(Buffer.byteLength(body) / 1024 / 1024).toFixed(1), scanned_mchars: +scannedMib.toFixed(1),
      request_ms: Math.round(totalMs), worst_stall_ms: +p.maxGap.toFixed(1), worst_stall_in_scan_ms: +p.maxScanGap.toFixed(1), worst_stall_in_scan_cpu_ms: +p.maxScanCpu.toFixed(1),
      worst_stall_outside_scan_ms: +p.maxOtherGap.toFixed(1), worst_stall_outside_scan_cpu_ms: +p.maxOtherCpu.toFixed(1), json_parse_alone_ms: Math.round(parseMs), eld_max_ms: +p.eldMax.toFixed(1),
      stalls_over_5ms: p.gaps, yields: guard().yields - yieldsBefore, load: (await import('node:os')).loadavg().map((l) => +l.toFixed(1)),
    }));
  } finally {
    await warden.close();
    upstream.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The alternative measured for comparison: the same detectors in a worker thread. The main
 * loop only pays for handing the text over (a copy); the scan runs on another core.
 */
async function inWorker(): Promise<void> {
  // Compiled (dist/): a worker does not inherit tsx's loader.
  const worker = new Worker(new URL('./lib/scan-worker.js', import.meta.url));
  const next = () => new Promise<unknown>((r) => worker.once('message', r));
  await next();
  worker.postMessage(hostileText(1024 * 1024));
  await next();
  const text = `w${Date.now()}` + hostileText(MIB * 1024 * 1024);
  const probe = startProbe(() => true);
  const t0 = performance.now();
  worker.postMessage(text);
  const handOverMs = performance.now() - t0;
  const findings = await next();
  const totalMs = performance.now() - t0;
  const p = probe.stop();
  await worker.terminate();
  console.log(JSON.stringify({ mode: 'worker', text_mchars: +(text.length / 1024 / 1024).toFixed(1), findings, scan_ms: Math.round(totalMs), hand_over_ms: +handOverMs.toFixed(1), worst_stall_ms: +p.maxGap.toFixed(1), eld_max_ms: +p.eldMax.toFixed(1), load: (await import('node:os')).loadavg().map((l) => +l.toFixed(1)) }));
}

await (process.argv.includes('--worker') ? inWorker() : throughWarden());
