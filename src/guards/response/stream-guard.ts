import type { RedactorHit, TextRedactor } from './redactor.js';
import { type SseFrame, SseParser } from './sse-parser.js';
import { OrderedOutput, type Slot } from './ordered-output.js';
import { encodeEvent, textBlock, toolUseBlock } from './block-events.js';
import { TextHoldback } from './text-holdback.js';
import { REASON_UNMASKABLE, redactToolInput } from './tool-input.js';
import { REASON_MALFORMED, REASON_TOO_LARGE, denialText, isPlainObject, runJudge, toolInput } from './tool-judge.js';
import { DEFAULT_MAX_TOOL_BYTES, type GuardEvent, type ToolJudge, type ToolVerdict } from './types.js';

export interface SseResponseGuardOptions {
  /** Scans text_delta text; null or absent: text passes untouched. */
  redactor?: TextRedactor | null;
  /** Judges each complete tool_use block; absent: tool_use blocks pass untouched. */
  judgeTool?: ToolJudge;
  /** Template of a refused block's text ({tool}, {reason}): guards.tool_use.message. */
  toolMessage?: string;
  /** Bytes of one tool_use block held at most; beyond, it is refused. 1 MiB by default. */
  maxToolBytes?: number;
  onEvent?: (e: GuardEvent) => void;
  onOutput?: (buf: Buffer) => void;
}

interface TextBlock {
  kind: 'text';
  holdback: TextHoldback;
}

interface ToolBlock {
  kind: 'tool';
  index: number;
  id: string;
  name: string;
  startInput: unknown;
  /** Its events in order, and (own: false) pings and such that came meanwhile. */
  held: { raw: Buffer; own: boolean }[];
  json: string[];
  bytes: number;
  problem?: typeof REASON_MALFORMED | typeof REASON_TOO_LARGE;
  slot: Slot;
  /** The input with secrets masked, when any were: released instead of the held deltas. */
  masked?: Record<string, unknown>;
}

type Data = Record<string, unknown>;
// Events are small; anything past this (a tool block is capped far lower) is not an answer we can hold.
const MAX_EVENT_BYTES = 8 << 20;

/**
 * The response guard of a streamed Messages answer, over its raw SSE bytes. Events it does
 * not change leave as the very bytes that came in, in upstream order. Text deltas are
 * scanned through a per-block hold-back (text-holdback.ts) and re-issued; each tool_use
 * block is held whole until its content_block_stop, its input scanned (a secret leaves
 * masked) and judged, then released or replaced by a text block at the same index;
 * message_delta's stop_reason follows what was refused.
 *
 * Pings keep their place too, so while a call is held the client hears nothing: a door that
 * fears a long tool input may write SSE comments (`:\n\n`) between output chunks while
 * `holding` is true (every chunk is whole events).
 */
export class SseResponseGuard {
  onOutput: ((buf: Buffer) => void) | undefined;

  private readonly parser: SseParser;
  private readonly redactor: TextRedactor | null;
  private readonly maxToolBytes: number;
  private readonly blocks = new Map<number, TextBlock | ToolBlock>();
  /** Tool blocks refused or dropped before their own stop: their late events are swallowed. */
  private readonly closed = new Set<number>();
  private openTool: ToolBlock | null = null;
  /** Scanning context the last text block left, so a secret split across blocks is still seen. */
  private carry = '';
  private readonly out = new OrderedOutput((bytes) => {
    if (!this.onOutput) throw new Error('SseResponseGuard: onOutput is not set');
    this.onOutput(bytes);
  });
  private allowed = 0;
  private refused = 0;
  private chain: Promise<void> = Promise.resolve();
  private busy = 0;
  private failure: unknown;
  private ended = false;

