import { hostname } from 'node:os';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { loadCharacter, type Character } from './character.js';
import type { Config } from './config.js';
import { BotError } from './errors.js';
import { createControls } from './controls/store.js';
import { recordEvent } from './events.js';
import { createFastHandler } from './handlers/fast.js';
import { createIntake } from './handlers/intake.js';
import { createOutboxHandler } from './handlers/outbox.js';
import { createSlowHandler } from './handlers/slow.js';
import type { HandlerContext } from './handlers/context.js';
import { HEARTBEAT_EVERY_MS, HEARTBEAT_TTL_S, heartbeatKey, type Role } from './heartbeat.js';
import { createOllamaClient } from './llm/ollama-client.js';
import type { ModelClient } from './llm/types.js';
import { checkModels, modelsFor } from './llm/preflight.js';
import type { Logger } from './log.js';
import { createAdapters, type AdapterOptions } from './platforms/index.js';
import { createPacer } from './platforms/pacer.js';
import type { ChatAdapter } from './platforms/port.js';
import { createQueues, QUEUE } from './queues.js';
import { createRedis } from './redis.js';
import { BUILTIN_SLURS } from './reply/slurs.js';
import type { Platform } from './types.js';

export interface AppOptions {
  config: Config;
  logger: Logger;
  /** Which parts run in this process; `npm start` runs all three. */
  roles: readonly Role[];
  /** Adapters to use instead of the configured live ones (console chat, replay). */
  adapters?: ChatAdapter[];
  character?: Character;
  /** How often the live adapters re-read the stream's title and category (defaults: YouTube 10 min, Twitch 3 min). */
  streamInfoRefreshMs?: AdapterOptions['streamInfoRefreshMs'];
}

export interface App {
  start(): Promise<void>;
  /** Ordered, idempotent shutdown; every step runs even if another fails. */
  close(): Promise<void>;
  readonly redis: Redis;
  readonly ctx: HandlerContext;
  /** Problems with the Ollama hosts/models this process needs (empty when ready). */
  checkModels(): Promise<string[]>;
  /** True when no comment, slow or outbox job is waiting, delayed or running. */
  drained(): Promise<boolean>;
}

/**
 * Lock and stall settings: a killed worker's job is picked up again within seconds. BullMQ
 * renews a lock every lockDuration/2; a job whose lock lapsed is moved back to wait by the
 * next stalled check, so recovery takes about lockDuration + stalledInterval (up to one
 * more interval). Fast and gateway: ~6-9 s, well inside fast_max_age_s (20 s) so a killed
 * fast answer is still given; the cost of a false stall (event loop blocked > 3 s) is one
 * extra model call, never a second post (outbox job id + posted key). Slow: ~15-25 s,
 * small next to slow answers (12 s to minutes) and slow_max_age_s (300 s), with more
 * tolerance for slow workers on other hosts (network hiccups to Redis).
 */
const WORKER_TUNING = {
  fast: { lockDuration: 6_000, stalledInterval: 3_000, maxStalledCount: 1 },
  slow: { lockDuration: 15_000, stalledInterval: 5_000, maxStalledCount: 2 },
  gateway: { lockDuration: 6_000, stalledInterval: 3_000, maxStalledCount: 1 },
} as const;

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

