/**
 * The model routes, as data: which model on which Ollama host answers, how many answers run
 * at once, the timeouts, the queue its worker consumes and the lock settings of that worker.
 * The variables they read and the queue names are contracts (DESIGN.md); this table only
 * says which belongs to which route. docs/architecture.md "Add a route" walks through a third.
 */
import type { Config } from '../config.js';
// type only: types.ts reads the route names from here, and queues.ts (BullMQ) imports types.ts
import type { QueueName } from '../queues.js';

/**
 * Lock and stall settings of a route's worker. BullMQ renews a lock every lockDuration/2; a
 * job whose lock lapsed is moved back to wait by the next stalled check, so a killed worker's
 * job is picked up again after about lockDuration + stalledInterval (up to one more interval).
 */
export interface WorkerTuning {
  lockDuration: number;
  stalledInterval: number;
  maxStalledCount: number;
}

export interface RouteSpec<N extends string = string> {
  /** The route in replies, events and metrics, and the role of the process that runs it. */
  readonly name: N;
  /** The queue this route's worker consumes (a name from QUEUE in queues.ts; the type checks it). */
  readonly queue: QueueName;
  model(config: Config): string;
  /** The Ollama host (OLLAMA_<ROUTE>_HOST, else OLLAMA_HOST: resolved by config.ts). */
  host(config: Config): string;
  numCtx(config: Config): number;
  /** Answers in flight per worker process. */
  concurrency(config: Config): number;
  firstTokenTimeoutMs(config: Config): number;
  totalTimeoutMs(config: Config): number;
  /** Characters of stream context and memory a prompt on this route carries at most. */
  memoryChars(config: Config): number;
  /** A route whose model this one answers with when its own fails (its worker needs that model too). */
  readonly fallback?: RouteName;
  readonly worker: WorkerTuning;
}

/**
 * Fast: ~6-9 s to recover a killed worker's job, well inside fast_max_age_s (20 s), so a
 * killed fast answer is still given; the cost of a false stall (event loop blocked > 3 s) is
 * one extra model call, never a second post (outbox job id + posted key).
 */
const fastRoute: RouteSpec<'fast'> = {
  name: 'fast',
  queue: 'comments',
  model: (c) => c.FAST_MODEL,
  host: (c) => c.fastHost,
  numCtx: (c) => c.FAST_NUM_CTX,
  concurrency: (c) => c.FAST_CONCURRENCY,
  firstTokenTimeoutMs: (c) => c.FAST_FIRST_TOKEN_TIMEOUT_MS,
  totalTimeoutMs: (c) => c.FAST_TIMEOUT_MS,
  memoryChars: (c) => c.MEMORY_FAST_CHARS,
  worker: { lockDuration: 6_000, stalledInterval: 3_000, maxStalledCount: 1 },
};

/**
 * Slow: ~15-25 s to recover, small next to slow answers (12 s to minutes) and slow_max_age_s
 * (300 s), with more tolerance for slow workers on other hosts (network hiccups to Redis).
 */
const slowRoute: RouteSpec<'slow'> = {
  name: 'slow',
  queue: 'slow',
  model: (c) => c.SLOW_MODEL,
  host: (c) => c.slowHost,
  numCtx: (c) => c.SLOW_NUM_CTX,
  concurrency: (c) => c.SLOW_CONCURRENCY,
  firstTokenTimeoutMs: (c) => c.SLOW_FIRST_TOKEN_TIMEOUT_MS,
  totalTimeoutMs: (c) => c.SLOW_TIMEOUT_MS,
  memoryChars: (c) => c.MEMORY_SLOW_CHARS,
  // a slow job that fails all attempts is answered by the fast model
  fallback: 'fast',
  worker: { lockDuration: 15_000, stalledInterval: 5_000, maxStalledCount: 2 },
};

/** Every model route, fastest first. */
export const MODEL_ROUTES = [fastRoute, slowRoute] as const;

export type RouteName = (typeof MODEL_ROUTES)[number]['name'];

export const ROUTE_NAMES = MODEL_ROUTES.map((r) => r.name) as unknown as readonly [RouteName, ...RouteName[]];

export function routeSpec(name: RouteName): RouteSpec<RouteName> {
  return MODEL_ROUTES.find((r) => r.name === name)!;
}

/** The routes a process with these roles answers with: its own, and the ones they fall back to, in table order. */
export function routesFor(roles: readonly string[]): RouteSpec<RouteName>[] {
  const needed = new Set<string>();
  for (const r of MODEL_ROUTES) if (roles.includes(r.name)) needed.add(r.name).add(r.fallback ?? r.name);
  return MODEL_ROUTES.filter((r) => needed.has(r.name));
}