  constructor(private readonly opts: SseResponseGuardOptions) {
    this.redactor = opts.redactor ?? null;
    this.maxToolBytes = opts.maxToolBytes ?? DEFAULT_MAX_TOOL_BYTES;
    this.onOutput = opts.onOutput;
    this.parser = new SseParser(
      (f) => this.onFrame(f),
      (bytes) => this.onOversized(bytes),
      Math.max(MAX_EVENT_BYTES, this.maxToolBytes + 1024),
    );
  }

  /** true while output waits on a held tool call or its judge. */
  get holding(): boolean {
    return this.out.holding;
  }

  /** Upstream bytes, split anywhere. */
  push(chunk: Buffer): void {
    if (this.ended) throw new Error('SseResponseGuard: push after end');
    this.parser.push(chunk);
  }

  /**
   * Upstream finished (or broke off): the rest goes out, scanned; a tool call still open is
   * dropped, never released. Resolves once every judge answered and all output is written.
   */
  async end(): Promise<void> {
    if (!this.ended) {
      this.ended = true;
      this.parser.end();
      this.flushTexts();
      if (this.openTool) this.dropOpenTool('the answer ended inside the tool call');
    }
    return this.drained();
  }

  /** Resolves when no judge is pending; rejects if writing output failed meanwhile. */
  async drained(): Promise<void> {
    while (this.busy > 0) await this.chain;
    if (this.failure !== undefined) throw this.failure;
  }

  private onFrame(f: SseFrame): void {
    const data = f.hasData ? parseData(f.data) : undefined;
    if (!data) {
      // A tool call is decided on its complete input; an event we cannot read may be part of it.
      if (this.openTool && f.hasData) {
        this.openTool.problem ??= REASON_MALFORMED;
        this.hold(this.openTool, f.raw);
      } else if (this.openTool) {
        this.holdBeside(this.openTool, f.raw);
      } else {
        this.out.push(f.raw);
      }
      return;
    }
    const type = typeof data.type === 'string' ? data.type : f.event;
    switch (type) {
      case 'content_block_start':
        return this.onBlockStart(data, f.raw);
      case 'content_block_delta':
        return this.onDelta(data, f.raw);
      case 'content_block_stop':
        return this.onStop(data, f.raw);
      case 'message_delta':
        this.closeBlocks();
        this.out.pushRendered(() => this.messageDelta(data, f.raw));
        return;
      case 'message_stop':
        this.closeBlocks();
        this.out.push(f.raw);
        return;
      case 'error':
        this.flushTexts();
        if (this.openTool) this.dropOpenTool('the answer failed inside the tool call');
        this.out.push(f.raw);
        return;
      default:
        // Pings and unknown events keep their place, inside a held tool call too.
        if (this.openTool) this.holdBeside(this.openTool, f.raw);
        else this.out.push(f.raw);
    }
  }

  private onBlockStart(data: Data, raw: Buffer): void {
    const index = indexOf(data);
    this.closeBlocks();
    this.closed.delete(index);
    const block = isPlainObject(data.content_block) ? data.content_block : {};
    // Held whole when judged or scanned: a secret in the input leaves only masked.
    if ((this.opts.judgeTool || this.redactor) && block.type === 'tool_use') {
      const tool: ToolBlock = {
        kind: 'tool', index, id: typeof block.id === 'string' ? block.id : '', name: typeof block.name === 'string' ? block.name : '',
        startInput: block.input, held: [], json: [], bytes: 0, slot: this.out.gate(),
      };
      if (!tool.id || !tool.name) tool.problem = REASON_MALFORMED;
      this.blocks.set(index, tool);
      this.openTool = tool;
      this.hold(tool, raw);
      return;
    }
    if (this.redactor && block.type === 'text') {
      const text = this.textBlock(index, this.redactor);
      if (typeof block.text === 'string' && block.text !== '') {
        // Text in the start event itself goes through the window like any delta.
        this.out.push(encodeEvent('content_block_start', { ...data, content_block: { ...block, text: '' } }));
        this.emitText(index, text.holdback.push(block.text));
        return;
      }
    }
    this.out.push(raw);
  }

