/**
 * Retrieval (issue 14, item 4) against the real Redis and the fake Ollama's /api/embed over
 * real sockets: what a search finds for a viewer, what it must never find, that forgetting
 * leaves nothing behind, and that a broken or slow embedding model costs an answer at most
 * the search timeout.
 */
import type { Redis } from 'ioredis';
import { Redis as IORedis } from 'ioredis';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memoryKeys } from '../../src/memory/keys.js';
import { createRetrieval, type Retrieval, type RetrievalDeps } from '../../src/memory/retrieval.js';
import type { Exchange } from '../../src/memory/types.js';
import { FAKE_DEFAULT_MODELS, startFakeOllama, type FakeOllama } from '../fakes/ollama.js';
import { LogCapture } from '../helpers/log-capture.js';
import { dropPrefix, newRedis, uniquePrefix } from '../helpers/redis.js';
import { scanKeys } from '../../src/redis.js';

const EMBED = 'nomic-embed-text';
const MODELS = { ...FAKE_DEFAULT_MODELS, [EMBED]: { capabilities: ['embedding'], embeddingLength: 768, contextLength: 2048 } };
const FLOOR = 0.3;

let fake: FakeOllama;
let redis: Redis;
let prefix: string;
let logs: LogCapture;
const opened: Retrieval[] = [];

beforeEach(async () => {
  fake = await startFakeOllama({ models: MODELS });
  redis = newRedis();
  prefix = uniquePrefix('retr');
  logs = new LogCapture();
});

afterEach(async () => {
  for (const r of opened.splice(0)) await r.close();
  await fake.close();
  await dropPrefix(prefix);
  redis.disconnect();
});

function retrieval(over: Partial<RetrievalDeps> = {}): Retrieval {
  const r = createRetrieval({
    redis,
    prefix,
    logger: pino({ level: 'debug' }, logs).child({ component: 'retrieval' }),
    ollamaHost: fake.host,
    model: EMBED,
    topK: 3,
    minSimilarity: FLOOR,
    ...over,
  });
  opened.push(r);
  return r;
}

let seq = 0;
const T0 = Date.now() - 3_600_000;
function ex(userId: string, comment: string, answer: string, over: Partial<Exchange> = {}): Exchange {
  seq++;
  return {
    id: `msg-${seq}`,
    platform: 'twitch',
    channel: 'botan_ch',
    userId,
    login: `login${userId}`,
    name: `Name${userId}`,
    comment,
    answer,
    route: 'fast',
    at: T0 + seq * 1000,
    ...over,
  };
}

const ALICE = '1001';
const BOB = '2002';
const q = (userId: string, text: string, over: Partial<Parameters<Retrieval['search']>[0]> = {}) => ({ platform: 'twitch' as const, channel: 'botan_ch', userId, text, ...over });
const warnings = () => logs.lines.filter((l) => l.level === 40);

