/**
 * Single-request probes: whether a peer answers a scenario at all (with undici, a real
 * client), and the SSE time to first byte — from writing the request to the first byte of
 * the event stream — with the lean raw client, plus the streamed bytes to compare.
 */
import { readFileSync } from 'node:fs';
import { Client } from 'undici';
import type { Peer } from './peers.js';
import type { Scenario } from './scenarios.js';
import { buildRequest, RawClient } from './raw-client.js';
import { percentile } from './stats.js';

export interface Answer {
  status: number;
  body: Buffer;
  firstByteMs: number;
  totalMs: number;
}

export class PeerClient {
  private client: Client;
  private path: string;

  constructor(readonly peer: Peer) {
    const u = new URL(peer.url);
    this.client = new Client(u.origin, { pipelining: 1, keepAliveTimeout: 60_000 });
    this.path = u.pathname + u.search;
  }

  async send(s: Scenario, body: Buffer): Promise<Answer> {
    const t0 = performance.now();
    const res = await this.client.request({ method: 'POST', path: this.path, headers: { ...s.headers, ...this.peer.headers }, body });
    let firstByteMs = -1;
    const parts: Buffer[] = [];
    for await (const chunk of res.body) {
      if (firstByteMs < 0) firstByteMs = performance.now() - t0;
      parts.push(chunk as Buffer);
    }
    return { status: res.statusCode, body: Buffer.concat(parts), firstByteMs, totalMs: performance.now() - t0 };
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

export interface Check {
  ok: boolean;
  reason?: string;
  /** The answer bytes, kept to compare with direct's. */
  body?: Buffer;
}

/** One request: is it a 200 with a whole answer (a JSON message, or a stream up to message_stop)? */
export async function checkScenario(peer: Peer, s: Scenario): Promise<Check> {
  const c = new PeerClient(peer);
  try {
    const a = await c.send(s, readFileSync(s.bodyFile));
    const text = a.body.toString();
    if (a.status !== 200) return { ok: false, reason: `HTTP ${a.status}: ${text.slice(0, 160)}` };
    if (s.stream && !text.includes('event: message_stop')) return { ok: false, reason: `stream without message_stop: ${text.slice(0, 160)}` };
    if (!s.stream && !text.includes('"type":"message"')) return { ok: false, reason: `not a message: ${text.slice(0, 160)}` };
    return { ok: true, body: a.body };
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  } finally {
    await c.close();
  }
}

export interface SseProbeResult {
  peer: string;
  samples: number;
  firstByteP50Ms: number;
  firstByteP90Ms: number;
  totalP50Ms: number;
  /** Every streamed body equal, byte for byte, to the reference (the direct stream). */
  identical: boolean;
}

/**
 * `rounds` sequential streamed requests per peer, each peer on one keep-alive connection of
 * the lean raw client, the peers taken in turn request by request so drift hits all alike.
 */
export async function probeSse(peers: Peer[], s: Scenario, reference: Buffer, rounds: number): Promise<SseProbeResult[]> {
  const body = readFileSync(s.bodyFile);
  const clients = peers.map((p) => {
    const url = new URL(p.url);
    return { client: new RawClient(Number(url.port)), request: buildRequest(url, { ...s.headers, ...p.headers }, body) };
  });
  const first = peers.map(() => [] as number[]);
  const total = peers.map(() => [] as number[]);
  const identical = peers.map(() => true);
  try {
    for (let w = 0; w < 20; w++) for (const c of clients) await c.client.send(c.request);
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < clients.length; i++) {
        const a = await clients[i]!.client.send(clients[i]!.request);
        first[i]!.push(a.firstByteMs);
        total[i]!.push(a.totalMs);
        if (a.status !== 200 || !a.body.equals(reference)) identical[i] = false;
      }
    }
  } finally {
    for (const c of clients) c.client.close();
  }
  return peers.map((p, i) => ({
    peer: p.name,
    samples: rounds,
    firstByteP50Ms: percentile(first[i]!, 50),
    firstByteP90Ms: percentile(first[i]!, 90),
    totalP50Ms: percentile(total[i]!, 50),
    identical: identical[i]!,
  }));
}