  private onDelta(data: Data, raw: Buffer): void {
    const index = indexOf(data);
    if (this.closed.has(index)) return;
    const delta = isPlainObject(data.delta) ? data.delta : {};
    const block = this.blocks.get(index);
    if (block?.kind === 'tool') {
      if (delta.type === 'input_json_delta' && typeof delta.partial_json === 'string') block.json.push(delta.partial_json);
      else block.problem ??= REASON_MALFORMED;
      this.hold(block, raw);
      return;
    }
    if (this.openTool) this.refuseOpenTool();
    if (this.redactor && delta.type === 'text_delta') {
      // Text that is not a string cannot be scanned, and no client could show it.
      if (typeof delta.text !== 'string') return;
      // A delta without its block start is scanned all the same.
      const text = block ?? this.textBlock(index, this.redactor);
      this.emitText(index, text.holdback.push(delta.text));
      return;
    }
    this.out.push(raw);
  }

  private onStop(data: Data, raw: Buffer): void {
    const index = indexOf(data);
    if (this.closed.delete(index)) return;
    const block = this.blocks.get(index);
    if (block?.kind === 'tool') {
      this.hold(block, raw);
      this.blocks.delete(index);
      this.openTool = null;
      this.decide(block);
      return;
    }
    if (this.openTool) this.refuseOpenTool();
    if (block) {
      this.blocks.delete(index);
      this.flushText(index, block);
    }
    this.out.push(raw);
  }

  private textBlock(index: number, redactor: TextRedactor): TextBlock {
    const report = (hit: RedactorHit) => this.report({ type: 'finding', id: hit.id, action: hit.redact ? 'redact' : 'log', index });
    const block: TextBlock = { kind: 'text', holdback: new TextHoldback(redactor, report, this.carry) };
    this.blocks.set(index, block);
    return block;
  }

  /** Another block or the message's end arrived: open blocks are over (blocks never interleave). */
  private closeBlocks(): void {
    if (this.openTool) this.refuseOpenTool();
    this.flushTexts();
  }

  private flushTexts(): void {
    for (const [index, block] of this.blocks) {
      if (block.kind !== 'text') continue;
      this.blocks.delete(index);
      this.flushText(index, block);
    }
  }

  private flushText(index: number, block: TextBlock): void {
    this.emitText(index, block.holdback.flush());
    this.carry = block.holdback.carry;
  }

  private hold(tool: ToolBlock, raw: Buffer): void {
    if (tool.problem !== REASON_TOO_LARGE) tool.held.push({ raw, own: true });
    this.count(tool, raw.length);
  }

  /** An event that is not the call's but arrived inside it: out with it whatever the verdict. */
  private holdBeside(tool: ToolBlock, raw: Buffer): void {
    if (tool.problem === REASON_TOO_LARGE) return this.out.push(raw);
    tool.held.push({ raw, own: false });
    this.count(tool, raw.length);
  }

  private count(tool: ToolBlock, bytes: number): void {
    tool.bytes += bytes;
    if (tool.bytes > this.maxToolBytes && tool.problem !== REASON_TOO_LARGE) {
      tool.problem = REASON_TOO_LARGE;
      tool.held = [];
      tool.json = [];
    }
  }

  private decide(tool: ToolBlock): void {
    if (tool.problem) return this.settle(tool, { allow: false, reason: tool.problem });
    let input = toolInput(tool.startInput, tool.json.join(''));
    if (!input) return this.settle(tool, { allow: false, reason: REASON_MALFORMED });
    if (this.redactor) {
      // The judge decides on the input as it will leave: masked.
      const r = redactToolInput(input, this.redactor);
      for (const hit of r.hits) this.report({ type: 'finding', id: hit.id, action: hit.redact ? 'redact' : 'log', index: tool.index });
      if (!r.input) return this.settle(tool, { allow: false, reason: REASON_UNMASKABLE });
      if (r.changed) tool.masked = input = r.input;
    }
    const call = { id: tool.id, name: tool.name, input, index: tool.index };
    const judge = this.opts.judgeTool;
    if (!judge) return this.settle(tool, { allow: true });
    // Judges run one at a time, in block order; a synchronous answer settles at once.
    if (this.busy === 0) {
      const verdict = runJudge(judge, call);
      if (!(verdict instanceof Promise)) return this.settle(tool, verdict);
      this.track(verdict.then((v) => this.settle(tool, v)));
      return;
    }
    this.track(this.chain.then(() => runJudge(judge, call)).then((v) => this.settle(tool, v)));
  }

