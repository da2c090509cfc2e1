import { z } from 'zod';
import { configSchema } from './schema.js';

/** The JSON Schema editors use for warden.yaml, derived from the one zod schema. */
export function renderConfigJsonSchema(): string {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' });
  return JSON.stringify({ ...schema, $id: 'https://warden.dev/schema/config.json', title: 'Warden configuration' }, null, 2) + '\n';
}
