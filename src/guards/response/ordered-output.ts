/**
 * The guard's output in upstream order while some positions wait: a held tool call takes a
 * gate that later resolves to its bytes (released or replaced); everything behind it queues,
 * and is written the moment every position before it is decided.
 */

/** A position in the output: bytes known now, bytes decided later (a gate), or bytes rendered when reached. */
export interface Slot {
  ready: boolean;
  bytes: Buffer | null;
  render?: () => Buffer;
}

export class OrderedOutput {
  private readonly queue: Slot[] = [];

  constructor(private readonly write: (bytes: Buffer) => void) {}

  /** true while something waits behind an undecided gate. */
  get holding(): boolean {
    return this.queue.length > 0;
  }

  push(bytes: Buffer): void {
    if (this.queue.length === 0) this.write(bytes);
    else this.queue.push({ ready: true, bytes });
  }

  /** `render` runs when the position is reached, so it can depend on what was decided before it. */
  pushRendered(render: () => Buffer): void {
    if (this.queue.length === 0) this.write(render());
    else this.queue.push({ ready: true, bytes: null, render });
  }

  gate(): Slot {
    const slot: Slot = { ready: false, bytes: null };
    this.queue.push(slot);
    return slot;
  }

  resolve(slot: Slot, bytes: Buffer | null): void {
    slot.ready = true;
    slot.bytes = bytes;
    while (this.queue.length > 0 && this.queue[0]!.ready) {
      const head = this.queue.shift()!;
      const out = head.render ? head.render() : head.bytes;
      if (out && out.length > 0) this.write(out);
    }
  }
}
