/**
 * Copypasta across viewers, through the whole pipeline (real Redis, fake Twitch, fake
 * Ollama) and at the store (the Lua script on the real Redis).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { copypastaKeys, createCopypasta, COPYPASTA_MAX_ENTRIES } from '../../src/copypasta.js';
import { commentJobId, QUEUE } from '../../src/queues.js';
import { commentSchema, type Comment } from '../../src/types.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { dropPrefix, newRedis, uniquePrefix } from '../helpers/redis.js';

// A long question that would be answered on its own (it is for the character and a question).
const PASTA =
  'does anyone know why the final boss in this game has a secret second phase that only shows up on hard mode when you beat the first phase without taking any damage at all?';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let h: Harness | undefined;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await h?.close();
  h = undefined;
  for (const fn of cleanups.splice(0)) await fn();
});

describe('copypasta through the pipeline', () => {
  it('three viewers post the same long text a second apart: nothing is posted, the first copy included', async () => {
    h = await startHarness({ ollama: { reply: () => ({ content: 'いい質問！ハードモード限定の演出だよ！' }) } });
    const ids = [];
    for (const user of ['viewer_a', 'viewer_b', 'viewer_c']) {
      ids.push(h.twitch.chat(h.channel, { user, text: PASTA }));
      await sleep(1000);
    }
    // the first copy was answered by the model, but its reply was held and then dropped at the outbox
    const dropped = await h.logs.waitFor('reply dropped', (l) => l.reason === 'copypasta', 10_000);
    expect(dropped.commentId).toBe(ids[0]);
    const skipped = h.logs.find('comment skipped', (l) => l.reason === 'copypasta').map((l) => l.commentId);
    expect(skipped.sort()).toEqual([ids[1], ids[2]].sort());
    await sleep(1500);
    expect(h.twitch.privmsgs()).toEqual([]);
  }, 30_000);

  it('a copypasta that names the character is held and dropped too (copypastas often address the streamer)', async () => {
    h = await startHarness({ ollama: { reply: () => ({ content: 'えへへ、ありがとう！' }) } });
    const text = 'Botan I have been watching since day one and I just want to say, why are you the best vtuber on this whole platform?';
    const first = h.twitch.chat(h.channel, { user: 'viewer_a', text });
    await sleep(1000);
    h.twitch.chat(h.channel, { user: 'viewer_b', text });
    expect((await h.logs.waitFor('reply dropped', (l) => l.reason === 'copypasta', 10_000)).commentId).toBe(first);
    await sleep(1000);
    expect(h.twitch.privmsgs()).toEqual([]);
  }, 30_000);

  it('near copies count too (an emote added, words changed, other case); one viewer alone is answered', async () => {
    h = await startHarness({ ollama: { reply: () => ({ content: 'ハードモード限定だよ！' }) } });
    h.twitch.chat(h.channel, { user: 'viewer_a', text: PASTA });
    await sleep(600);
    h.twitch.chat(h.channel, { user: 'viewer_b', text: `${PASTA.toUpperCase().replace('SECRET', 'HIDDEN')} Kappa` });
    await h.logs.waitFor('reply dropped', (l) => l.reason === 'copypasta', 10_000);
    // a long question of one viewer, repeated by nobody, is answered after the short hold
    const solo = h.twitch.chat(h.channel, { user: 'viewer_d', text: 'how does the matchmaking in this game decide which players end up together in ranked, is it only by rank?' });
    const [msg] = await h.twitch.waitForPrivmsgs(1, 15_000);
    expect(msg!.tags['reply-parent-msg-id']).toBe(solo);
    await sleep(500);
    expect(h.twitch.privmsgs()).toHaveLength(1);
  }, 30_000);
});

describe('intake priority of chat that is not for the character', () => {
  it('a question aimed at the chat waits behind a question for her (and is shed first)', async () => {
    // the gateway alone: comments stay in the queue with the priority intake gave them
    h = await startHarness({ roles: ['gateway'] });
    const toChat = h.twitch.chat(h.channel, { user: 'viewer_a', text: 'chat is this real?' });
    const toHer = h.twitch.chat(h.channel, { user: 'viewer_b', text: 'what game is this?' });
    const q = new Queue(QUEUE.comments, { connection: h.redis, prefix: h.prefix });
    try {
      const job = async (id: string) => {
        for (let i = 0; i < 100; i++) {
          const j = await q.getJob(commentJobId({ platform: 'twitch', id }));
          if (j) return j;
          await sleep(50);
        }
        throw new Error(`no job for ${id}`);
      };
      const [a, b] = [await job(toChat), await job(toHer)];
      expect(a.opts.priority).toBe(50);
      expect(b.opts.priority).toBeLessThan(50);
    } finally {
      await q.close();
    }
  }, 30_000);
});

describe('copypasta store (Lua on the real Redis)', () => {
  function setup(windowS = 300) {
    const prefix = uniquePrefix('cp');
    const redis = newRedis();
    cleanups.push(async () => {
      await dropPrefix(prefix);
      redis.disconnect();
    });
    return { prefix, redis, store: createCopypasta(redis, prefix, { windowS }) };
  }
  let n = 0;
  const comment = (user: string, text: string, over: Partial<Comment> = {}): Comment =>
    commentSchema.parse({ platform: 'twitch', channel: 'ch', id: `m${++n}`, text, receivedAt: 1, author: { id: user, login: user, name: user, badges: {} }, ...over });

  it('flags a copy from another viewer and the first copy, not a repeat by the same viewer, not short or different text', async () => {
    const { store } = setup();
    const now = Date.now();
    const a = comment('u1', PASTA);
    expect(await store.check(a, now)).toEqual({ copypasta: false, sameAs: [] });
    expect(await store.check(comment('u1', PASTA), now + 10)).toMatchObject({ copypasta: false });
    expect(await store.isFlagged(a)).toBe(false);
    const b = comment('u2', `${PASTA} LUL`);
    const r = await store.check(b, now + 20);
    expect(r.copypasta).toBe(true);
    expect(r.sameAs).toContain(a.id);
    expect(await store.isFlagged(a)).toBe(true);
    expect(await store.isFlagged(b)).toBe(true);
    expect(await store.check(comment('u3', 'what game is this?'), now + 30)).toMatchObject({ copypasta: false });
    expect(await store.check(comment('u3', 'a completely different long message about the weather today and the music on stream'), now + 40)).toMatchObject({ copypasta: false });
    // another channel is another window
    expect(await store.check(comment('u4', PASTA, { channel: 'other' }), now + 50)).toMatchObject({ copypasta: false });
  });

  it('forgets texts older than the window, and keeps at most COPYPASTA_MAX_ENTRIES per channel with an expiry', async () => {
    const { store, redis, prefix } = setup(60);
    const now = Date.now();
    await store.check(comment('u1', PASTA), now);
    expect(await store.check(comment('u2', PASTA), now + 61_000)).toMatchObject({ copypasta: false });
    const key = copypastaKeys.window(prefix, 'twitch', 'ch');
    for (let i = 0; i < COPYPASTA_MAX_ENTRIES + 100; i++) await store.check(comment(`v${i}`, `${i} ${'unique words number '.repeat(3)} ${i * 7919} ${String(i).repeat(6)}`), now + 62_000 + i);
    expect(await redis.zcard(key)).toBe(COPYPASTA_MAX_ENTRIES);
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('window 0 turns detection off', async () => {
    const { store, redis, prefix } = setup(0);
    await store.check(comment('u1', PASTA), Date.now());
    expect(await store.check(comment('u2', PASTA), Date.now())).toMatchObject({ copypasta: false });
    expect(await redis.exists(copypastaKeys.window(prefix, 'twitch', 'ch'))).toBe(0);
  });
});
