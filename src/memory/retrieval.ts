/**
 * Retrieval, the RAG half of memory (issue 14, item 4; only with EMBED_MODEL set). When an
 * exchange is stored, "comment + answer" is embedded once through Ollama's `/api/embed` and
 * kept, with the exchange, in the viewer's hash (`viewerVectors`, field = exchange id) and
 * the channel's hash (`channelVectors`, field = `<userId>:<exchangeId>`). A new comment is
 * embedded once and compared in process (cosine) with the viewer's and the channel's entries.
 *
 * The scan is the whole lookup, so it is the one thing to swap for Redis's own vector search
 * (FT.SEARCH KNN, Redis 8 / Redis Stack) when a channel keeps more entries than the scan
 * handles in time: docs/memory.md says at what size. Nothing outside this module knows how
 * vectors are stored or compared.
 *
 * `search` never throws and never holds an answer up for longer than `timeoutMs`: any fault
 * (Ollama down, slow, model missing, Redis away) gives [] and one warning per kind of fault
 * until retrieval works again.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Redis } from 'ioredis';
import { Ollama } from 'ollama';
import { BotError } from '../errors.js';
import { runWithDeadline } from '../llm/deadline.js';
import { classifyOllamaError } from '../llm/errors.js';
import type { Logger } from '../log.js';
import type { Platform } from '../types.js';
import { memoryKeys } from './keys.js';
import type { Exchange } from './types.js';
import { decodeEntry, decodeVector, dot, encodeEntry, normalize, offerTop, readEntryHead, readEntryHeadBuffer } from './vectors.js';

export interface RetrievalDeps {
  redis: Redis;
  /** REDIS_PREFIX. */
  prefix: string;
  /** The caller names the component: pass `logger.child({ component: 'retrieval' })`. */
  logger: Logger;
  /** The Ollama that serves the embedding model. */
  ollamaHost: string;
  /** EMBED_MODEL, e.g. nomic-embed-text or bge-m3. */
  model: string;
  /** MEMORY_TOP_K: at most this many exchanges per search. */
  topK: number;
  /** MEMORY_MIN_SIMILARITY: cosine below this is never returned. */
  minSimilarity: number;
  /** Entries kept per hash; the oldest go first (default viewer 200, channel 500: see docs/memory.md for why). */
  maxPerScope?: { viewer?: number; channel?: number };
  /** How long entries live (MEMORY_RETENTION_DAYS in ms; default 30 days). */
  retentionMs?: number;
  /** Whole budget of one search, embedding included (default 300 ms). */
  timeoutMs?: number;
  /** Budget of the embedding when an exchange is indexed, in the background (default 10 s). */
  indexTimeoutMs?: number;
  /** `keep_alive` sent with each embedding request (e.g. OLLAMA_KEEP_ALIVE), so the model stays loaded. */
  keepAlive?: string | number;
  /** Clock (tests). */
  now?: () => number;
}

export interface RetrievalQuery {
  platform: Platform;
  channel: string;
  userId: string;
  /** The new comment (sanitized), embedded once. */
  text: string;
  /** Exchange ids the prompt already carries (the thread): never returned again. */
  excludeIds?: string[];
  /** The job's signal: when it aborts, search gives [] at once. */
  signal?: AbortSignal;
}

export interface RetrievalHit {
  exchange: Exchange;
  /** Cosine similarity to the new comment, in [minSimilarity, 1]. */
  score: number;
  /** `viewer`: one of the same viewer's own exchanges; `channel`: another viewer's in this channel. */
  scope: 'viewer' | 'channel';
}

export interface Retrieval {
  /** Embed and store an exchange (both hashes). Never throws: a failure is logged and the exchange is simply not retrievable. */
  index(ex: Exchange): Promise<void>;
  /** The top-k past exchanges most similar to `q.text`, at or above the floor, best first. Never throws; [] on any fault or after `timeoutMs`. */
  search(q: RetrievalQuery): Promise<RetrievalHit[]>;
  /** Remove the viewer's vector hash and their fields in every channel vector hash of that platform. */
  forget(platform: Platform | string, userId: string): Promise<void>;
  /** Remove every vector hash under the prefix. */
  forgetAll(): Promise<void>;
  /** Load the embedding model (an empty `/api/embed`), so the first search does not pay the load. Resolves true when it answered. */
  warm(): Promise<boolean>;
  /** Abort embeddings in flight; later calls do nothing. The Redis connection belongs to the caller. */
  close(): Promise<void>;
}

const DAY_MS = 86_400_000;

