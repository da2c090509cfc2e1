import type { IncomingMessage, ServerResponse } from 'node:http';
import { WardenError } from '../../core/errors.js';
import { newExchange, type Gateway } from '../../runtime/gateway.js';
import type { Door, DoorHttpHandler } from '../door.js';
import { llmConfig } from './config.js';
import { failExchange, handleMessages } from './messages.js';
import { handleModels } from './models.js';
import { llmPart } from './part.js';

/** The LLM door: the Anthropic Messages API (also under /anthropic), providers and model routes. */
export const llmDoor: Door<typeof llmConfig> = {
  id: 'llm',
  config: llmConfig,
  part: llmPart,
  // At the LLM door, `route.id` is the name of the provider serving the model.
  routeIds: (config) => [{ noun: 'provider', path: 'providers', ids: Object.keys(config.providers) }],
  http: createLlmHandler,
  claims: (path) => path.startsWith('/v1/') || path.startsWith('/anthropic/'),
  fail: failExchange,
};

/** Returns false when the path is not one of the door's own, so the server can try the next door. */
function createLlmHandler(gw: Gateway): DoorHttpHandler {
  return function llmDoorHandler(req: IncomingMessage, res: ServerResponse, path: string, query: string): boolean {
    let p = path;
    if (p.startsWith('/anthropic/')) p = p.slice(10);
    switch (p) {
      case '/v1/messages':
      case '/v1/messages/count_tokens': {
        if (req.method !== 'POST') return methodNotAllowed(gw, req, res, p, 'POST');
        void handleMessages(gw, req, res, p + query, p !== '/v1/messages');
        return true;
      }
      case '/v1/models':
        if (req.method !== 'GET') return methodNotAllowed(gw, req, res, p, 'GET');
        void handleModels(gw, req, res);
        return true;
      case '/api/hello':
        // Claude Code's warm-up probe: answered locally, nothing to guard or account.
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': 2 });
        res.end(req.method === 'HEAD' ? undefined : '{}');
        return true;
      default:
        return false;
    }
  };
}

function methodNotAllowed(gw: Gateway, req: IncomingMessage, res: ServerResponse, path: string, allow: string): true {
  const ex = newExchange('llm', req, path);
  res.setHeader('allow', allow);
  failExchange(gw, res, ex, new WardenError('WARDEN_E_METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${path}; use ${allow}`), !req.complete);
  return true;
}
