import type { Config } from '../config.js';
import { routesFor, type RouteName } from './routes.js';
import type { ModelClient } from './types.js';

export interface ModelNeed {
  client: ModelClient;
  model: string;
}

/** Ollama lists "name:tag"; a configured name without a tag means ":latest". */
export function hasModel(available: readonly string[], model: string): boolean {
  const want = model.includes(':') ? model : `${model}:latest`;
  return available.some((m) => m === model || m === want);
}

/** Hosts that do not answer, and models missing on the hosts that do. */
export async function findMissing(needs: readonly ModelNeed[], timeoutMs = 5_000): Promise<{ down: string[]; missing: { host: string; model: string }[] }> {
  const byHost = new Map<string, { client: ModelClient; models: Set<string> }>();
  for (const n of needs) {
    const e = byHost.get(n.client.host) ?? { client: n.client, models: new Set<string>() };
    e.models.add(n.model);
    byHost.set(n.client.host, e);
  }
  const down: string[] = [];
  const missing: { host: string; model: string }[] = [];
  for (const [host, { client, models }] of byHost) {
    let available: string[];
    try {
      available = await client.listModels(AbortSignal.timeout(timeoutMs));
    } catch {
      down.push(host);
      continue;
    }
    for (const m of models) if (!hasModel(available, m)) missing.push({ host, model: m });
  }
  return { down, missing };
}

/**
 * Check that each Ollama host answers and has its models. Returns the problems, each saying
 * exactly what to run; an empty list means ready.
 */
export async function checkModels(needs: readonly ModelNeed[], timeoutMs = 5_000): Promise<string[]> {
  const { down, missing } = await findMissing(needs, timeoutMs);
  return [
    ...down.map((host) => `no Ollama answers at ${host}: start it with \`ollama serve\` (or set OLLAMA_HOST to where it runs)`),
    ...missing.map(({ host, model }) => `model ${model} is not on ${host}: run \`ollama pull ${model}\``),
  ];
}

/** The models a process with these roles needs: its routes' and the ones they fall back to (the slow worker falls back to the fast model). */
export function modelsFor(roles: readonly string[], config: Config, clientOf: (route: RouteName) => ModelClient): ModelNeed[] {
  return routesFor(roles).map((r) => ({ client: clientOf(r.name), model: r.model(config) }));
}