/** The text an exchange is embedded by. */
export function exchangeText(ex: Pick<Exchange, 'comment' | 'answer'>): string {
  return `${ex.comment}\n${ex.answer}`;
}

/** Escape Redis glob characters so user ids and names match only themselves in SCAN/HSCAN. */
export function globEscape(s: string): string {
  return s.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/** Our own deadline ran out (not the caller's abort). */
class RetrievalTimeout extends BotError {
  constructor(what: string, ms: number) {
    super('BOT_ERR_RETRIEVAL_TIMEOUT', `${what} took longer than ${ms} ms; retrieval skipped for this comment (the answer goes on without it)`, true);
  }
}

/** Ollama answered, but not with one vector per text. */
class BadEmbedding extends BotError {
  constructor(detail: string) {
    super('BOT_ERR_EMBED_RESPONSE', `the embedding model's answer was not usable (${detail}): is EMBED_MODEL an embedding model?`, false);
  }
}

class Aborted extends Error {}

export function createRetrieval(deps: RetrievalDeps): Retrieval {
  const { redis, model, logger: log } = deps;
  const keys = memoryKeys(deps.prefix);
  const topK = Math.max(0, Math.floor(deps.topK));
  const floor = deps.minSimilarity;
  const capViewer = Math.max(1, deps.maxPerScope?.viewer ?? 200);
  const capChannel = Math.max(1, deps.maxPerScope?.channel ?? 500);
  const retentionMs = deps.retentionMs ?? 30 * DAY_MS;
  const timeoutMs = deps.timeoutMs ?? 300;
  const indexTimeoutMs = deps.indexTimeoutMs ?? 10_000;
  const now = deps.now ?? Date.now;

  // ollama-js's embed() takes no AbortSignal: hand it a fetch that takes the call's signal.
  const scope = new AsyncLocalStorage<AbortSignal>();
  const scopedFetch: typeof fetch = (input, init) => {
    const signal = scope.getStore();
    return fetch(input, signal ? { ...init, signal } : init);
  };
  const ollama = new Ollama({ host: deps.ollamaHost, fetch: scopedFetch });
  const inFlight = new Set<AbortController>();
  let closed = false;

  // One warning per kind of fault until retrieval works again.
  const warned = new Set<string>();
  function fault(kind: string, err: unknown, op: 'index' | 'search' | 'forget' | 'warm'): void {
    const code = err instanceof BotError ? err.code : kind;
    if (warned.has(code)) return;
    warned.add(code);
    const hint = code === 'BOT_ERR_MODEL_NOT_FOUND' ? `; run \`ollama pull ${model}\` on that host or change EMBED_MODEL` : '';
    log.warn({ op, code, model, error: `${err instanceof Error ? err.message : String(err)}${hint}` }, 'retrieval degraded: answers go on without retrieved memories');
  }
  function healthy(): void {
    if (warned.size === 0) return;
    log.info({ model, recovered: [...warned] }, 'retrieval working again');
    warned.clear();
  }

  /** Embed texts within `ms`, aborted early by `signal`. Vectors come back unit length. */
  function embed(input: string[], ms: number, signal: AbortSignal | undefined, what: string): Promise<Float32Array[]> {
    return runWithDeadline(
      ms,
      signal,
      async (controller) => {
        inFlight.add(controller);
        try {
          const res = await scope.run(controller.signal, () =>
            ollama.embed({ model, input, truncate: true, ...(deps.keepAlive !== undefined ? { keep_alive: deps.keepAlive } : {}) }),
          );
          const vs = res?.embeddings;
          if (!Array.isArray(vs) || vs.length !== input.length) throw new BadEmbedding(`${Array.isArray(vs) ? vs.length : 'no'} embeddings for ${input.length} texts`);
          return vs.map((v) => {
            if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) throw new BadEmbedding('a vector is empty or not numbers');
            return normalize(v);
          });
        } finally {
          inFlight.delete(controller);
        }
      },
      (why, err) =>
        why === 'timeout' ? new RetrievalTimeout(what, ms) : why === 'aborted' || closed ? new Aborted() : classifyOllamaError(err, { host: deps.ollamaHost, model, streamOpen: false }),
    );
  }

  async function index(ex: Exchange): Promise<void> {
    if (closed) return;
    let vector: Float32Array;
    try {
      [vector] = (await embed([exchangeText(ex)], indexTimeoutMs, undefined, 'embedding an exchange')) as [Float32Array];
    } catch (err) {
      if (!(err instanceof Aborted)) fault('embed', err, 'index');
      return;
    }
    const entry = encodeEntry({ at: ex.at, model, vector, exchange: ex });
    const vKey = keys.viewerVectors(ex.platform, ex.userId);
    const cKey = keys.channelVectors(ex.platform, ex.channel);
    try {
      const res = await redis
        .multi()
        .hset(vKey, ex.id, entry)
        .pexpire(vKey, retentionMs)
        .hset(cKey, `${ex.userId}:${ex.id}`, entry)
        .pexpire(cKey, retentionMs)
        .hlen(vKey)
        .hlen(cKey)
        .exec();
      const vLen = Number(res?.[4]?.[1] ?? 0);
      const cLen = Number(res?.[5]?.[1] ?? 0);
      // Trim with some slack, so a full hash is read once per many inserts, not on each.
      if (vLen > capViewer + slack(capViewer)) await trim(vKey, capViewer);
      if (cLen > capChannel + slack(capChannel)) await trim(cKey, capChannel);
      healthy();
    } catch (err) {
      fault('BOT_ERR_RETRIEVAL_REDIS', err, 'index');
    }
  }

  const slack = (cap: number) => Math.max(1, Math.floor(cap / 10));

  /** Drop entries past retention, then the oldest until `cap` remain. HSCAN, so Redis is never blocked long. */
  async function trim(key: string, cap: number): Promise<void> {
    const fields: { f: string; at: number }[] = [];
    let cursor = '0';
    do {
      const [next, kv] = await redis.hscan(key, cursor, 'COUNT', 200);
      cursor = next;
      for (let i = 0; i + 1 < kv.length; i += 2) fields.push({ f: kv[i]!, at: readEntryHead(kv[i + 1]!)?.at ?? 0 });
    } while (cursor !== '0');
    const oldest = now() - retentionMs;
    fields.sort((a, b) => b.at - a.at);
    const drop = fields.filter((x, i) => i >= cap || x.at < oldest).map((x) => x.f);
    for (let i = 0; i < drop.length; i += 500) await redis.hdel(key, ...drop.slice(i, i + 500));
  }

  async function lookup(q: RetrievalQuery, signal: AbortSignal, deadline: number): Promise<RetrievalHit[]> {
    // The hashes are read while the comment is embedded.
    const reads = readScopes(redis, keys, q);
    reads.catch(() => undefined); // a late failure after a timeout is not unhandled
    const [qv] = (await embed([q.text], timeoutMs, signal, 'embedding the comment')) as [Float32Array];
    const { viewer, channel } = await reads;
    // The scan is synchronous: once started, no timer can cut it. Start it only within budget.
    if (signal.aborted) throw new Aborted();
    if (performance.now() > deadline) throw new RetrievalTimeout('a retrieval lookup', timeoutMs);
    return rankEntries(viewer, channel, qv, q, { model, topK, minSimilarity: floor, oldest: now() - retentionMs });
  }

  async function search(q: RetrievalQuery): Promise<RetrievalHit[]> {
    if (closed || topK === 0 || q.signal?.aborted || q.text.trim() === '') return [];
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    q.signal?.addEventListener('abort', onAbort, { once: true });
    let timer: NodeJS.Timeout | undefined;
    // The deadline covers Redis too: a command queued behind an outage is not waited for.
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs + 5);
    });
    try {
      const r = await Promise.race([lookup(q, controller.signal, performance.now() + timeoutMs), deadline]);
      if (r === 'timeout') {
        if (!q.signal?.aborted) fault('timeout', new RetrievalTimeout('a retrieval lookup', timeoutMs), 'search');
        return [];
      }
      healthy();
      return r;
    } catch (err) {
      if (!(err instanceof Aborted) && !q.signal?.aborted) fault(err instanceof BotError ? err.code : 'BOT_ERR_RETRIEVAL_REDIS', err, 'search');
      return [];
    } finally {
      clearTimeout(timer);
      controller.abort();
      q.signal?.removeEventListener('abort', onAbort);
    }
  }

  async function deleteMatching(pattern: string): Promise<void> {
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next;
      if (found.length) await redis.del(...found);
    } while (cursor !== '0');
  }

  async function forget(platform: Platform | string, userId: string): Promise<void> {
    await redis.del(keys.viewerVectors(platform, userId));
    // Every channel vector hash of the platform: `<prefix>:mem:c:<platform>:<channel>:vec`.
    const pattern = keys.channelVectors(globEscape(platform), '*');
    const fieldPattern = `${globEscape(userId)}:*`;
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next;
      for (const key of found) {
        let c = '0';
        do {
          const [n, kv] = await redis.hscan(key, c, 'MATCH', fieldPattern, 'COUNT', 500);
          c = n;
          const fields = kv.filter((_, i) => i % 2 === 0 && kv[i]!.startsWith(`${userId}:`));
          if (fields.length) await redis.hdel(key, ...fields);
        } while (c !== '0');
      }
    } while (cursor !== '0');
  }

  async function forgetAll(): Promise<void> {
    await deleteMatching(`${globEscape(deps.prefix)}:mem:*:vec`);
  }

  async function warm(): Promise<boolean> {
    if (closed) return false;
    try {
      await embed([], indexTimeoutMs, undefined, 'loading the embedding model');
      healthy();
      return true;
    } catch (err) {
      if (!(err instanceof Aborted)) fault('embed', err, 'warm');
      return false;
    }
  }

  async function close(): Promise<void> {
    closed = true;
    for (const c of inFlight) c.abort();
    inFlight.clear();
  }

  return { index, search, forget, forgetAll, warm, close };
}

