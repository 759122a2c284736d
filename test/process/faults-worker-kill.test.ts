/**
 * Fault 1: a worker process is SIGKILLed while the model streams its answer. BullMQ's
 * stalled-job check hands the job to the worker started in its place: the comment is
 * answered exactly once, or dropped as stale (logged) when it became too old meanwhile.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { waitDrained } from '../../src/app.js';
import { eventsKey } from '../../src/events.js';
import type { FakeReplyFn } from '../fakes/ollama.js';
import { botEnv, startBot, type BotProcess } from '../helpers/bot-process.js';
import { ARTICLE_QUESTION, startHarness, type Harness } from '../helpers/harness.js';
import { REDIS_URL, until } from '../helpers/redis.js';

const FAST = 'qwen2.5:14b';
const SLOW = 'gpt-oss:120b';
const SLOW_ANSWER = 'RAGは検索で柔軟、イベント記憶は時系列の一貫性が強み。まずRAGで始めて、必要ならイベント記憶を足すのがおすすめだよ！';
const FAST_ANSWER = 'いちごが一番好き！甘くて少し酸っぱいところがたまらないんだよね。みんなは何が好き？';

let h: Harness | undefined;
const procs: BotProcess[] = [];
afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => p.stop()));
  await h?.close();
  h = undefined;
});

/** Gateway (and the other worker) in this process; the worker under test as a real process. */
async function setup(inProcess: ('fast' | 'slow')[], reply: FakeReplyFn, controls: Record<string, string>): Promise<Harness> {
  h = await startHarness({ roles: ['gateway', ...inProcess], noApp: true, ollama: { reply } });
  await h.redis.hset(`${h.prefix}:routing`, { user_cooldown_s: '0', ...controls });
  await h.app.start();
  await h.twitch.waitForJoin(h.channel, 15_000);
  return h;
}

function worker(role: 'fast' | 'slow', hh: Harness): BotProcess {
  const p = startBot(role, botEnv({ redisUrl: REDIS_URL, prefix: hh.prefix, ollama: hh.ollama.host }));
  procs.push(p);
  return p;
}

/** SIGKILL once the model has streamed a few tokens of the answer to this process. */
async function killMidStream(p: BotProcess, hh: Harness, model: string): Promise<number> {
  await until(() => hh.ollama.requests.some((r) => r.model === model) && hh.ollama.load(model).active === 1 && hh.ollama.stats.generatedTokens >= 4, 30_000, `${model} streaming`);
  p.signal('SIGKILL');
  await p.exited;
  return Date.now();
}

async function events(hh: Harness): Promise<Record<string, string>[]> {
  const entries = await hh.redis.xrange(eventsKey(hh.prefix), '-', '+');
  return entries.map(([, f]) => Object.fromEntries(f.reduce<string[][]>((a, v, i) => (i % 2 ? a : [...a, [v, f[i + 1]!]]), [])));
}

describe('a worker killed mid-answer', () => {
  it('slow worker: the worker started in its place answers the comment exactly once', async () => {
    const hh = await setup(['fast'], (req) => (req.model === SLOW ? { content: SLOW_ANSWER, thinking: 'weighing both', tokensPerSec: 12 } : { content: 'fast' }), {});
    const first = worker('slow', hh);
    await first.waitFor('bot started');
    const id = hh.twitch.chat(hh.channel, { user: 'engineer', text: ARTICLE_QUESTION });
    const killedAt = await killMidStream(first, hh, SLOW);
    // the acknowledgement went out; the answer did not
    const [ack] = await hh.twitch.waitForPrivmsgs(1, 10_000);
    expect(ack!.tags['reply-parent-msg-id']).toBe(id);

    const second = worker('slow', hh);
    const msgs = await hh.twitch.waitForPrivmsgs(2, 60_000);
    const recoveredMs = msgs[1]!.at - killedAt;
    expect(msgs[1]!.text).toBe(SLOW_ANSWER);
    expect(msgs[1]!.tags['reply-parent-msg-id']).toBe(id);
    await second.waitFor('slow answer ready', (l) => l.commentId === id);
    expect(await waitDrained(hh.app, 30_000)).toBe(true);
    // never twice: one acknowledgement, one answer, two slow model calls (killed + retried)
    expect(hh.twitch.privmsgs().map((m) => m.text)).toEqual([ack!.text, SLOW_ANSWER]);
    expect(hh.ollama.requests.filter((r) => r.model === SLOW)).toHaveLength(2);
    expect(hh.ollama.stats.abortedStreams).toBeGreaterThanOrEqual(1);
    // recovery: the slow lock (15 s) lapses, a stalled check (every 5 s) moves the job back, the answer streams again
    expect(recoveredMs).toBeLessThan(35_000);
    console.info(`slow worker SIGKILL → answer posted after ${recoveredMs} ms`);
  }, 120_000);

  it('fast worker: answered exactly once after the restart while the comment is still fresh', async () => {
    const hh = await setup(['slow'], (req) => (req.model === FAST ? { content: FAST_ANSWER, tokensPerSec: 8 } : { content: 'slow' }), { fast_max_age_s: '60' });
    const first = worker('fast', hh);
    await first.waitFor('bot started');
    const id = hh.twitch.chat(hh.channel, { user: 'viewer1', text: '牡丹ちゃん、好きな食べ物は？' });
    const killedAt = await killMidStream(first, hh, FAST);
    expect(hh.twitch.privmsgs()).toHaveLength(0);

    const second = worker('fast', hh);
    const [msg] = await hh.twitch.waitForPrivmsgs(1, 60_000);
    expect(msg!.text).toBe(FAST_ANSWER);
    expect(msg!.tags['reply-parent-msg-id']).toBe(id);
    await second.waitFor('fast answer ready', (l) => l.commentId === id);
    expect(await waitDrained(hh.app, 30_000)).toBe(true);
    expect(hh.twitch.privmsgs()).toHaveLength(1);
    expect(hh.ollama.requests.filter((r) => r.model === FAST)).toHaveLength(2);
    const recoveredMs = msg!.at - killedAt;
    // a killed fast job must come back well inside the default fast_max_age_s (20 s)
    expect(recoveredMs).toBeLessThan(20_000);
    console.info(`fast worker SIGKILL → answer posted after ${recoveredMs} ms`);
  }, 120_000);

  it('fast worker: a comment that got too old while its worker was dead is dropped as stale, with a log line', async () => {
    const hh = await setup(['slow'], (req) => (req.model === FAST ? { content: FAST_ANSWER, tokensPerSec: 8 } : { content: 'slow' }), { fast_max_age_s: '3' });
    const first = worker('fast', hh);
    await first.waitFor('bot started');
    const id = hh.twitch.chat(hh.channel, { user: 'viewer2', text: '牡丹ちゃん、好きな色は？' });
    await killMidStream(first, hh, FAST);

    const second = worker('fast', hh);
    const skipped = await second.waitFor('comment skipped', (l) => l.commentId === id, 60_000);
    expect(skipped.reason).toBe('stale');
    expect(await waitDrained(hh.app, 30_000)).toBe(true);
    expect(hh.twitch.privmsgs()).toHaveLength(0);
    // one model call only: the stale comment is not sent to the model again
    expect(hh.ollama.requests.filter((r) => r.model === FAST)).toHaveLength(1);
    expect((await events(hh)).some((e) => e.id === id && e.type === 'skip' && e.reason === 'stale')).toBe(true);
  }, 120_000);
});
