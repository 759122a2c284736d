import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { modelsFor } from '../../src/llm/preflight.js';
import { MODEL_ROUTES, ROUTE_NAMES, routeSpec } from '../../src/llm/routes.js';
import type { ModelClient } from '../../src/llm/types.js';
import { QUEUE } from '../../src/queues.js';
import { routeSchema } from '../../src/types.js';

const config = (() => {
  const r = parseConfig({ FAST_MODEL: 'small:1b', SLOW_MODEL: 'big:120b', OLLAMA_SLOW_HOST: 'http://10.0.0.2:11434' });
  if (!r.ok) throw new Error(r.errors.join('; '));
  return r.config;
})();

const clientOn = (host: string) => ({ host }) as ModelClient;

describe('model routes as data', () => {
  it('each route has its own queue among the queue names, and a fallback that is a route', () => {
    const queues = MODEL_ROUTES.map((r) => r.queue);
    expect(new Set(queues).size).toBe(queues.length);
    for (const q of queues) expect(Object.values(QUEUE)).toContain(q);
    for (const r of MODEL_ROUTES) if (r.fallback) expect(ROUTE_NAMES).toContain(r.fallback);
  });

  it('replies, events and metrics accept every route name', () => {
    for (const name of ROUTE_NAMES) expect(routeSchema.parse(name)).toBe(name);
  });

  it.each([
    [['fast'], [['http://127.0.0.1:11434', 'small:1b']]],
    // the slow worker answers with the fast model when the slow route fails: it needs both, fast first
    [['slow'], [['http://127.0.0.1:11434', 'small:1b'], ['http://10.0.0.2:11434', 'big:120b']]],
    [['gateway'], []],
    [['gateway', 'fast', 'slow'], [['http://127.0.0.1:11434', 'small:1b'], ['http://10.0.0.2:11434', 'big:120b']]],
  ])('a process running %j needs %j', (roles, want) => {
    const needs = modelsFor(roles, config, (route) => clientOn(routeSpec(route).host(config)));
    expect(needs.map((n) => [n.client.host, n.model])).toEqual(want);
  });
});
