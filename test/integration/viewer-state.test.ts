/**
 * A viewer's state (src/viewer-state.ts): its named operations on real Redis, and as moderators
 * see it: `botctl explain --user twitch:<login>` reads the same cooldown the fast worker wrote
 * (issue 20: the workers key a viewer by user id, moderators type a login). Real Redis, fake
 * Twitch, fake Ollama, the real botctl code path in process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main as botctl } from '../../src/cli/botctl.js';
import { memoryKeys } from '../../src/memory/keys.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { createViewerState, lastAnsweredAt, viewerKeys } from '../../src/viewer-state.js';
import { dropPrefix, newRedis, REDIS_URL, uniquePrefix, until } from '../helpers/redis.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { DEDUP_WINDOW_S: '0' }, ollama: { reply: () => ({ content: 'いちごが好きだよ！' }) } });
}, 60_000);
afterAll(async () => {
  await h?.close();
});

async function chatAndWait(user: string, text: string, userId: string): Promise<void> {
  const before = h.twitch.privmsgs().length;
  const id = h.twitch.chat(h.channel, { user, displayName: user, text, userId });
  await until(() => h.twitch.privmsgs().slice(before).some((m) => m.tags['reply-parent-msg-id'] === id), 15_000, `a reply to ${user}`);
}

async function explain(args: string[]): Promise<{ answer: boolean; skip: string | null; cooldownRemainingS: number | null; user: string }> {
  let out = '';
  const io = { stdout: { write: (s: string) => ((out += s), true) }, stderr: { write: () => true }, stdin: process.stdin } as never;
  expect(await botctl(['explain', ...args, '--channel', `twitch:${h.channel}`, '--json'], io, { REDIS_URL, REDIS_PREFIX: h.prefix, TWITCH_USERNAME: 'botan_bot' })).toBe(0);
  return JSON.parse(out) as never;
}

describe('botctl explain --user twitch:<login> after the viewer was answered', () => {
  it('shows their cooldown (typed as the display name, in any case): the next question would be skipped', async () => {
    const before = await explain(['牡丹ちゃん、好きな色は？', '--user', 'twitch:Carol']);
    expect(before).toMatchObject({ answer: true, cooldownRemainingS: null });
    await chatAndWait('Carol', '牡丹ちゃん、好きな食べ物は？', '70001');
    const after = await explain(['牡丹ちゃん、好きな色は？', '--user', 'twitch:Carol']);
    expect(after.answer).toBe(false);
    expect(after.skip).toBe('cooldown');
    expect(after.cooldownRemainingS).toBeGreaterThan(20);
    expect(after.cooldownRemainingS).toBeLessThanOrEqual(30);
    // another viewer is not held back by Carol's cooldown
    expect(await explain(['牡丹ちゃん、好きな色は？', '--user', 'twitch:someone_else'])).toMatchObject({ answer: true, cooldownRemainingS: null });
  }, 40_000);

  it('with memory off in the channel too (no memory is kept, the login still finds the viewer), until they are forgotten', async () => {
    await h.redis.hset(`${h.prefix}:routing:twitch:${h.channel}`, 'memory', 'off');
    await new Promise((r) => setTimeout(r, 1100));
    await chatAndWait('Dave', '牡丹ちゃん、好きな食べ物は？', '70002');
    expect(await h.redis.exists(memoryKeys(h.prefix).login('twitch', 'dave'))).toBe(0);
    const after = await explain(['牡丹ちゃん、好きな色は？', '--user', 'twitch:dave']);
    expect(after.skip).toBe('cooldown');
    expect(after.cooldownRemainingS).toBeGreaterThan(20);
    // the login is kept no longer than the state it finds
    const loginKey = viewerKeys.login(h.prefix, 'twitch', 'dave');
    expect(await h.redis.ttl(loginKey)).toBeGreaterThan(20);
    expect(await h.redis.ttl(loginKey)).toBeLessThanOrEqual(30);
    // a moderator forgets dave by login: that key goes too
    const io = { stdout: { write: () => true }, stderr: { write: () => true }, stdin: process.stdin } as never;
    expect(await botctl(['memory', 'forget', 'twitch:dave'], io, { REDIS_URL, REDIS_PREFIX: h.prefix })).toBe(0);
    expect(await h.redis.exists(loginKey)).toBe(0);
  }, 40_000);
});

describe('viewer state (src/viewer-state.ts) on real Redis', () => {
  const prefix = uniquePrefix('viewer');
  const redis = newRedis();
  const vs = createViewerState({ redis, prefix });
  const carol = { platform: 'twitch', userId: '70001' };
  afterAll(async () => {
    await dropPrefix(prefix);
    redis.disconnect();
  });

  it('keeps the documented key strings (moderators and tools read them)', () => {
    expect(viewerKeys.cooldown('bot', 'twitch', '42')).toBe('bot:cooldown:twitch:42');
    expect(viewerKeys.strikes('bot', 'twitch', '42')).toBe('bot:abuse:twitch:42');
    expect(viewerKeys.latest('bot', 'youtube', 'UCx')).toBe('bot:latest:youtube:UCx');
    expect(viewerKeys.login('bot', 'twitch', 'Dave')).toBe('bot:viewer:login:twitch:dave');
  });

  it('one comment claims the cooldown; another is held back; a retry keeps its claim; a release frees it', async () => {
    const first = await vs.read(carol, { commentId: 'c1', claim: { commentId: 'c1', at: 1000, ttlS: 30 } });
    expect(first).toMatchObject({ claimed: true, answered: false, strikes: 0 });
    expect(first.cooldown).toBeUndefined(); // read before the claim, in the same round trip
    expect(await redis.get(viewerKeys.cooldown(prefix, 'twitch', '70001'))).toBe('1000|c1');
    expect(await redis.ttl(viewerKeys.cooldown(prefix, 'twitch', '70001'))).toBeGreaterThan(25);

    const other = await vs.read(carol, { commentId: 'c2', claim: { commentId: 'c2', at: 2000, ttlS: 30 } });
    expect(other).toMatchObject({ claimed: false, cooldown: { at: 1000, commentId: 'c1' } });
    expect(lastAnsweredAt(other, 'c2')).toBe(1000);
    expect(await vs.holdsCooldown(carol, 'c2')).toBe(false);

    const retry = await vs.read(carol, { commentId: 'c1', claim: { commentId: 'c1', at: 3000, ttlS: 30 } });
    expect(retry.claimed).toBe(false);
    expect(lastAnsweredAt(retry, 'c1')).toBeUndefined();
    expect(await vs.holdsCooldown(carol, 'c1')).toBe(true);

    await vs.releaseCooldown(carol, other); // not its claim: nothing happens
    expect(await vs.holdsCooldown(carol, 'c1')).toBe(true);
    await vs.releaseCooldown(carol, first);
    expect((await vs.read(carol)).cooldown).toBeUndefined();
  });

  it("maps the viewer's login to their id for as long as their longest state, not shorter", async () => {
    const erin = { platform: 'twitch', userId: '70003', login: 'Erin' };
    expect(await vs.resolveLogin('twitch', 'erin')).toBeUndefined();
    await vs.addStrike(erin, 600);
    expect(await vs.resolveLogin('twitch', 'ERIN')).toBe('70003');
    // a 30 s cooldown claimed later does not cut the 600 s the strike needs
    await vs.read(erin, { commentId: 'e1', claim: { commentId: 'e1', at: 1, ttlS: 30 } });
    expect(await redis.ttl(viewerKeys.login(prefix, 'twitch', 'erin'))).toBeGreaterThan(590);
    const finn = { platform: 'twitch', userId: '70004', login: 'finn' };
    await vs.setCooldown(finn, { commentId: 'f1', at: 1, ttlS: 45 });
    expect(await redis.ttl(viewerKeys.login(prefix, 'twitch', 'finn'))).toBeGreaterThan(40);
    expect(await redis.ttl(viewerKeys.login(prefix, 'twitch', 'finn'))).toBeLessThanOrEqual(45);
  });

  it('counts strikes with their TTL, and keeps the last three questions with the latest on top', async () => {
    expect(await vs.addStrike(carol, 600)).toBe(1);
    expect(await vs.addStrike(carol, 600)).toBe(2);
    expect(await redis.ttl(viewerKeys.strikes(prefix, 'twitch', '70001'))).toBeGreaterThan(590);
    for (const [i, id] of ['q1', 'q2', 'q3', 'q4'].entries()) await vs.recordLatest(carol, id, 1000 + i);
    expect(await redis.zrange(viewerKeys.latest(prefix, 'twitch', '70001'), 0, -1)).toEqual(['q2', 'q3', 'q4']);
    expect(await vs.read(carol)).toMatchObject({ strikes: 2, latestQuestion: 'q4' });
    await vs.dropLatest(carol, 'q4');
    expect((await vs.read(carol)).latestQuestion).toBe('q3');
  });
});
