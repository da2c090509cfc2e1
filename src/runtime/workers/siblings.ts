/**
 * A question put to the other workers of `warden start --workers N`, for state that lives in
 * one worker's memory but is reached by a connection the cluster handed to another (a
 * PostgreSQL CancelRequest for a session held elsewhere). The asking worker sends it to the
 * primary, which relays it to every other live worker and answers the asker with whether any
 * said yes. A worker answers from its own state only and never relays, and the primary never
 * sends a question back to its asker, so a question cannot loop.
 *
 * The data crosses the cluster's IPC channel (a local pipe between Warden's own processes);
 * it is never logged.
 */
import type { Worker } from 'node:cluster';
import { workerSlot } from './slot.js';

/** What a door is handed (never the cluster itself). */
export interface Siblings {
  /** Asks every other worker; true when one of them answered yes, false when none did (or none answered in time). */
  ask(topic: string, data: unknown): Promise<boolean>;
  /** Answers the other workers' questions on `topic` from this worker's own state; returns an unsubscribe. */
  answer(topic: string, handler: (data: unknown) => boolean): () => void;
}

interface Ask { t: 'warden-siblings-ask'; n: number; topic: string; data: unknown }
interface Question { t: 'warden-siblings-q'; q: number; topic: string; data: unknown }
interface Answer { t: 'warden-siblings-a'; q: number; yes: boolean }
interface Reply { t: 'warden-siblings-reply'; n: number; yes: boolean }

/** How long the primary waits for the other workers; the asker waits a little longer. */
const RELAY_TIMEOUT_MS = 2_000;
const ASK_TIMEOUT_MS = RELAY_TIMEOUT_MS + 500;

/** The channel to the primary: `process` in a worker (a parameter so tests can join workers in one process). */
export interface PrimaryChannel {
  send(m: unknown): void;
  on(ev: 'message', f: (m: unknown) => void): void;
  off(ev: 'message', f: (m: unknown) => void): void;
}

const processChannel: PrimaryChannel = {
  send: (m) => {
    if (process.send && process.connected) process.send(m, undefined, undefined, () => undefined);
  },
  on: (ev, f) => process.on(ev, f),
  off: (ev, f) => process.off(ev, f),
};

/** The worker's side. */
export function workerSiblings(channel: PrimaryChannel = processChannel): Siblings & { close(): void } {
  let n = 0;
  const pending = new Map<number, { resolve: (yes: boolean) => void; timer: NodeJS.Timeout }>();
  const handlers = new Map<string, (data: unknown) => boolean>();
  const onMessage = (m: unknown) => {
    const r = m as Reply | Question;
    if (r?.t === 'warden-siblings-reply') {
      const p = pending.get(r.n);
      if (!p) return;
      pending.delete(r.n);
      clearTimeout(p.timer);
      p.resolve(r.yes === true);
    } else if (r?.t === 'warden-siblings-q') {
      let yes = false;
      try {
        yes = handlers.get(r.topic)?.(r.data) === true;
      } catch {
        yes = false;
      }
      const a: Answer = { t: 'warden-siblings-a', q: r.q, yes };
      channel.send(a);
    }
  };
  channel.on('message', onMessage);
  return {
    ask(topic, data) {
      return new Promise<boolean>((resolve) => {
        const id = ++n;
        const timer = setTimeout(() => {
          pending.delete(id);
          resolve(false);
        }, ASK_TIMEOUT_MS);
        timer.unref();
        pending.set(id, { resolve, timer });
        const a: Ask = { t: 'warden-siblings-ask', n: id, topic, data };
        channel.send(a);
      });
    },
    answer(topic, handler) {
      handlers.set(topic, handler);
      return () => {
        if (handlers.get(topic) === handler) handlers.delete(topic);
      };
    },
    close() {
      channel.off('message', onMessage);
      for (const [id, p] of pending) {
        clearTimeout(p.timer);
        p.resolve(false);
        pending.delete(id);
      }
    },
  };
}

/** What the primary needs of a worker (node:cluster's Worker has it). */
export type SiblingWorker = Pick<Worker, 'on' | 'send' | 'isConnected'>;

/**
 * The primary's side: relays each question of `worker` to the workers `all()` lists but it,
 * and answers it with the first yes, or no once every one said no or the time ran out.
 */
export function serveSiblings(worker: SiblingWorker, all: () => Iterable<SiblingWorker>, state: RelayState = new RelayState()): void {
  worker.on('message', (m: unknown) => {
    const msg = m as Ask | Answer;
    if (msg?.t === 'warden-siblings-ask') state.relay(worker, msg, all);
    else if (msg?.t === 'warden-siblings-a') state.answered(msg);
  });
}

/** Open questions in the primary; one instance shared by every worker's serveSiblings. */
export class RelayState {
  private q = 0;
  private readonly open = new Map<number, { asker: SiblingWorker; n: number; waiting: number; timer: NodeJS.Timeout }>();

  relay(asker: SiblingWorker, ask: Ask, all: () => Iterable<SiblingWorker>): void {
    const others = [...all()].filter((w) => w !== asker && w.isConnected());
    if (!others.length) return send(asker, { t: 'warden-siblings-reply', n: ask.n, yes: false });
    const q = ++this.q;
    const timer = setTimeout(() => this.close(q, false), RELAY_TIMEOUT_MS);
    timer.unref();
    this.open.set(q, { asker, n: ask.n, waiting: others.length, timer });
    const question: Question = { t: 'warden-siblings-q', q, topic: ask.topic, data: ask.data };
    for (const w of others) send(w, question);
  }

  answered(a: Answer): void {
    const o = this.open.get(a.q);
    if (!o) return;
    if (a.yes === true) return this.close(a.q, true);
    if (--o.waiting === 0) this.close(a.q, false);
  }

  private close(q: number, yes: boolean): void {
    const o = this.open.get(q);
    if (!o) return;
    this.open.delete(q);
    clearTimeout(o.timer);
    send(o.asker, { t: 'warden-siblings-reply', n: o.n, yes });
  }
}

function send(w: SiblingWorker, m: Question | Reply): void {
  // A worker that died meanwhile has no one waiting for the message.
  if (w.isConnected()) w.send(m, undefined, () => undefined);
}

let mine: Siblings | undefined;

/** This process's siblings under `warden start --workers N`; undefined in a single process (there are none). */
export function siblingsOfThisWorker(): Siblings | undefined {
  if (workerSlot() === undefined) return undefined;
  return (mine ??= workerSiblings());
}