describe('search finds what is similar', () => {
  it("finds the viewer's own similar exchange first (English and Japanese)", async () => {
    const r = retrieval();
    const cat = ex(ALICE, 'my cat is called Tama', 'Tama is a lovely name for a cat!');
    const game = ex(ALICE, 'I am playing Elden Ring tonight', 'Good luck with the bosses!');
    const neko = ex(ALICE, 'うちの猫の名前はミケだよ', 'ミケちゃん、かわいい名前！');
    for (const e of [cat, game, neko]) await r.index(e);

    const hits = await r.search(q(ALICE, "do you remember my cat's name?"));
    expect(hits[0]).toMatchObject({ scope: 'viewer', exchange: { id: cat.id, comment: cat.comment, answer: cat.answer } });
    expect(hits.map((h) => h.exchange.id)).not.toContain(game.id);

    const ja = await r.search(q(ALICE, '猫の名前覚えてる？'));
    expect(ja[0]).toMatchObject({ scope: 'viewer', exchange: { id: neko.id } });
    for (const h of [...hits, ...ja]) expect(h.score).toBeGreaterThanOrEqual(FLOOR);

    // One embedding per stored exchange (comment + answer), one per search, as Ollama's API wants it.
    expect(fake.embedRequests.map((x) => x.input)).toEqual([
      [`${cat.comment}\n${cat.answer}`],
      [`${game.comment}\n${game.answer}`],
      [`${neko.comment}\n${neko.answer}`],
      ["do you remember my cat's name?"],
      ['猫の名前覚えてる？'],
    ]);
    expect(fake.embedRequests.every((x) => x.model === EMBED)).toBe(true);
  });

  it("gives other viewers' exchanges of the same channel only as scope 'channel'", async () => {
    const r = retrieval();
    await r.index(ex(BOB, 'my cat is called Kuro', 'Kuro is a cool name for a black cat!'));
    await r.index(ex(BOB, 'my cat is called Sora', 'Sora is a lovely name for a cat!', { channel: 'other_ch' }));
    const own = ex(ALICE, 'my cat is called Tama', 'Tama is a lovely name for a cat!');
    await r.index(own);

    const hits = await r.search(q(ALICE, "what's my cat called?"));
    expect(hits.map((h) => [h.exchange.comment, h.scope])).toEqual(
      expect.arrayContaining([
        ['my cat is called Tama', 'viewer'],
        ['my cat is called Kuro', 'channel'],
      ]),
    );
    // Bob's exchange in another channel is not this channel's memory.
    expect(hits.map((h) => h.exchange.comment)).not.toContain('my cat is called Sora');
    for (const h of hits) {
      if (h.scope === 'viewer') expect(h.exchange.userId).toBe(ALICE);
      else expect(h.exchange.userId).not.toBe(ALICE);
    }
    // The viewer's own exchange is returned once, as theirs, not again from the channel hash.
    expect(hits.filter((h) => h.exchange.id === own.id)).toHaveLength(1);
  });

  it("never returns another viewer's exchange as 'viewer', even if one sits in the viewer's hash", async () => {
    const r = retrieval();
    const bobs = ex(BOB, 'my cat is called Kuro', 'Kuro is a cool name!', { channel: 'other_ch' });
    await r.index(bobs);
    const keys = memoryKeys(prefix);
    // A stray entry (a bug elsewhere, a hand edit): Bob's exchange under Alice's key.
    const raw = await redis.hget(keys.viewerVectors('twitch', BOB), bobs.id);
    await redis.hset(keys.viewerVectors('twitch', ALICE), bobs.id, raw!);

    const hits = await r.search(q(ALICE, 'what is my cat called?'));
    expect(hits).toEqual([]);
  });

  it('respects the floor, top k, best first, and the ids the prompt already has', async () => {
    const r = retrieval({ topK: 2 });
    const a = ex(ALICE, 'my cat is called Tama', 'Tama is a lovely name for a cat!');
    const b = ex(ALICE, 'my cat Tama likes fish', 'Cats and fish, a classic!');
    const c = ex(ALICE, 'my cat Tama sleeps all day', 'Cats sleep a lot!');
    const far = ex(ALICE, 'which GPU should I buy for streaming', 'A used 3060 is plenty.');
    for (const e of [a, b, c, far]) await r.index(e);

    const hits = await r.search(q(ALICE, 'tell me about my cat Tama'));
    expect(hits).toHaveLength(2);
    expect(hits[0]!.score).toBeGreaterThanOrEqual(hits[1]!.score);
    expect(hits.map((h) => h.exchange.id)).not.toContain(far.id);

    const without = await r.search(q(ALICE, 'tell me about my cat Tama', { excludeIds: hits.map((h) => h.exchange.id) }));
    expect(without.map((h) => h.exchange.id)).toHaveLength(1);
    expect(without.map((h) => h.exchange.id)).not.toEqual(expect.arrayContaining(hits.map((h) => h.exchange.id)));

    // Nothing related: nothing returned rather than the least bad.
    expect(await r.search(q(ALICE, 'what time does the stream end today?'))).toEqual([]);
    // A floor above every score: nothing.
    expect(await retrieval({ minSimilarity: 0.999 }).search(q(ALICE, 'tell me about my cat Tama'))).toEqual([]);
  });

  it('ignores vectors of another embedding model and entries past retention', async () => {
    let now = Date.now();
    const r1 = retrieval({ now: () => now, retentionMs: 3_600_000 });
    await r1.index(ex(ALICE, 'my cat is called Tama', 'Tama is a lovely name!', { at: now }));
    expect(await r1.search(q(ALICE, 'my cat name?'))).toHaveLength(1);

    // Switching EMBED_MODEL: the old vectors are not comparable.
    const r2 = retrieval({ model: 'qwen2.5:14b' });
    expect(await r2.search(q(ALICE, 'my cat name?'))).toEqual([]);

    now += 3_600_001;
    expect(await r1.search(q(ALICE, 'my cat name?'))).toEqual([]);
  });
});

