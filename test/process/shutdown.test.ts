/**
 * Fault 5: graceful shutdown of the real process. SIGTERM/SIGINT stop intake, let answers in
 * flight finish within SHUTDOWN_GRACE_MS, abort the rest through their AbortSignal (another
 * worker retries them), close queues and connections, flush the logs and exit 0; a second
 * signal exits at once. close() is idempotent and runs every step even when one fails.
 *
 * `npm start` is signalled as a terminal (Ctrl-C) or a service manager does: the whole
 * process group. Signalling the npm process alone never reaches the bot (npm 11 does not
 * pass SIGTERM or SIGINT on to its script); Docker runs `node dist/workers/main.js`, which
 * the direct tests below stand for.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { heartbeatPattern } from '../../src/heartbeat.js';
import { commentJobId } from '../../src/queues.js';
import type { ChatAdapter } from '../../src/platforms/port.js';
import { startFakeOllama, type FakeOllama, type FakeReplyFn } from '../fakes/ollama.js';
import { startFakeTwitch, type FakeTwitch } from '../fakes/twitch.js';
import { botEnv, startBot, type BotProcess, type Entry } from '../helpers/bot-process.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { REDIS_URL, dropPrefix, newRedis, uniquePrefix, until } from '../helpers/redis.js';

const CHANNEL = 'botan_ch';
const FAST = 'qwen2.5:14b';
const ANSWER = 'げんきだよ！みんなありがとう！';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

interface Rig {
  twitch: FakeTwitch;
  ollama: FakeOllama;
  prefix: string;
  redis: ReturnType<typeof newRedis>;
  start(entry: Entry, extra?: Record<string, string>): Promise<BotProcess>;
}

async function rig(reply: FakeReplyFn): Promise<Rig> {
  const twitch = await startFakeTwitch();
  const ollama = await startFakeOllama({ reply });
  const prefix = uniquePrefix('shutdown');
  const redis = newRedis();
  await redis.hset(`${prefix}:routing`, { user_cooldown_s: '0', fast_max_age_s: '120' });
  cleanups.push(async () => {
    await Promise.allSettled([twitch.close(), ollama.close()]);
    await dropPrefix(prefix);
    redis.disconnect();
  });
  return {
    twitch,
    ollama,
    prefix,
    redis,
    async start(entry, extra = {}) {
      const nth = twitch.joinCount(CHANNEL) + 1;
      const p = startBot(entry, botEnv({ redisUrl: REDIS_URL, prefix, ollama: ollama.host, twitchUrl: twitch.url, channel: CHANNEL, extra }));
      cleanups.push(() => p.stop());
      await p.waitFor('bot started', undefined, 40_000);
      await twitch.waitForJoin(CHANNEL, 15_000, nth);
      return p;
    },
  };
}

/** A comment whose answer is now streaming from the fake model. */
async function inFlight(r: Rig, user: string, text: string): Promise<string> {
  const before = r.ollama.requests.length;
  const id = r.twitch.chat(CHANNEL, { user, text });
  await until(() => r.ollama.requests.length > before && r.ollama.load(FAST).active === 1, 20_000, 'the answer streaming');
  return id;
}

/**
 * The message of the last line the bot logged, by its timestamp: pino writes stdout
 * asynchronously and flushes what is left synchronously at exit, so the very last lines can
 * reach the pipe out of order; all of them do reach it. Lines of the same millisecond are a
 * tie: 'bot stopped' wins one (the shutdown's last steps can all fit in one millisecond).
 */
function lastMessage(p: BotProcess): unknown {
  const at = (l: Record<string, unknown>) => Date.parse(String(l.time));
  const latest = Math.max(...p.lines.map(at));
  const last = p.lines.filter((l) => at(l) === latest);
  return last.some((l) => l.msg === 'bot stopped') ? 'bot stopped' : last.at(-1)?.msg;
}

async function heartbeats(r: Rig): Promise<string[]> {
  return r.redis.keys(heartbeatPattern(r.prefix, '*'));
}

describe('graceful shutdown of `npm start`', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('%s: intake stops, the answer in flight is posted within the grace period, then everything closes', async (sig) => {
    const r = await rig(() => ({ content: ANSWER, ttftMs: 2_500 }));
    const bot = await r.start('npm-start', { SHUTDOWN_GRACE_MS: '15000' });
    const id = await inFlight(r, 'viewer1', '牡丹ちゃん元気？');
    const signalledAt = Date.now();
    bot.signalGroup(sig);
    await bot.waitFor('shutting down');
    // intake has stopped: a comment now is neither queued nor sent to the model
    const lateId = r.twitch.chat(CHANNEL, { user: 'viewer2', text: '牡丹ちゃん、まだいる？' });
    await bot.closed;
    const stoppedMs = Date.now() - signalledAt;

    const msgs = r.twitch.privmsgs();
    expect(msgs.map((m) => [m.tags['reply-parent-msg-id'], m.text]), bot.output().slice(-3000)).toEqual([[id, ANSWER]]);
    expect(await r.redis.exists(`${r.prefix}:comments:${commentJobId({ platform: 'twitch', id: lateId })}`)).toBe(0);
    expect(r.ollama.requests).toHaveLength(1);
    // one signal, one orderly stop: the last log line says so, nothing failed on the way
    expect(bot.find('shutting down')).toEqual([expect.objectContaining({ signal: sig })]);
    expect(bot.find('second signal: exiting now')).toHaveLength(0);
    expect(bot.find('shutdown step failed; continuing')).toHaveLength(0);
    expect(lastMessage(bot)).toBe('bot stopped');
    expect(stoppedMs).toBeLessThan(15_000);
    // connections closed, heartbeats withdrawn
    expect(r.twitch.connections()).toBe(0);
    expect(await heartbeats(r)).toEqual([]);
  }, 90_000);
});

