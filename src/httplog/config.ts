/** The `http_logger` section: batches of exchange summaries POSTed to a collector (APISIX http-logger). */
import { z } from 'zod';

export const httpLoggerSchema = z
  .strictObject({
    uri: z.url({ protocol: /^https?$/ }).describe('Collector endpoint, e.g. http://elasticsearch:9200/_bulk.'),
    format: z.enum(['json', 'elasticsearch_bulk']).default('json').describe('`json`: a JSON array per batch; `elasticsearch_bulk`: NDJSON with an action line before each document.'),
    index: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/).default('warden').describe('elasticsearch_bulk: the index named in each action line.'),
    doors: z.array(z.enum(['llm', 'http', 'mcp', 'postgres', 'hook', 'admin'])).default(['http']).describe('Doors whose exchanges are logged.'),
    batch_max_size: z.number().int().min(1).max(10_000).default(1000),
    inactive_timeout_ms: z.number().int().positive().default(5000).describe('Send a partial batch after this long without new entries.'),
    buffer_duration_ms: z.number().int().positive().default(60_000).describe('Send a batch once its oldest entry is this old.'),
    max_retry: z.number().int().min(0).max(20).default(3).describe('Retries of a failed batch, with exponential backoff.'),
    retry_delay_ms: z.number().int().positive().default(1000).describe('First backoff; doubles on each retry.'),
    timeout_ms: z.number().int().positive().default(5000),
    max_pending_entries: z.number().int().min(1).default(10_000).describe('Bound on queued entries; past it new entries are dropped (warden_httplog_dropped_total).'),
    authorization: z.string().min(1).optional().describe('Authorization header for the collector (use ${env:...}).'),
  })
  .describe('Ship exchange summaries to an HTTP collector; never blocks a request, never holds credentials.');

export type HttpLoggerConfig = z.output<typeof httpLoggerSchema>;