describe('warm', () => {
  it('loads the model with an empty /api/embed, keeping it loaded as asked', async () => {
    const r = retrieval({ keepAlive: '30m' });
    expect(await r.warm()).toBe(true);
    expect(fake.embedRequests).toMatchObject([{ model: EMBED, input: [], keep_alive: '30m' }]);
    expect(await retrieval({ model: 'bge-m3' }).warm()).toBe(false);
    expect(warnings()).toMatchObject([{ code: 'BOT_ERR_MODEL_NOT_FOUND', op: 'warm' }]);
  });
});

describe('storage', () => {
  it('stores each exchange once per hash, compactly, expiring like the rest of memory', async () => {
    const r = retrieval({ retentionMs: 86_400_000 });
    const e = ex(ALICE, 'my cat is called Tama', 'Tama is a lovely name!');
    await r.index(e);
    const keys = memoryKeys(prefix);
    const vKey = keys.viewerVectors('twitch', ALICE);
    const cKey = keys.channelVectors('twitch', 'botan_ch');
    expect(await redis.hkeys(vKey)).toEqual([e.id]);
    expect(await redis.hkeys(cKey)).toEqual([`${ALICE}:${e.id}`]);
    const stored = JSON.parse((await redis.hget(vKey, e.id))!) as { m: string; v: string; ex: Exchange };
    expect(stored.m).toBe(EMBED);
    expect(stored.ex).toEqual(e);
    expect(Buffer.from(stored.v, 'base64').length).toBe(768 * 4);
    for (const k of [vKey, cKey]) {
      const ttl = await redis.pttl(k);
      expect(ttl).toBeGreaterThan(86_000_000);
      expect(ttl).toBeLessThanOrEqual(86_400_000);
    }
  });

  it('caps each hash: the oldest entries go', async () => {
    const r = retrieval({ maxPerScope: { viewer: 5, channel: 8 } });
    const all: Exchange[] = [];
    for (let i = 0; i < 14; i++) {
      const e = ex(ALICE, `note number ${i} about cats`, `noted ${i}`);
      all.push(e);
      await r.index(e);
    }
    const keys = memoryKeys(prefix);
    const viewer = await redis.hkeys(keys.viewerVectors('twitch', ALICE));
    const channel = await redis.hkeys(keys.channelVectors('twitch', 'botan_ch'));
    // Trimmed back to the cap once it is passed by more than a tenth (at least one).
    expect(viewer.length).toBeGreaterThanOrEqual(5);
    expect(viewer.length).toBeLessThanOrEqual(6);
    expect(channel.length).toBeGreaterThanOrEqual(8);
    expect(channel.length).toBeLessThanOrEqual(9);
    expect(viewer).toEqual(expect.arrayContaining(all.slice(-5).map((e) => e.id)));
    expect(viewer).not.toContain(all[0]!.id);
    expect(channel).not.toContain(`${ALICE}:${all[0]!.id}`);
  });
});

