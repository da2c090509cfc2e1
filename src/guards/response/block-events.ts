/** SSE events the stream guard writes itself: re-issued text, replaced or masked tool blocks. */

export function encodeEvent(type: string, data: unknown): Buffer {
  return Buffer.from(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
}

/** A whole text block at `index` (what a refused tool call becomes). */
export function textBlock(index: number, text: string): Buffer {
  return Buffer.concat([
    encodeEvent('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } }),
    encodeEvent('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text } }),
    encodeEvent('content_block_stop', { type: 'content_block_stop', index }),
  ]);
}

/** A whole tool_use block with its input in one delta (the input with its secrets masked). */
export function toolUseBlock(index: number, id: string, name: string, input: unknown): Buffer {
  return Buffer.concat([
    encodeEvent('content_block_start', { type: 'content_block_start', index, content_block: { type: 'tool_use', id, name, input: {} } }),
    encodeEvent('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(input) } }),
    encodeEvent('content_block_stop', { type: 'content_block_stop', index }),
  ]);
}
