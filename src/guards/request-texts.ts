/**
 * The texts an Anthropic Messages request carries that a guard must see: system blocks,
 * user and assistant text, and tool_result contents (where file contents and command
 * output travel). `thinking` and `redacted_thinking` blocks are never touched: changing
 * them breaks their signatures and the provider rejects the request.
 */
export interface TextSlot {
  text: string;
  /** true for the user's own words (the prompt guard looks only at these). */
  prompt: boolean;
  set(value: string): void;
}

type Obj = Record<string, unknown>;

function blockSlots(blocks: unknown[], prompt: boolean, out: TextSlot[]): void {
  for (const b of blocks) {
    if (b === null || typeof b !== 'object') continue;
    const block = b as Obj;
    if (block.type === 'text' && typeof block.text === 'string') {
      out.push({ text: block.text, prompt, set: (v) => (block.text = v) });
    } else if (block.type === 'tool_result') {
      if (typeof block.content === 'string') out.push({ text: block.content, prompt: false, set: (v) => (block.content = v) });
      else if (Array.isArray(block.content)) blockSlots(block.content, false, out);
    }
  }
}

export function requestTexts(body: Obj): TextSlot[] {
  const out: TextSlot[] = [];
  if (typeof body.system === 'string') out.push({ text: body.system, prompt: false, set: (v) => (body.system = v) });
  else if (Array.isArray(body.system)) blockSlots(body.system, false, out);
  if (Array.isArray(body.messages)) {
    for (const m of body.messages) {
      if (m === null || typeof m !== 'object') continue;
      const msg = m as Obj;
      const prompt = msg.role === 'user';
      if (typeof msg.content === 'string') out.push({ text: msg.content, prompt, set: (v) => (msg.content = v) });
      else if (Array.isArray(msg.content)) blockSlots(msg.content, prompt, out);
    }
  }
  return out;
}