describe('forget', () => {
  it("leaves no key or field with the viewer's data, and keeps everyone else's", async () => {
    const r = retrieval();
    const secret = 'my cat is called Tamasecret';
    await r.index(ex(ALICE, secret, 'Lovely name!'));
    await r.index(ex(ALICE, `${secret} and she likes fish`, 'Cats love fish!', { channel: 'second_ch' }));
    await r.index(ex(ALICE, `${secret} on youtube`, 'Hello!', { platform: 'youtube', channel: 'vid123' }));
    await r.index(ex(BOB, 'my dog is called Pochi', 'Pochi is cute!'));
    await r.index(ex(BOB, 'my dog is called Pochi too', 'Pochi again!', { channel: 'second_ch' }));

    await r.forget('twitch', ALICE);

    // Every Twitch key: none named after Alice, no field or value holding what she said.
    const twitchKeys = (await scanKeys(redis, `${prefix}:*`)).filter((k) => k.includes(':twitch:'));
    expect(twitchKeys.length).toBeGreaterThan(0);
    for (const key of twitchKeys) {
      expect(key).not.toContain(`:${ALICE}`);
      for (const [f, v] of Object.entries(await redis.hgetall(key))) {
        expect(f.startsWith(`${ALICE}:`)).toBe(false);
        expect(v).not.toContain('Tamasecret');
        expect(v).not.toContain(`"userId":"${ALICE}"`);
      }
    }
    // Bob's entries are all still there, in both channels.
    const keys = memoryKeys(prefix);
    expect(await redis.hlen(keys.viewerVectors('twitch', BOB))).toBe(2);
    expect(await redis.hkeys(keys.channelVectors('twitch', 'botan_ch'))).toEqual([expect.stringMatching(new RegExp(`^${BOB}:`))]);
    expect(await redis.hkeys(keys.channelVectors('twitch', 'second_ch'))).toEqual([expect.stringMatching(new RegExp(`^${BOB}:`))]);
    // The same user id on another platform is another person: untouched.
    expect(await redis.hlen(keys.viewerVectors('youtube', ALICE))).toBe(1);
    // Alice's search finds nothing of hers any more.
    const hits = await r.search(q(ALICE, 'what is my cat called?'));
    expect(hits.filter((h) => h.scope === 'viewer')).toEqual([]);
  });

  it('treats glob characters in a user id literally', async () => {
    const r = retrieval();
    await r.index(ex('1*', 'my cat is called Tama', 'Nice!'));
    await r.index(ex('12', 'my dog is called Pochi', 'Nice!'));
    await r.forget('twitch', '1*');
    const keys = memoryKeys(prefix);
    expect(await redis.hkeys(keys.channelVectors('twitch', 'botan_ch'))).toEqual([expect.stringMatching(/^12:/)]);
  });

  it('forgetAll removes every vector hash under the prefix and nothing else', async () => {
    const r = retrieval();
    await r.index(ex(ALICE, 'my cat is called Tama', 'Nice!'));
    await r.index(ex(BOB, 'my dog is called Pochi', 'Nice!', { platform: 'youtube', channel: 'vid1' }));
    await redis.set(`${prefix}:mem:v:twitch:${ALICE}`, 'kept by another module');
    await r.forgetAll();
    expect(await scanKeys(redis, `${prefix}:*`)).toEqual([`${prefix}:mem:v:twitch:${ALICE}`]);
  });
});