  private track(work: Promise<void>): void {
    this.busy++;
    this.chain = work
      .catch((err: unknown) => {
        this.failure ??= err;
      })
      .finally(() => {
        this.busy--;
      });
  }

  private settle(tool: ToolBlock, verdict: ToolVerdict): void {
    if (verdict.allow) {
      this.allowed++;
      this.report({ type: 'tool', decision: 'allow', id: tool.id, name: tool.name, index: tool.index, rule: verdict.rule });
      const bytes = tool.masked ? [toolUseBlock(tool.index, tool.id, tool.name, tool.masked), ...besides(tool)] : tool.held.map((h) => h.raw);
      this.out.resolve(tool.slot, Buffer.concat(bytes));
    } else {
      this.refused++;
      this.report({ type: 'tool', decision: 'deny', id: tool.id, name: tool.name, index: tool.index, reason: verdict.reason, rule: verdict.rule });
      const text = denialText(this.opts.toolMessage, tool.name || 'tool_use', verdict);
      this.out.resolve(tool.slot, Buffer.concat([textBlock(tool.index, text), ...besides(tool)]));
    }
    tool.held = [];
    tool.json = [];
  }

  /** The open tool call cannot be complete: refused without asking the judge. */
  private refuseOpenTool(): void {
    const tool = this.openTool!;
    this.openTool = null;
    this.blocks.delete(tool.index);
    this.closed.add(tool.index);
    this.settle(tool, { allow: false, reason: REASON_MALFORMED });
  }

  /** The stream broke off inside a tool call: nothing of it goes out. */
  private dropOpenTool(reason: string): void {
    const tool = this.openTool!;
    this.openTool = null;
    this.blocks.delete(tool.index);
    this.closed.add(tool.index);
    this.refused++;
    this.report({ type: 'tool', decision: 'drop', id: tool.id, name: tool.name, index: tool.index, reason });
    const rest = Buffer.concat(besides(tool));
    tool.held = [];
    this.out.resolve(tool.slot, rest);
  }

  /** Rendered when it reaches the head of the output, so every tool call before it is decided. */
  private messageDelta(data: Data, raw: Buffer): Buffer {
    const delta = isPlainObject(data.delta) ? data.delta : undefined;
    if (delta?.stop_reason !== 'tool_use' || this.refused === 0 || this.allowed > 0) return raw;
    this.report({ type: 'stop_reason', from: 'tool_use', to: 'end_turn' });
    return encodeEvent('message_delta', { ...data, delta: { ...delta, stop_reason: 'end_turn' } });
  }

  private onOversized(bytes: number): void {
    this.report({ type: 'oversized_event', bytes });
    if (this.openTool) {
      this.openTool.problem = REASON_TOO_LARGE;
      this.openTool.held = [];
      this.openTool.json = [];
    }
  }

  private emitText(index: number, text: string): void {
    if (text === '') return;
    this.out.push(encodeEvent('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text } }));
  }

  private readonly report = (e: GuardEvent): void => this.opts.onEvent?.(e);
}

function besides(tool: ToolBlock): Buffer[] {
  return tool.held.filter((h) => !h.own).map((h) => h.raw);
}

function parseData(text: string): Data | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return isPlainObject(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Block index; a missing one still keys the block's events together. */
function indexOf(data: Data): number {
  return typeof data.index === 'number' ? data.index : -1;
}