describe('graceful shutdown of the process itself (as Docker runs it)', () => {
  it('SIGTERM with an answer longer than the grace period: aborted through its signal, exit 0, and the next worker answers it once', async () => {
    let calls = 0;
    // the first answer would take ~25 s; later ones are quick
    const r = await rig(() => (++calls === 1 ? { content: ANSWER.repeat(5), tokensPerSec: 3 } : { content: ANSWER }));
    const first = await r.start('main', { SHUTDOWN_GRACE_MS: '1000' });
    const id = await inFlight(r, 'viewer3', '牡丹ちゃん、今日は何してた？');
    const signalledAt = Date.now();
    first.signal('SIGTERM');
    const exit = await first.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalledAt).toBeLessThan(1_000 + 8_000);
    expect(first.find(/grace period over; aborting jobs in flight/)).toHaveLength(1);
    expect(lastMessage(first)).toBe('bot stopped');
    expect(r.twitch.privmsgs()).toHaveLength(0);
    // the stream was closed by the abort, the job waits in Redis for another worker
    await until(() => r.ollama.load(FAST).active === 0, 5_000, 'the stream to be closed');
    expect(r.ollama.stats.abortedStreams).toBe(1);

    const second = await r.start('main');
    const [msg] = await r.twitch.waitForPrivmsgs(1, 30_000);
    expect(msg!.tags['reply-parent-msg-id']).toBe(id);
    expect(msg!.text).toBe(ANSWER);
    await second.waitFor('reply posted', (l) => l.commentId === id);
    await new Promise((res) => setTimeout(res, 1_500));
    expect(r.twitch.privmsgs()).toHaveLength(1);
    expect(r.ollama.requests).toHaveLength(2);
  }, 120_000);

  it('the same signal delivered twice at once (a process group and a wrapper both pass it on) is one request: still graceful', async () => {
    const r = await rig(() => ({ content: ANSWER, ttftMs: 1_500 }));
    const bot = await r.start('main', { SHUTDOWN_GRACE_MS: '15000' });
    const id = await inFlight(r, 'viewer5', '牡丹ちゃん、眠い？');
    bot.signal('SIGTERM');
    bot.signal('SIGTERM');
    expect(await bot.exited).toEqual({ code: 0, signal: null });
    expect(r.twitch.privmsgs().map((m) => m.tags['reply-parent-msg-id'])).toEqual([id]);
    expect(bot.find('second signal: exiting now')).toHaveLength(0);
  }, 90_000);

  it('a second signal exits at once, without waiting for the grace period', async () => {
    const r = await rig(() => ({ content: ANSWER, tokensPerSec: 1 }));
    const bot = await r.start('main', { SHUTDOWN_GRACE_MS: '60000' });
    await inFlight(r, 'viewer4', '牡丹ちゃん、好きな本は？');
    bot.signal('SIGTERM');
    await bot.waitFor('shutting down');
    const secondAt = Date.now();
    bot.signal('SIGINT');
    const exit = await bot.exited;
    expect(Date.now() - secondAt).toBeLessThan(5_000);
    expect(exit.code).toBe(130);
    expect(bot.find('second signal: exiting now')).toEqual([expect.objectContaining({ signal: 'SIGINT' })]);
  }, 90_000);
});

describe('close()', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('is idempotent, and runs every later step when one fails', async () => {
    let closes = 0;
    const broken: ChatAdapter = {
      platform: 'console',
      maxChars: 500,
      mentionsAuthor: false,
      start: async () => undefined,
      post: async () => ({ status: 'posted', at: Date.now() }),
      limits: () => ({ max: 20, windowMs: 30_000, minSpacingMs: 0 }),
      close: async () => {
        closes++;
        throw new Error('adapter close exploded');
      },
    };
    h = await startHarness({ adapters: () => [broken] });
    expect(await h.redis.keys(heartbeatPattern(h.prefix, '*'))).not.toEqual([]);
    const a = h.app.close();
    const b = h.app.close();
    expect(a).toBe(b);
    await a;
    await h.app.close();
    expect(closes).toBe(1);
    expect(h.logs.find('shutdown step failed; continuing')).toEqual([expect.objectContaining({ step: 'close console' })]);
    // the steps after the failed one still ran: queues, Redis, the final line
    await until(() => h!.app.redis.status === 'end', 5_000, 'the Redis connection to end');
    expect(h.logs.find('bot stopped')).toHaveLength(1);
    expect(await h.redis.keys(heartbeatPattern(h.prefix, '*'))).toEqual([]);
  });
});
