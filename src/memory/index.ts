/**
 * Memory as a plugin (STYLE.md: a new surface is a folder exposing create…(deps)): the store,
 * the fast-slot gate, and the background extraction queue. Wired into the handler context
 * by the composition root in one line.
 */
import { Queue, type ConnectionOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { createRetrieval, type Retrieval } from './retrieval.js';
import { extractJobSchema, mayStateFacts, type ExtractJob } from './extract.js';
import { MEMORY_QUEUE } from './forget.js';
import { createSlotGate, type SlotGate } from './slots.js';
import { createMemoryStore, type MemoryStore } from './store.js';
import type { Exchange } from './types.js';

export interface Memory {
  store: MemoryStore;
  slots: SlotGate;
  /** After an exchange is posted: keep it, and queue fact extraction when it may state facts. */
  afterPosted(ex: Exchange): Promise<void>;
  /** Past exchanges similar to a comment (retrieval, only with EMBED_MODEL; [] otherwise or on any fault). */
  related(c: { platform: Exchange['platform']; channel: string; author: { id: string }; text: string }, memoryOn: boolean, excludeIds: string[]): Promise<Exchange[]>;
  retrieval?: Retrieval;
  close(): Promise<void>;
}

export function createMemory(deps: { redis: Redis; connection: ConnectionOptions; prefix: string; config: Config; names: readonly string[]; now: () => number; logger: Logger }): Memory {
  const store = createMemoryStore({ redis: deps.redis, prefix: deps.prefix, config: deps.config, now: deps.now, botLogins: deps.names });
  const slots = createSlotGate(deps.config.FAST_CONCURRENCY);
  const cfg = deps.config;
  const retrieval = cfg.EMBED_MODEL
    ? createRetrieval({
        redis: deps.redis,
        prefix: deps.prefix,
        logger: deps.logger.child({ component: 'retrieval' }),
        ollamaHost: cfg.fastHost,
        model: cfg.EMBED_MODEL,
        topK: cfg.MEMORY_TOP_K,
        minSimilarity: cfg.MEMORY_MIN_SIMILARITY,
        retentionMs: cfg.MEMORY_RETENTION_DAYS * 86_400_000,
        keepAlive: cfg.OLLAMA_KEEP_ALIVE,
        now: deps.now,
      })
    : undefined;
  let queue: Queue<ExtractJob> | undefined;
  const extractQueue = () =>
    (queue ??= new Queue<ExtractJob>(MEMORY_QUEUE, {
      connection: deps.connection,
      prefix: deps.prefix,
      // nothing of a viewer is kept in a finished job's history
      defaultJobOptions: { removeOnComplete: true, removeOnFail: { count: 100, age: 3600 }, attempts: 2, backoff: { type: 'exponential', delay: 5000 } },
      streams: { events: { maxLen: 100 } },
    }));
  return {
    store,
    slots,
    retrieval,
    async related(c, memoryOn, excludeIds) {
      if (!retrieval || !memoryOn) return [];
      const hits = await retrieval.search({ platform: c.platform, channel: c.channel, userId: c.author.id, text: c.text, excludeIds });
      return hits.map((h) => h.exchange);
    },
    async afterPosted(ex) {
      const kept = await store.remember(ex);
      if (kept && retrieval) await retrieval.index(ex);
      if (!kept || !deps.config.MEMORY_EXTRACT || !mayStateFacts(ex.comment)) return;
      const job = extractJobSchema.parse({ exchange: ex });
      // lowest priority: answers' queues are separate, and among extractions the oldest first
      await extractQueue().add('extract', job, { jobId: `x-${ex.platform}-${ex.id}`.replace(/:/g, '_'), priority: 1000 });
    },
    async close() {
      await queue?.close();
      await retrieval?.close();
    },
  };
}
