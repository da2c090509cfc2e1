/**
 * What is sent: a 1 KB request and a 50 KB Claude-Code-shaped one, each non-streaming and
 * streaming (the same bytes with "stream":true), with the headers the client would send.
 * The 50 KB one differs from request to request in its last tool_result, like an agent's
 * next turn: earlier blocks repeat (what a guard's cache is for), the newest is new.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type ScenarioId = 'small-json' | 'small-sse' | 'cc50k-json' | 'cc50k-sse';

export interface Scenario {
  id: ScenarioId;
  label: string;
  stream: boolean;
  bodyFile: string;
  bodyBytes: number;
  headers: Record<string, string>;
  /** Text in the body the load generator replaces per request (a new agent turn each time). */
  turnMarker?: string;
}

/** In claude-code-50k.json: the newest tool_result changes on every request, as in a real session. */
export const TURN_MARKER = 'BENCH_TURN_000000000000';

const BASE_HEADERS = { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' };

// What Claude Code 2.1 sends besides the body (CLAUDE-CODE.md): beta list, app and session ids.
const CLAUDE_CODE_HEADERS = {
  ...BASE_HEADERS,
  'anthropic-beta': 'claude-code-20250219,interleaved-thinking-2025-05-14,fine-grained-tool-streaming-2025-05-14,context-management-2025-06-27',
  'anthropic-dangerous-direct-browser-access': 'true',
  'user-agent': 'claude-cli/2.1.328 (external, sdk-cli)',
  'x-app': 'cli',
  'x-claude-code-session-id': '0b6c2f43-9d1e-4a55-8c39-2f3f0e6d1a77',
  'x-stainless-lang': 'js',
  'x-stainless-package-version': '0.60.0',
  'x-stainless-os': 'Linux',
  'x-stainless-arch': 'x64',
  'x-stainless-runtime': 'node',
  'x-stainless-runtime-version': 'v20.20.2',
  'x-stainless-retry-count': '0',
  'x-stainless-timeout': '600',
};

export const ALL_SCENARIOS: ScenarioId[] = ['small-json', 'small-sse', 'cc50k-json', 'cc50k-sse'];

/** Writes the four request bodies into the run directory and describes each scenario. */
export function prepareScenarios(benchDir: string, runDir: string): Map<ScenarioId, Scenario> {
  const out = new Map<ScenarioId, Scenario>();
  const sources = [
    { key: 'small', file: 'small.json', label: '1 KB', headers: BASE_HEADERS },
    { key: 'cc50k', file: 'claude-code-50k.json', label: '50 KB Claude Code', headers: CLAUDE_CODE_HEADERS },
  ] as const;
  for (const src of sources) {
    const json = readFileSync(join(benchDir, 'fixtures', src.file), 'utf8');
    if (!json.includes('"stream":false')) throw new Error(`${src.file} must contain "stream":false`);
    for (const stream of [false, true]) {
      const id = `${src.key}-${stream ? 'sse' : 'json'}` as ScenarioId;
      const body = stream ? json.replace('"stream":false', '"stream":true') : json;
      const bodyFile = join(runDir, `${id}.json`);
      writeFileSync(bodyFile, body);
      const turn = body.includes(TURN_MARKER) ? { turnMarker: TURN_MARKER } : {};
      out.set(id, { id, label: `${src.label}, ${stream ? 'SSE' : 'JSON'}`, stream, bodyFile, bodyBytes: Buffer.byteLength(body), headers: { ...src.headers }, ...turn });
    }
  }
  return out;
}
