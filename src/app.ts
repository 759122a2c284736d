import { hostname } from 'node:os';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { loadCharacter, type Character } from './character.js';
import { createCopypasta } from './copypasta.js';
import type { Config } from './config.js';
import { BotError } from './errors.js';
import { createChatCommands, type ChatCommands } from './commands/index.js';
import { createControls } from './controls/store.js';
import type { Controls } from './controls/types.js';
import { recordEvent } from './events.js';
import { createFastHandler } from './handlers/fast.js';
import { createIntake } from './handlers/intake.js';
import { createOutboxHandler } from './handlers/outbox.js';
import { createSlowHandler } from './handlers/slow.js';
import type { HandlerContext } from './handlers/context.js';
import type { ModelRoute } from './handlers/answer.js';
import { HEARTBEAT_EVERY_MS, HEARTBEAT_TTL_S, heartbeatKey, type Role } from './heartbeat.js';
import { createOllamaClient } from './llm/ollama-client.js';
import type { ModelClient } from './llm/types.js';
import { createMetrics } from './metrics/index.js';
import { createMetricsServer, type MetricsServer } from './metrics/server.js';
import { createPanel, type Panel } from './panel/index.js';
import { checkModels, modelsFor } from './llm/preflight.js';
import type { Logger } from './log.js';
import { createAdapters, type AdapterOptions } from './platforms/index.js';
import { createAccountBudget } from './platforms/account-budget.js';
import { createPacer } from './platforms/pacer.js';
import type { ChatAdapter, ModerationEvent } from './platforms/port.js';
import { recordRemoval } from './moderation/removals.js';
import { createQueues, QUEUE } from './queues.js';
import { MODEL_ROUTES, ROUTE_NAMES, routeSpec, type RouteName, type WorkerTuning } from './llm/routes.js';
import { createMemory } from './memory/index.js';
import { createExtractHandler } from './memory/extract.js';
import { MEMORY_QUEUE } from './memory/forget.js';
import { createRedis } from './redis.js';
import { BUILTIN_SLURS } from './reply/slurs.js';
import { secretValues } from './secrets.js';
import type { Platform } from './types.js';
import { createViewerState } from './viewer-state.js';

export interface AppOptions {
  config: Config;
  logger: Logger;
  /** Which parts run in this process; `npm start` runs all three. */
  roles: readonly Role[];
  /** Adapters to use instead of the configured live ones (console chat, replay). */
  adapters?: ChatAdapter[];
  character?: Character;
  /** Serve the web panel (default: when this process runs the gateway; `npm run start:panel` alone). */
  panel?: boolean;
  /** Read the moderator controls under this prefix instead of REDIS_PREFIX (console chat reads the live ones). */
  controlsPrefix?: string;
  /** Adjust the controls every decision sees (console chat: no cooldown, no approval). */
  wrapControls?: (c: Controls) => Controls;
  /** How often the live adapters re-read the stream's title and category (defaults: YouTube 10 min, Twitch 3 min). */
  streamInfoRefreshMs?: AdapterOptions['streamInfoRefreshMs'];
  /** Lock and stall settings per worker role, over the route table's (src/llm/routes.ts) and the gateway's (production passes none). */
  workerTuning?: Partial<Record<Role, Partial<WorkerTuning>>>;
  /** Reconnect, login and read back-offs of the live adapters, over their defaults (production passes none). */
  adapterBackoff?: AdapterOptions['backoff'];
  /** Times the live adapters' back-offs (default: the system clock). */
  clock?: AdapterOptions['clock'];
}

export interface App {
  start(): Promise<void>;
  /** Ordered, idempotent shutdown; every step runs even if another fails. */
  close(): Promise<void>;
  readonly redis: Redis;
  readonly ctx: HandlerContext;
  /** Problems with the Ollama hosts/models this process needs (empty when ready). */
  checkModels(): Promise<string[]>;
  /** The URL of the panel (or, without it, of /metrics on METRICS_PORT) once started. */
  httpUrl(): string | undefined;
  /** True when no comment, slow or outbox job is waiting, delayed or running. */
  drained(): Promise<boolean>;
}

/**
 * Lock and stall settings of the gateway's outbox worker: a killed gateway's reply is picked
 * up again within ~6-9 s (the routes' workers: src/llm/routes.ts).
 */
const GATEWAY_TUNING: WorkerTuning = { lockDuration: 6_000, stalledInterval: 3_000, maxStalledCount: 1 };

/** A role's lock and stall settings: the route table's (the gateway's above), under AppOptions.workerTuning. */
function tuningOf(role: Role, over: AppOptions['workerTuning']): WorkerTuning {
  return { ...(role === 'gateway' ? GATEWAY_TUNING : routeSpec(role).worker), ...over?.[role] };
}

