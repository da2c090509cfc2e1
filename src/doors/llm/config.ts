/**
 * The LLM door's config sections: `providers` (upstream LLM APIs) and `models` (which
 * provider serves which model). Composed into the root schema through the door registry.
 */
import { z } from 'zod';

export const providerSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('anthropic'),
    base_url: z.string().url().default('https://api.anthropic.com').describe('Origin (and optional path prefix) of the Anthropic API.'),
    api_key: z.string().min(1).optional().describe('The real provider key; use ${env:ANTHROPIC_API_KEY}. Sent as x-api-key.'),
    auth_token: z.string().min(1).optional().describe('Alternative: a bearer token sent as Authorization.'),
    timeout_ms: z.number().int().positive().default(600_000).describe('Longest wait for the answer headers and between body chunks.'),
    connect_timeout_ms: z.number().int().positive().default(10_000),
    max_connections: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('Most connections open to this provider at once. Unset (default): no cap, every concurrent request (a long stream holds its connection for minutes) gets its own. With a cap, requests past it wait, unanswered, for a free connection.'),
  }),
  z.strictObject({
    type: z.literal('mock'),
    latency_ms: z.number().int().min(0).default(0).describe('Artificial delay before answering, to exercise timeouts.'),
  }),
]);

export const modelRouteSchema = z.strictObject({
  match: z.string().min(1).describe('Model name or glob (`claude-*`) this route serves.'),
  provider: z.string().min(1).describe('Name of a provider under `providers`.'),
});

export const llmConfig = {
  providers: z
    .record(z.string().regex(/^[a-z0-9_-]+$/, 'lowercase letters, digits, _ and - only'), providerSchema)
    .default({ mock: { type: 'mock', latency_ms: 0 } })
    .describe('Upstream LLM providers by name.'),
  models: z
    .array(modelRouteSchema)
    .default([{ match: '*', provider: 'mock' }])
    .describe('Which provider serves which model; first match wins.'),
};