/** The entries of one hash as Redis sent them: field → raw bytes. */
export type RawEntries = Record<string, Buffer>;

/**
 * The two hashes a search reads, in one round trip: the viewer's and the channel's vector
 * entries, as Buffers (decoding megabytes of replies into strings would double the cost).
 */
export async function readScopes(
  redis: Redis,
  keys: ReturnType<typeof memoryKeys>,
  q: Pick<RetrievalQuery, 'platform' | 'channel' | 'userId'>,
): Promise<{ viewer: RawEntries; channel: RawEntries }> {
  const res = await redis.multi().hgetallBuffer(keys.viewerVectors(q.platform, q.userId)).hgetallBuffer(keys.channelVectors(q.platform, q.channel)).exec();
  const err = res?.find(([e]) => e)?.[0];
  if (err) throw err;
  return { viewer: (res?.[0]?.[1] ?? {}) as RawEntries, channel: (res?.[1]?.[1] ?? {}) as RawEntries };
}

export interface RankOptions {
  model: string;
  topK: number;
  minSimilarity: number;
  /** Entries older than this (epoch ms) are past retention. */
  oldest: number;
}

type Candidate = { score: number; raw: Buffer; scope: 'viewer' | 'channel' };

/**
 * The in-process scan (the part Redis's FT.SEARCH KNN would replace): score every entry of
 * the viewer's and the channel's hash against the unit query vector, keep the top k at or
 * above the floor, and parse only those. Entries of another model, past retention, listed
 * in `excludeIds`, or unreadable are skipped. A 'viewer' hit is always the viewer's own
 * exchange; a 'channel' hit is always another viewer's in this channel.
 */