/**
 * A permanent fault (a BotError with retryable false: model not found, HTTP 4xx from Ollama,
 * no connection for the platform) fails the job at once instead of being retried.
 */
function permanentIsFinal(processor: (job: Job, token?: string, signal?: AbortSignal) => Promise<unknown>) {
  return async (job: Job, token?: string, signal?: AbortSignal) => {
    try {
      return await processor(job, token, signal);
    } catch (err) {
      if (err instanceof BotError && !err.retryable) throw Object.assign(new UnrecoverableError(err.message), { code: err.code, cause: err });
      throw err;
    }
  };
}

/** The composition root: wires config, logger, Redis, queues, adapters and models. */
export function buildApp(opts: AppOptions): App {
  const { config, logger } = opts;
  const prefix = config.REDIS_PREFIX;
  const character = opts.character ?? loadCharacter(config.CHARACTER);
  const redis = createRedis(config.REDIS_URL, logger);
  const queues = createQueues(redis, prefix);
  // The queues share `redis`, whose outage createRedis logs once; without a listener BullMQ
  // prints each of these errors raw to stderr, on every reconnect attempt.
  for (const q of [queues.comments, queues.slow, queues.outbox]) q.on('error', (err) => logger.debug({ err, queue: q.name }, 'queue connection error'));
  const metrics = createMetrics({ queues, redis, roles: opts.roles });
  const baseControls = createControls({ redis, prefix: opts.controlsPrefix ?? prefix, logger: logger.child({ component: 'controls' }) });
  const controls = opts.wrapControls ? opts.wrapControls(baseControls) : baseControls;
  const clients = new Map<string, ModelClient>();
  const clientFor = (host: string) => {
    let c = clients.get(host);
    if (!c) clients.set(host, (c = createOllamaClient({ host, logger: logger.child({ component: 'ollama' }) })));
    return c;
  };
  // every credential in the configuration, the platforms' included: no reply may contain one
  const secrets = secretValues(config);
  const names = [character.name, ...character.aliases, ...(config.TWITCH_USERNAME ? [config.TWITCH_USERNAME] : [])];
  // each route's model, host, context size and timeouts (src/llm/routes.ts)
  const models = Object.fromEntries(
    MODEL_ROUTES.map((r) => [
      r.name,
      {
        client: metrics.instrumentModel(clientFor(r.host(config)), r.name),
        model: r.model(config),
        numCtx: r.numCtx(config),
        keepAlive: config.OLLAMA_KEEP_ALIVE,
        firstTokenTimeoutMs: r.firstTokenTimeoutMs(config),
        totalTimeoutMs: r.totalTimeoutMs(config),
      } satisfies ModelRoute,
    ]),
  ) as Record<RouteName, ModelRoute>;
  const memory = createMemory({ redis, connection: redis, prefix, config, names, now: Date.now, logger });
  const ctx: HandlerContext = {
    config,
    memory,
    viewers: createViewerState({ redis, prefix }),
    logger,
    redis,
    prefix,
    queues,
    controls,
    character,
    names,
    fast: models.fast,
    slow: models.slow,
    secrets,
    slurs: BUILTIN_SLURS,
    copypasta: createCopypasta(redis, prefix, { windowS: config.COPYPASTA_WINDOW_S }),
    metrics,
    now: Date.now,
  };

  const workers: { role: Role; worker: Worker }[] = [];
  let adapters: ChatAdapter[] = [];
  let commands: ChatCommands | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let accepting = false;
  /** Aborts model preloads still running at shutdown. */
  const preloads = new AbortController();
  /** Comments handed over by an adapter whose intake has not finished yet. */
  let intakesInFlight = 0;
  const startedAt = Date.now();
  const host = hostname();

  function makeWorker(role: Role, queue: string, processor: (job: Job, token?: string, signal?: AbortSignal) => Promise<unknown>, concurrency: number) {
    const log = logger.child({ component: role });
    const worker = new Worker(queue, permanentIsFinal(processor), { connection: redis, prefix, concurrency, autorun: false, ...tuningOf(role, opts.workerTuning) });
    let errorLogged = false;
    worker.on('error', (err) => {
      if (errorLogged) return;
      errorLogged = true;
      log.warn({ err }, 'worker connection problem; BullMQ keeps retrying');
      setTimeout(() => (errorLogged = false), 30_000).unref();
    });
    worker.on('failed', (job, err) => {
      if (!job) return;
      const attempts = job.opts.attempts ?? 1;
      const final = job.attemptsMade >= attempts || err.name === 'UnrecoverableError';
      metrics.jobFailed(queue, String((err as { code?: string }).code ?? err.name));
      const c = (job.data as { comment?: { platform: string; channel: string; id: string } }).comment;
      if (final) {
        log.error({ err, queue, jobId: job.id, attempts: job.attemptsMade, commentId: c?.id }, 'job failed for good; comment dropped');
        if (c) void recordEvent(redis, prefix, { type: 'drop', platform: c.platform, channel: c.channel, id: c.id, reason: `failed:${(err as { code?: string }).code ?? err.name}` });
      }
    });
    workers.push({ role, worker });
    return worker;
  }

  const roles = new Set(opts.roles);
  // each route's worker: its queue and concurrency from the route table, its handler here
  const handlers: Record<RouteName, (ctx: HandlerContext) => unknown> = { fast: createFastHandler, slow: createSlowHandler };
  for (const r of MODEL_ROUTES) {
    if (!roles.has(r.name)) continue;
    makeWorker(r.name, r.queue, handlers[r.name](ctx) as never, r.concurrency(config));
    // background fact extraction: one at a time, only while a fast slot is free (memory/slots.ts)
    if (r.name === 'fast') makeWorker('fast', MEMORY_QUEUE, createExtractHandler({ fast: ctx.fast, store: memory.store, slots: memory.slots, logger, now: ctx.now }) as never, 1);
  }
  if (roles.has('gateway')) {
    adapters = opts.adapters ?? createAdapters(config, { redis, prefix, logger }, { streamInfoRefreshMs: opts.streamInfoRefreshMs, backoff: opts.adapterBackoff, clock: opts.clock });
    const byPlatform = new Map<Platform, ChatAdapter>(adapters.map((a) => [a.platform, a]));
    const pacer = createPacer();
    makeWorker('gateway', QUEUE.outbox, createOutboxHandler(ctx, byPlatform, pacer, createAccountBudget(redis, prefix)) as never, 16);
    commands = createChatCommands({ ctx, adapters: byPlatform, pacer });
  }

  // the panel (with /metrics) where the gateway runs; /metrics alone on METRICS_PORT when set (a worker alone, compose)
  const panel: Panel | undefined = (opts.panel ?? roles.has('gateway')) ? createPanel({ config, logger, redis, prefix, queues, metrics }) : undefined;
  const metricsServer: MetricsServer | undefined = config.METRICS_PORT !== undefined ? createMetricsServer({ metrics, host: config.METRICS_HOST, port: config.METRICS_PORT, logger }) : undefined;

  let httpAt: string | undefined;

  async function beat() {
    await Promise.all(
      workers.map(async ({ role, worker }) => {
        if (!worker.isRunning()) return;
        // a model still loading shows in `botctl status` (e.g. a cold 65 GB model takes minutes)
        const route = role === 'gateway' ? undefined : models[role];
        const loading = route?.client.loadingModels().filter((l) => l.model === route.model);
        const value = JSON.stringify({ role, host, pid: process.pid, startedAt, at: Date.now(), ...(loading?.length ? { loading } : {}) });
        await redis.set(heartbeatKey(prefix, role, host), value, 'EX', HEARTBEAT_TTL_S).catch(() => undefined);
      }),
    );
  }

  let closing: Promise<void> | undefined;
  return {
    redis,
    ctx,
    httpUrl: () => httpAt,
    checkModels: () => checkModels(modelsFor([...roles], config, (r) => models[r].client)),
    async drained() {
      if (intakesInFlight > 0) return false;
      const counts = await Promise.all([queues.comments, queues.slow, queues.outbox].map((q) => q.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children')));
      return counts.every((c) => Object.values(c).every((n) => n === 0));
    },
    async start() {
      for (const { worker } of workers) {
        void worker.run().catch((err) => logger.error({ err }, 'worker stopped'));
        await worker.waitUntilReady();
      }
      // Load the models this process answers with now, with an empty request that waits as long
      // as the load takes: a cold model can take minutes, and Ollama abandons a load whose
      // request gave up (a first-token timeout shorter than the load would never let it finish).
      // Answers wait for the load before their first-token clock starts.
      const toLoad = new Map<string, ModelRoute>();
      for (const r of MODEL_ROUTES) if (roles.has(r.name)) toLoad.set(`${models[r.name].client.host} ${models[r.name].model}`, models[r.name]);
      for (const route of toLoad.values()) {
        route.client.preload(route.model, route.keepAlive, preloads.signal).catch((err: unknown) => {
          if (!preloads.signal.aborted) logger.warn({ component: 'ollama', model: route.model, err }, 'model load failed; answers will try again');
        });
      }
      await beat();
      const [panelAt, metricsAt] = await Promise.all([panel?.start(), metricsServer?.start()]);
      httpAt = panelAt ?? metricsAt;
      heartbeat = setInterval(() => void beat(), HEARTBEAT_EVERY_MS);
      heartbeat.unref();
      if (roles.has('gateway')) {
        const intake = createIntake(ctx);
        const modLog = logger.child({ component: 'moderation' });
        const onModeration = (ev: ModerationEvent) => {
          recordRemoval(redis, prefix, ev, Date.now())
            .then(() => modLog.info({ platform: ev.platform, channel: ev.channel, kind: ev.kind }, 'moderator removed chat: no answer goes to what was removed'))
            .catch((err: unknown) => modLog.warn({ err, platform: ev.platform, kind: ev.kind }, 'could not record a moderator action; answers to the removed chat may still go out'));
        };
        accepting = true;
        await Promise.all(
          adapters.map((a) =>
            a.start((c) => {
              if (!accepting || commands?.intercept(c)) return;
              intakesInFlight++;
              intake(c)
                .catch((err) => logger.error({ err, platform: a.platform }, 'could not queue a comment'))
                .finally(() => intakesInFlight--);
            }, onModeration),
          ),
        );
      }
      if (roles.has('fast') && config.fastConcurrencyFrom !== 'FAST_CONCURRENCY') {
        logger.info(
          { fastConcurrency: config.FAST_CONCURRENCY, from: config.fastConcurrencyFrom },
          config.fastConcurrencyFrom === 'OLLAMA_NUM_PARALLEL'
            ? `FAST_CONCURRENCY not set: ${config.FAST_CONCURRENCY} fast answers in flight, as OLLAMA_NUM_PARALLEL says`
            : 'FAST_CONCURRENCY not set: 1 fast answer in flight, matching a stock Ollama (OLLAMA_NUM_PARALLEL defaults to 1); if your Ollama runs with more slots, set FAST_CONCURRENCY to the same number',
        );
      }
      logger.info({ roles: [...roles], platforms: adapters.map((a) => a.platform), fastModel: config.FAST_MODEL, slowModel: config.SLOW_MODEL, fastConcurrency: config.FAST_CONCURRENCY, prefix }, 'bot started');
    },
    close() {
      closing ??= (async () => {
        const step = async (name: string, fn: () => Promise<unknown>) => {
          try {
            await fn();
          } catch (err) {
            logger.warn({ err, step: name }, 'shutdown step failed; continuing');
          }
        };
        accepting = false;
        preloads.abort();
        if (heartbeat) clearInterval(heartbeat);
        if (panel) await step('close panel', () => panel.close());
        if (metricsServer) await step('close metrics', () => metricsServer.close());
        const grace = config.SHUTDOWN_GRACE_MS;
        // answers in flight may finish within the grace period; the rest are aborted and retried elsewhere
        const order: Role[] = [...ROUTE_NAMES, 'gateway'];
        for (const role of order) {
          for (const { worker } of workers.filter((w) => w.role === role)) {
            await step(`close ${role} worker`, async () => {
              let timer: NodeJS.Timeout | undefined;
              const graceful = worker.close();
              const expired = new Promise<'expired'>((r) => (timer = setTimeout(() => r('expired'), grace)));
              if ((await Promise.race([graceful, expired])) === 'expired') {
                logger.warn({ role, graceMs: grace }, 'grace period over; aborting jobs in flight (they will be retried)');
                worker.cancelAllJobs('shutdown');
                await Promise.race([graceful, new Promise((r) => setTimeout(r, 2_000))]);
                await worker.close(true);
              }
              clearTimeout(timer);
            });
            await step(`heartbeat ${role}`, () => redis.del(heartbeatKey(prefix, role, host)));
          }
        }
        if (commands) await step('close chat commands', () => commands!.close());
        for (const a of adapters) await step(`close ${a.platform}`, () => a.close());
        await step('close controls', () => controls.close());
        await step('close memory', () => memory.close());
        await step('close queues', () => queues.close());
        await step('close redis', () => redis.quit());
        logger.info('bot stopped');
        await step('flush logs', () => new Promise<void>((r) => logger.flush(() => r())));
      })();
      return closing;
    },
  };
}

/** Wait until nothing is queued or running (stable over two checks), at most `maxMs`. */
export async function waitDrained(app: App, maxMs: number): Promise<boolean> {
  const end = Date.now() + maxMs;
  let quiet = 0;
  while (Date.now() < end) {
    quiet = (await app.drained()) ? quiet + 1 : 0;
    if (quiet >= 2) return true;
    await new Promise((r) => setTimeout(r, 150));
  }
  return false;
}

