/**
 * Fault 2: Redis restarts while comments flow. A private redis-server with AOF (as compose
 * runs it; the shared Redis on 6379 is never touched) is restarted under a gateway, a fast
 * and a slow worker, each its own process: every process reconnects by itself, comments
 * accepted before (and during) the restart are answered once, no process exits or spins,
 * and each process logs the outage once, not once per retry.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOllama, type FakeOllama, commentOf } from '../fakes/ollama.js';
import { startFakeTwitch, type FakeTwitch } from '../fakes/twitch.js';
import { botEnv, startBot, startPrivateRedis, type BotProcess, type PrivateRedis } from '../helpers/bot-process.js';
import { uniquePrefix, until } from '../helpers/redis.js';

const CHANNEL = 'botan_ch';
const FAST = 'qwen2.5:14b';
const UNREACHABLE = /^redis unreachable/;

let redis: PrivateRedis;
let twitch: FakeTwitch;
let ollama: FakeOllama;
const procs: BotProcess[] = [];

beforeAll(async () => {
  redis = await startPrivateRedis();
  twitch = await startFakeTwitch();
  // each answer names the question it answers, so the test can match them
  ollama = await startFakeOllama({
    ttftMs: 1_500,
    reply: (req) => {
      const m = /Q(\d+)/.exec(commentOf(req));
      return { content: `こたえ${m?.[1] ?? '?'}だよ！` };
    },
  });
});
afterAll(async () => {
  await Promise.all(procs.map((p) => p.stop()));
  await Promise.allSettled([twitch?.close(), ollama?.close()]);
  await redis?.dispose();
});

describe('Redis restarts while comments flow', () => {
  it('every process reconnects, every accepted comment is answered once, the outage is logged once per process', async () => {
    const prefix = uniquePrefix('redis-restart');
    const admin = new Redis(redis.url, { maxRetriesPerRequest: null });
    admin.on('error', () => undefined);
    await admin.hset(`${prefix}:routing`, { user_cooldown_s: '0', fast_max_age_s: '120', ack: 'off' });
    const env = botEnv({ redisUrl: redis.url, prefix, ollama: ollama.host, twitchUrl: twitch.url, channel: CHANNEL, extra: { FAST_CONCURRENCY: '1' } });
    const gateway = startBot('gateway', env);
    const fast = startBot('fast', env);
    const slow = startBot('slow', env);
    procs.push(gateway, fast, slow);
    await Promise.all([gateway, fast, slow].map((p) => p.waitFor('bot started', undefined, 30_000)));
    await twitch.waitForJoin(CHANNEL, 15_000);

    // three questions: one being answered, two waiting in Redis when it goes down
    const ids = [1, 2, 3].map((n) => twitch.chat(CHANNEL, { user: `viewer${n}`, text: `牡丹ちゃん Q${n} 好きな季節は？` }));
    await until(async () => (await admin.llen(`${prefix}:comments:active`)) === 1 && (await admin.zcard(`${prefix}:comments:prioritized`)) === 2 && ollama.requests.length >= 1, 15_000, 'one comment in flight, two waiting');

    const cpuBefore = [gateway, fast, slow].map((p) => p.cpuMs());
    const downAt = Date.now();
    await redis.stop();
    // a comment arrives while Redis is away: the gateway keeps it until Redis is back
    ids.push(twitch.chat(CHANNEL, { user: 'viewer4', text: '牡丹ちゃん Q4 好きな季節は？' }));
    await Promise.all([gateway, fast, slow].map((p) => p.waitFor(UNREACHABLE, undefined, 10_000)));
    await new Promise((r) => setTimeout(r, 3_000)); // stay down for a few reconnect attempts
    await redis.start();
    const upAt = Date.now();

    const msgs = await twitch.waitForPrivmsgs(4, 60_000);
    await Promise.all([gateway, fast, slow].map((p) => p.waitFor('redis reconnected', undefined, 20_000)));
    // settle: nothing more is posted once the queues are empty
    await until(async () => (await admin.llen(`${prefix}:comments:active`)) + (await admin.llen(`${prefix}:outbox:active`)) + (await admin.zcard(`${prefix}:comments:prioritized`)) === 0, 20_000, 'queues empty');
    await new Promise((r) => setTimeout(r, 1_000));

    const answered = twitch.privmsgs();
    expect(answered.map((m) => m.tags['reply-parent-msg-id']).sort()).toEqual([...ids].sort());
    for (const [i, id] of ids.entries()) expect(answered.find((m) => m.tags['reply-parent-msg-id'] === id)!.text).toBe(`こたえ${i + 1}だよ！`);
    expect(msgs.length).toBe(4);
    // the data survived the restart: the waiting jobs were not lost, so nothing was asked twice beyond the one in flight
    expect(ollama.requests.filter((r) => r.model === FAST).length).toBeLessThanOrEqual(5);

    for (const p of [gateway, fast, slow]) {
      // still running, and the outage logged once (its start and its end), not per retry
      expect(p.isRunning()).toBe(true);
      expect(p.find(UNREACHABLE)).toHaveLength(1);
      expect(p.find('redis reconnected')).toHaveLength(1);
      const warnsDuringOutage = p.lines.filter((l) => (l.level as number) >= 40 && Date.parse(String(l.time)) >= downAt - 100);
      expect(warnsDuringOutage.length, JSON.stringify(warnsDuringOutage)).toBeLessThanOrEqual(4);
      // and nothing printed raw (unstructured, once per reconnect attempt) beside the JSON log
      expect(p.stderr()).not.toMatch(/ECONNREFUSED|Error/);
    }
    // no process spun while Redis was away: CPU well below one core over the outage and recovery
    const wallMs = Date.now() - downAt;
    for (const [i, p] of [gateway, fast, slow].entries()) {
      const used = p.cpuMs() - cpuBefore[i]!;
      expect(used, `${['gateway', 'fast', 'slow'][i]} used ${used} ms CPU in ${wallMs} ms`).toBeLessThan(wallMs * 0.5);
    }
    console.info(`Redis down ${upAt - downAt} ms; all four answered ${Math.max(...msgs.map((m) => m.at)) - upAt} ms after it came back`);
    admin.disconnect();
  }, 150_000);
});
