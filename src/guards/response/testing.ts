/** Helpers for the response guard's tests. */
import { guardsSchema } from '../config.js';
import { ResponseGuardFactory, type TextRedactor } from './redactor.js';
import { SseResponseGuard, type SseResponseGuardOptions } from './stream-guard.js';
import type { GuardEvent } from './types.js';
import { encodeEvent, renderEvents, type MessageReply } from '../../../test/support/sse.js';

// Built from pieces so the repository itself carries no whole credential.
export const AWS_KEY = ['AKIA', 'Z7QRSTUVWXYZ2345'].join('');
export const GITHUB_TOKEN = ['ghp_', 'aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5'].join('');

let factory: ResponseGuardFactory | undefined;

/** The real secret and PII detectors, action redact, placeholder masks. */
export function realRedactor(): TextRedactor {
  factory ??= new ResponseGuardFactory(guardsSchema.parse({ secrets: {}, pii: {} }));
  return factory.forConsumer()!;
}

export function sseBytes(reply: MessageReply): Buffer {
  return Buffer.from(renderEvents(reply, 'claude-test').map(encodeEvent).join(''));
}

export interface GuardRun {
  out: Buffer;
  chunks: Buffer[];
  events: GuardEvent[];
}

/** Feeds `input` cut at the given offsets, then ends; collects everything written. */
export async function runGuard(input: Buffer, opts: Omit<SseResponseGuardOptions, 'onOutput' | 'onEvent'>, cuts: number[] = []): Promise<GuardRun> {
  const chunks: Buffer[] = [];
  const events: GuardEvent[] = [];
  const guard = new SseResponseGuard({ ...opts, onEvent: (e) => events.push(e), onOutput: (b) => chunks.push(b) });
  let from = 0;
  for (const cut of [...cuts, input.length]) {
    guard.push(input.subarray(from, cut));
    from = cut;
  }
  await guard.end();
  return { out: Buffer.concat(chunks), chunks, events };
}