/** The password in REDIS_URL (redis://user:password@host), decoded; never to be posted. */
function redisPassword(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
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
  const controls = createControls({ redis, prefix, logger: logger.child({ component: 'controls' }) });
  const clients = new Map<string, ModelClient>();
  const clientFor = (host: string) => {
    let c = clients.get(host);
    if (!c) clients.set(host, (c = createOllamaClient({ host, logger: logger.child({ component: 'ollama' }) })));
    return c;
  };
  const secrets = [config.TWITCH_OAUTH_TOKEN, config.TWITCH_OAUTH_TOKEN?.replace(/^oauth:/, ''), config.YOUTUBE_CLIENT_SECRET, config.YOUTUBE_REFRESH_TOKEN, redisPassword(config.REDIS_URL)]
    .filter((s): s is string => !!s && s.length >= 6);
  const ctx: HandlerContext = {
    config,
    logger,
    redis,
    prefix,
    queues,
    controls,
    character,
    names: [character.name, ...character.aliases, ...(config.TWITCH_USERNAME ? [config.TWITCH_USERNAME] : [])],
    fast: {
      client: clientFor(config.fastHost),
      model: config.FAST_MODEL,
      numCtx: config.FAST_NUM_CTX,
      keepAlive: config.OLLAMA_KEEP_ALIVE,
      firstTokenTimeoutMs: config.FAST_FIRST_TOKEN_TIMEOUT_MS,
      totalTimeoutMs: config.FAST_TIMEOUT_MS,
    },
    slow: {
      client: clientFor(config.slowHost),
      model: config.SLOW_MODEL,
      numCtx: config.SLOW_NUM_CTX,
      keepAlive: config.OLLAMA_KEEP_ALIVE,
      firstTokenTimeoutMs: config.SLOW_FIRST_TOKEN_TIMEOUT_MS,
      totalTimeoutMs: config.SLOW_TIMEOUT_MS,
    },
    secrets,
    slurs: BUILTIN_SLURS,
    now: Date.now,
  };

  const workers: { role: Role; worker: Worker }[] = [];
  let adapters: ChatAdapter[] = [];
  let heartbeat: NodeJS.Timeout | undefined;
  let accepting = false;
  /** Comments handed over by an adapter whose intake has not finished yet. */
  let intakesInFlight = 0;
  const startedAt = Date.now();
  const host = hostname();

  function makeWorker(role: Role, queue: string, processor: (job: Job, token?: string, signal?: AbortSignal) => Promise<unknown>, concurrency: number) {
    const log = logger.child({ component: role });
    const worker = new Worker(queue, permanentIsFinal(processor), { connection: redis, prefix, concurrency, autorun: false, ...WORKER_TUNING[role] });
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
  if (roles.has('fast')) makeWorker('fast', QUEUE.comments, createFastHandler(ctx) as never, config.FAST_CONCURRENCY);
  if (roles.has('slow')) makeWorker('slow', QUEUE.slow, createSlowHandler(ctx) as never, config.SLOW_CONCURRENCY);
  if (roles.has('gateway')) {
    adapters = opts.adapters ?? createAdapters(config, { redis, prefix, logger }, { streamInfoRefreshMs: opts.streamInfoRefreshMs });
    const byPlatform = new Map<Platform, ChatAdapter>(adapters.map((a) => [a.platform, a]));
    makeWorker('gateway', QUEUE.outbox, createOutboxHandler(ctx, byPlatform, createPacer()) as never, 16);
  }

  async function beat() {
    await Promise.all(
      workers.map(async ({ role, worker }) => {
        if (!worker.isRunning()) return;
        const value = JSON.stringify({ role, host, pid: process.pid, startedAt, at: Date.now() });
        await redis.set(heartbeatKey(prefix, role, host), value, 'EX', HEARTBEAT_TTL_S).catch(() => undefined);
      }),
    );
  }

  let closing: Promise<void> | undefined;
  return {
    redis,
    ctx,
    checkModels: () => checkModels(modelsFor([...roles], config, ctx.fast.client, ctx.slow.client)),
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
      await beat();
      heartbeat = setInterval(() => void beat(), HEARTBEAT_EVERY_MS);
      heartbeat.unref();
      if (roles.has('gateway')) {
        const intake = createIntake(ctx);
        accepting = true;
        await Promise.all(
          adapters.map((a) =>
            a.start((c) => {
              if (!accepting) return;
              intakesInFlight++;
              intake(c)
                .catch((err) => logger.error({ err, platform: a.platform }, 'could not queue a comment'))
                .finally(() => intakesInFlight--);
            }),
          ),
        );
      }
      logger.info({ roles: [...roles], platforms: adapters.map((a) => a.platform), fastModel: config.FAST_MODEL, slowModel: config.SLOW_MODEL, prefix }, 'bot started');
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
        if (heartbeat) clearInterval(heartbeat);
        const grace = config.SHUTDOWN_GRACE_MS;
        // answers in flight may finish within the grace period; the rest are aborted and retried elsewhere
        const order: Role[] = ['fast', 'slow', 'gateway'];
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
        for (const a of adapters) await step(`close ${a.platform}`, () => a.close());
        await step('close controls', () => controls.close());
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