describe('faults never cost more than the timeout', () => {
  it('embedding model down: [] at once, one warning, index does not throw, then recovers', async () => {
    const r = retrieval();
    await r.index(ex(ALICE, 'my cat is called Tama', 'Nice!'));
    await fake.down();
    const t0 = performance.now();
    expect(await r.search(q(ALICE, 'my cat name?'))).toEqual([]);
    expect(await r.search(q(ALICE, 'my cat name again?'))).toEqual([]);
    await r.index(ex(ALICE, 'my dog is called Pochi', 'Nice!'));
    expect(performance.now() - t0).toBeLessThan(1500);
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toMatchObject({ component: 'retrieval', code: 'BOT_ERR_OLLAMA_UNREACHABLE', model: EMBED });

    await fake.up();
    expect(await r.search(q(ALICE, 'my cat name?'))).toHaveLength(1);
    await logs.waitFor('retrieval working again');
    // The exchange indexed while Ollama was down is simply not retrievable.
    expect(await r.search(q(ALICE, 'my dog name?'))).toEqual([]);
  });

  it('embedding model slow: [] after the timeout, not after the model', async () => {
    const r = retrieval({ timeoutMs: 300 });
    await r.index(ex(ALICE, 'my cat is called Tama', 'Nice!'));
    fake.setEmbed({ delayMs: 5_000 });
    const t0 = performance.now();
    const hits = await r.search(q(ALICE, 'my cat name?'));
    const took = performance.now() - t0;
    expect(hits).toEqual([]);
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(1_000);
    await r.search(q(ALICE, 'my cat name?'));
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toMatchObject({ code: 'BOT_ERR_RETRIEVAL_TIMEOUT' });
  });

  it.each([
    ['model not pulled', { model: 'bge-m3' }, {}, 'BOT_ERR_MODEL_NOT_FOUND'],
    ['HTTP 500', {}, { fault: 'http500' as const }, 'BOT_ERR_OLLAMA_HTTP'],
    ['socket closed', {}, { fault: 'close_socket' as const }, 'BOT_ERR_STREAM_CUT'],
  ])('%s: [] and one warning naming it', async (_n, deps, behaviour, code) => {
    const r = retrieval(deps);
    fake.setEmbed(behaviour);
    expect(await r.search(q(ALICE, 'my cat name?'))).toEqual([]);
    await r.index(ex(ALICE, 'my cat is called Tama', 'Nice!'));
    expect(await r.search(q(ALICE, 'my cat name?'))).toEqual([]);
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toMatchObject({ code });
    if (code === 'BOT_ERR_MODEL_NOT_FOUND') expect(String(warnings()[0]!.error)).toContain('ollama pull bge-m3');
  });

  it('Redis unreachable: [] within the timeout', async () => {
    const dead = new IORedis('redis://127.0.0.1:1', { maxRetriesPerRequest: null, lazyConnect: true, retryStrategy: () => 200 });
    dead.on('error', () => undefined);
    try {
      const r = retrieval({ redis: dead, timeoutMs: 300 });
      const t0 = performance.now();
      expect(await r.search(q(ALICE, 'my cat name?'))).toEqual([]);
      expect(performance.now() - t0).toBeLessThan(1_000);
      expect(warnings()).toHaveLength(1);
      expect(warnings()[0]).toMatchObject({ code: 'BOT_ERR_RETRIEVAL_TIMEOUT' });
    } finally {
      dead.disconnect();
    }
  }, 15_000);

  it("the caller's abort gives [] at once, without a warning", async () => {
    const r = retrieval({ timeoutMs: 5_000 });
    fake.setEmbed({ delayMs: 3_000 });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const t0 = performance.now();
    expect(await r.search(q(ALICE, 'my cat name?', { signal: ac.signal }))).toEqual([]);
    expect(performance.now() - t0).toBeLessThan(1_000);
    expect(warnings()).toEqual([]);
  });

  it('after close, calls do nothing and nothing is left in flight', async () => {
    const r = retrieval();
    fake.setEmbed({ delayMs: 3_000 });
    const pending = r.index(ex(ALICE, 'my cat is called Tama', 'Nice!'));
    await new Promise((res) => setTimeout(res, 50));
    await r.close();
    await pending;
    expect(await r.search(q(ALICE, 'my cat name?'))).toEqual([]);
    expect(await redis.exists(memoryKeys(prefix).viewerVectors('twitch', ALICE))).toBe(0);
    expect(warnings()).toEqual([]);
  });
});