export function rankEntries(
  viewer: RawEntries,
  channel: RawEntries,
  qv: Float32Array,
  q: Pick<RetrievalQuery, 'platform' | 'channel' | 'userId' | 'excludeIds'>,
  o: RankOptions,
): RetrievalHit[] {
  const excluded = new Set(q.excludeIds ?? []);
  const own = `${q.userId}:`;
  const top: Candidate[] = [];
  const scan = (entries: RawEntries, scope: 'viewer' | 'channel', skip: (field: string) => boolean) => {
    for (const field in entries) {
      if (skip(field)) continue;
      const raw = entries[field]!;
      const head = readEntryHeadBuffer(raw);
      if (!head || head.model !== o.model || head.at < o.oldest) continue;
      const v = decodeVector(head.v);
      if (!v || v.length !== qv.length) continue;
      offerTop(top, { score: dot(qv, v), raw, scope }, o.topK, o.minSimilarity);
    }
  };
  scan(viewer, 'viewer', (f) => excluded.has(f));
  // The viewer's own entries in the channel hash were seen in their own hash.
  scan(channel, 'channel', (f) => f.startsWith(own) || excluded.has(f.slice(f.indexOf(':') + 1)));
  const hits: RetrievalHit[] = [];
  const seen = new Set<string>();
  for (const c of top) {
    const e = decodeEntry(c.raw);
    if (!e || seen.has(e.exchange.id) || excluded.has(e.exchange.id)) continue;
    const ex = e.exchange;
    // Belt and braces: the hash a field came from decides the scope, the exchange must agree.
    if (c.scope === 'viewer' && (ex.userId !== q.userId || ex.platform !== q.platform)) continue;
    if (c.scope === 'channel' && (ex.userId === q.userId || ex.platform !== q.platform || ex.channel !== q.channel)) continue;
    seen.add(ex.id);
    hits.push({ exchange: ex, score: c.score, scope: c.scope });
  }
  return hits;
}
