/**
 * The account-wide message budget over real Redis: two gateways (two budget instances, as two
 * processes would have) share one window, so together they never pass the platform's limit.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createAccountBudget } from '../../src/platforms/account-budget.js';
import { twitchBuckets } from '../../src/platforms/twitch/moderation.js';
import { dropPrefix, newRedis, uniquePrefix } from '../helpers/redis.js';

const redisA = newRedis();
const redisB = newRedis();
let prefix = '';
afterEach(async () => {
  await dropPrefix(prefix);
});
afterAll(() => {
  redisA.disconnect();
  redisB.disconnect();
});

describe('account budget shared through Redis', () => {
  it('two gateways together stay within 5 messages per second, and use all of it', async () => {
    prefix = uniquePrefix('budget');
    const a = createAccountBudget(redisA, prefix);
    const b = createAccountBudget(redisB, prefix);
    const bucket = [{ name: 'twitch:bot:user', max: 5, windowMs: 1_000 }];
    const t0 = Date.now();
    const grants: number[] = [];
    await Promise.all(
      Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).take(bucket, t0 + 2_500).then((ok) => ok && grants.push(Date.now()))),
    );
    grants.sort((x, y) => x - y);
    expect(grants).toHaveLength(12);
    for (let i = 5; i < grants.length; i++) expect(grants[i]! - grants[i - 5]!, `grant ${i}`).toBeGreaterThanOrEqual(990);
    // the first five went out at once
    expect(grants[4]! - t0).toBeLessThan(300);
  });

  it('gives up (takes nothing) when the wait would pass the deadline', async () => {
    prefix = uniquePrefix('budget');
    const a = createAccountBudget(redisA, prefix);
    const bucket = [{ name: 'twitch:bot:user', max: 1, windowMs: 5_000 }];
    expect(await a.take(bucket, Date.now() + 1_000)).toBeTypeOf('string');
    const t = Date.now();
    expect(await a.take(bucket, Date.now() + 1_000)).toBeUndefined();
    expect(Date.now() - t).toBeLessThan(200);
    expect(await redisA.zcard(`${prefix}:budget:twitch:bot:user`)).toBe(1);
  });

  it('a token given back (its message never sent) is free at once, for this gateway or another', async () => {
    prefix = uniquePrefix('budget');
    const a = createAccountBudget(redisA, prefix);
    const b = createAccountBudget(redisB, prefix);
    const buckets = [
      { name: 'twitch:bot:all', max: 100, windowMs: 30_000 },
      { name: 'twitch:bot:user', max: 2, windowMs: 30_000 },
    ];
    const first = await a.take(buckets, Date.now() + 500);
    const second = await b.take(buckets, Date.now() + 500);
    expect(first).toBeTypeOf('string');
    expect(second).toBeTypeOf('string');
    expect(first).not.toBe(second);
    // the user bucket is full: a third message would wait 30 s
    expect(await b.take(buckets, Date.now() + 300)).toBeUndefined();
    // the first reply was dropped before it was sent
    await a.giveBack(buckets, first!);
    const t = Date.now();
    expect(await b.take(buckets, Date.now() + 300)).toBeTypeOf('string');
    expect(Date.now() - t).toBeLessThan(200);
    // both buckets hold exactly the two messages that count
    expect(await redisA.zcard(`${prefix}:budget:twitch:bot:user`)).toBe(2);
    expect(await redisA.zcard(`${prefix}:budget:twitch:bot:all`)).toBe(2);
    // giving back what was never taken, or twice, changes nothing
    await a.giveBack(buckets, first!);
    await a.giveBack(buckets, 'nobody:0');
    expect(await redisA.zcard(`${prefix}:budget:twitch:bot:user`)).toBe(2);
  });

  it.each([
    ['not a moderator: both of the account\'s buckets', false, undefined, [['twitch:b:all', 100, 30_000], ['twitch:b:user', 20, 30_000]]],
    ['moderator or broadcaster: only the shared 100/30 s', true, undefined, [['twitch:b:all', 100, 30_000]]],
    ['a verified bot (TWITCH_RATE_LIMIT=7500/30)', false, { max: 7500, windowSeconds: 30 }, [['twitch:b:all', 7500, 30_000], ['twitch:b:user', 7500, 30_000]]],
  ])('Twitch buckets, %s', (_n, privileged, override, want) => {
    expect(twitchBuckets('b', privileged, override).map((x) => [x.name, x.max, x.windowMs])).toEqual(want);
  });
});
