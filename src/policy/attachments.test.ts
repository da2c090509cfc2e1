import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, validateConfig } from '../config/load.js';
import { checkSnapshotConfig } from '../runtime/snapshot.js';

const upstream = { nodes: { '127.0.0.1:9000': 1 } };
const base = {
  providers: { anthropic: { type: 'mock' } },
  models: [{ match: '*', provider: 'anthropic' }],
  routes: [{ id: 'orders', uri: '/orders/*', upstream }],
};

/** The problems `warden config check` (and a load or reload) would report for `extra`. */
const problemsOf = (extra: Record<string, unknown>): string[] => {
  try {
    checkSnapshotConfig(validateConfig({ ...base, ...extra }));
    return [];
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.problems;
  }
};

const named = { p: { rules: [{ id: 'r', when: 'request.method == "DELETE"' }] } };

// What surely names nothing: refused, each with its config path.
const REFUSED: [string, Record<string, unknown>, string][] = [
  ['route attachment to no route nor provider', { policy: { policies: named, attach: { routes: { ordrs: ['p'] } } } }, 'policy.attach.routes.ordrs: no route or provider named "ordrs" (routes[].id: orders; providers: anthropic)'],
  ['route attachment to no MCP server names the MCP servers too', { mcp: { servers: { github: { transport: 'http', url: 'https://mcp.example.test/mcp' } } }, policy: { policies: named, attach: { routes: { gitlab: ['p'] } } } }, 'policy.attach.routes.gitlab: no route, provider or MCP server named "gitlab" (routes[].id: orders; providers: anthropic; mcp.servers: github)'],
  ['route attachment to a route of another config', { policy: { policies: named, attach: { routes: { 'prod-db': ['p'] } } } }, 'policy.attach.routes.prod-db: no route or provider named "prod-db"'],
  ['route attachment to a policy that does not exist', { policy: { policies: named, attach: { routes: { orders: ['q'] } } } }, 'policy.attach.routes.orders[0]: no policy named "q"'],
  ['consumer attachment to a policy that does not exist', { policy: { policies: named, attach: { consumers: { alice: ['p', 'q'] } } } }, 'policy.attach.consumers.alice[1]: no policy named "q"'],
  ['door attachment to a policy that does not exist', { policy: { policies: named, attach: { doors: { http: ['q'] } } } }, 'policy.attach.doors.http[0]: no policy named "q"'],
  ['routes[].policies naming no policy', { routes: [{ id: 'orders', uri: '/orders/*', upstream, policies: ['q'] }], policy: { policies: named } }, 'routes[0].policies[0]: no policy named "q"'],
];

for (const [what, extra, expected] of REFUSED) {
  test(`attachments refused: ${what}`, () => {
    const problems = problemsOf(extra);
    assert.equal(problems.length, 1, problems.join('\n'));
    assert.ok(problems[0]!.startsWith(expected), `${problems[0]}\nshould start with\n${expected}`);
  });
}

// What may name something: consumers can live only in the store; providers are route ids at the LLM door.
const ACCEPTED: [string, Record<string, unknown>][] = [
  ['route attachment to an http route', { policy: { policies: named, attach: { routes: { orders: ['p'] } } } }],
  ['route attachment to an LLM provider', { policy: { policies: named, attach: { routes: { anthropic: ['p'] } } } }],
  ['route attachment to an MCP server', { mcp: { servers: { github: { transport: 'http', url: 'https://mcp.example.test/mcp' } } }, policy: { policies: named, attach: { routes: { github: ['p'] } } } }],
  ['consumer attachment to a consumer that exists only in the store', { policy: { policies: named, attach: { consumers: { 'made-by-cli': ['p'] } } } }],
  ['routes[].policies naming a policy', { routes: [{ id: 'orders', uri: '/orders/*', upstream, policies: ['p'] }], policy: { policies: named } }],
];

for (const [what, extra] of ACCEPTED) {
  test(`attachments accepted: ${what}`, () => {
    assert.deepEqual(problemsOf(extra), []);
  });
}

test('route, policy and rule problems are reported together, once each', () => {
  const problems = problemsOf({
    routes: [{ id: 'orders', uri: '/orders/*', upstream, policies: ['q'] }],
    policy: { rules: [{ id: 'typo', when: 'consumer.nmae == "x"' }], policies: named, attach: { routes: { nowhere: ['p'] } } },
  });
  assert.deepEqual(
    problems.map((p) => p.split(':')[0]),
    ['routes[0].policies[0]', 'policy.rules[0].when', 'policy.attach.routes.nowhere'],
    problems.join('\n'),
  );
});
