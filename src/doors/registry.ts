/**
 * The one registration of every door. Adding a door is its own folder (config part,
 * snapshot part, handlers) plus one line here (docs/pipeline.md, "Adding a door").
 * Order: config sections appear in this order in the schema and docs, and route ids in this
 * order in refusals. The main listener offers a request to the doors with fixed paths first
 * and to a door with configurable paths (`catchAll`: an http route may be `/*`) last.
 */
import type { Door } from './door.js';
import { hookDoor } from './hook/door.js';
import { llmDoor } from './llm/door.js';
import { mcpDoor } from './mcp/door.js';
import { httpDoor } from './http/door.js';
import { postgresDoor } from './postgres/register.js';

// hook before llm: its path is under /v1/, which the LLM door claims for refusals.
export const DOORS = [httpDoor, hookDoor, llmDoor, mcpDoor, postgresDoor] as const satisfies readonly Door[];
