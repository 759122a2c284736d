/**
 * The bot against a fake Ollama that behaves as the real server does where our old fake was
 * lenient (issue 21). Each case names the source the fake follows.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';

const FAST = 'qwen2.5:14b';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('keep_alive as Ollama parses it', () => {
  // Source: ollama/ollama api/types.go, Duration.UnmarshalJSON: a JSON number is seconds
  // (negative: keep loaded forever), a string goes through Go's time.ParseDuration, whose
  // error ("time: missing unit in duration \"-1\"") is the body of an HTTP 400.
  it.each([
    ['-1', -1],
    ['3600', 3600],
    ['24h', '24h'],
    ['1h30m', '1h30m'],
  ])('OLLAMA_KEEP_ALIVE=%s still answers, and reaches Ollama as %j', async (value, sent) => {
    h = await startHarness({ env: { OLLAMA_KEEP_ALIVE: value }, ollama: { reply: () => ({ content: 'いちごだよ！' }) } });
    h.twitch.chat(h.channel, { user: 'viewer1', text: '牡丹ちゃん、好きな食べ物は？' });
    const [msg] = await h.twitch.waitForPrivmsgs(1, 15_000);
    expect(msg!.text).toBe('いちごだよ！');
    const chat = h.ollama.requests.find((r) => r.model === FAST)!;
    expect(chat.keep_alive).toEqual(sent);
  });
});

describe('a thinking-capable fast model', () => {
  // Source: ollama/ollama server/routes.go: for a model with the "thinking" capability,
  // `if req.Think == nil { req.Think = &api.ThinkValue{Value: true} }`: it thinks unless the
  // request says think:false (and a level string is only for harmony/gpt-oss models).
  it('is told think:false, so a simple comment is answered without minutes of reasoning first', async () => {
    const models = {
      'qwen3:8b': { capabilities: ['completion', 'tools', 'thinking'] },
      'gpt-oss:120b': { capabilities: ['completion', 'tools', 'thinking'] },
    };
    // 600 thinking tokens at 100 tokens/s: six seconds before the first answer token
    const thinking = Array.from({ length: 600 }, (_, i) => `t${i % 10}`).join(' ');
    h = await startHarness({
      env: { FAST_MODEL: 'qwen3:8b' },
      ollama: { models, tokensPerSec: 100, reply: () => ({ thinking, content: 'いちごだよ！' }) },
    });
    const t0 = Date.now();
    h.twitch.chat(h.channel, { user: 'viewer1', text: '牡丹ちゃん、好きな食べ物は？' });
    const [msg] = await h.twitch.waitForPrivmsgs(1, 15_000);
    expect(msg!.text).toBe('いちごだよ！');
    expect(Date.now() - t0).toBeLessThan(3_000);
    const chats = h.ollama.requests.filter((r) => r.model === 'qwen3:8b');
    expect(chats.length).toBeGreaterThan(0);
    for (const r of chats) expect((r.raw as { think?: unknown }).think).toBe(false);
  });
});

describe('parallel slots as stock Ollama has them', () => {
  // Source: ollama/ollama envconfig/config.go, `NumParallel = Uint("OLLAMA_NUM_PARALLEL", 1)`:
  // a stock server answers one request per model at a time and queues the rest inside, where
  // their wait eats the first-token budget. The fake now defaults to that one slot.
  it('with FAST_CONCURRENCY unset the bot keeps its own line (one request at a time): no first-token timeouts', async () => {
    h = await startHarness({ env: { FAST_FIRST_TOKEN_TIMEOUT_MS: '2000' }, ollama: { ttftMs: 900, reply: () => ({ content: 'はーい！' }) } });
    expect(h.config.FAST_CONCURRENCY).toBe(1);
    for (let i = 0; i < 4; i++) h.twitch.chat(h.channel, { user: `v${i}`, userId: `u${i}`, text: `牡丹ちゃん、質問${i}：元気？` });
    await h.twitch.waitForPrivmsgs(4, 20_000);
    expect(h.logs.find('model call failed')).toHaveLength(0);
    expect(Math.max(...h.ollama.requests.map((r) => r.firstTokenAt! - r.at))).toBeLessThan(1_500);
  }, 30_000);

  it('OLLAMA_NUM_PARALLEL in the bot\'s environment (as compose shares it with Ollama) sets the default', async () => {
    const { parseConfig } = await import('../../src/config.js');
    const r = parseConfig({ OLLAMA_NUM_PARALLEL: '2' });
    expect(r.ok && r.config.FAST_CONCURRENCY).toBe(2);
    const set = parseConfig({ OLLAMA_NUM_PARALLEL: '2', FAST_CONCURRENCY: '3' });
    expect(set.ok && set.config.FAST_CONCURRENCY).toBe(3);
    const bad = parseConfig({ OLLAMA_NUM_PARALLEL: 'many' });
    expect(bad.ok && bad.config.FAST_CONCURRENCY).toBe(1);
  });
});

describe('a cold model: loading is not answering', () => {
  // Source: ollama/ollama server/routes.go (a chat with no messages only loads the model and
  // answers done_reason "load") and its scheduler (a load runs for the requests waiting on it:
  // when they all go away, it is abandoned). The fake's models now take `loadMs` to load.
  it('a model slower to load than the first-token timeout still answers: it is preloaded at start and the load does not count', async () => {
    h = await startHarness({
      env: { FAST_FIRST_TOKEN_TIMEOUT_MS: '1000', FAST_TIMEOUT_MS: '3000' },
      ollama: { loadMs: 3_000, reply: () => ({ content: 'いちごだよ！' }) },
    });
    // while it loads, the fast worker's heartbeat (what `botctl status` shows) says so
    const [beatKey] = await h.redis.keys(`${h.prefix}:heartbeat:fast:*`);
    const beat = JSON.parse((await h.redis.get(beatKey!))!) as { loading?: { model: string; elapsedMs: number }[] };
    expect(beat.loading?.map((l) => l.model)).toEqual([FAST]);
    h.twitch.chat(h.channel, { user: 'viewer1', text: '牡丹ちゃん、好きな食べ物は？' });
    const [msg] = await h.twitch.waitForPrivmsgs(1, 15_000);
    expect(msg!.text).toBe('いちごだよ！');
    expect(h.ollama.stats.abortedLoads).toBe(0);
    expect(h.logs.find('model call failed')).toHaveLength(0);
    // both models were loaded with an empty request when the bot started, and it said so
    const preloads = h.ollama.loadRequests.map((r) => r.model);
    expect(preloads.sort()).toEqual([FAST, 'gpt-oss:120b'].sort());
    const loaded = await h.logs.waitFor('model loaded', (l) => l.model === FAST);
    expect(Number(loaded.loadMs)).toBeGreaterThanOrEqual(2_900);
    expect(h.logs.find('loading model', (l) => l.model === FAST)).toHaveLength(1);
  }, 30_000);
});

describe('a model unloaded while the bot runs', () => {
  it('a first-token timeout on a cold model starts a load that is kept open, and the retry is answered', async () => {
    h = await startHarness({
      env: { FAST_FIRST_TOKEN_TIMEOUT_MS: '800', FAST_TIMEOUT_MS: '2000', RETRY_BACKOFF_MS: '200' },
      ollama: { loadMs: 1_500, reply: () => ({ content: 'もどったよ！' }) },
    });
    await h.logs.waitFor('model loaded', (l) => l.model === FAST, 10_000);
    // Ollama unloads it (keep_alive 0 from someone else, or its keep_alive ran out)
    await fetch(`${h.ollama.host}/api/chat`, { method: 'POST', body: JSON.stringify({ model: FAST, messages: [], keep_alive: 0 }) });
    h.twitch.chat(h.channel, { user: 'viewer1', text: '牡丹ちゃん、もどった？' });
    const [msg] = await h.twitch.waitForPrivmsgs(1, 15_000);
    expect(msg!.text).toBe('もどったよ！');
    expect(h.logs.find(/not loaded/, (l) => l.model === FAST)).toHaveLength(1);
  }, 30_000);
});
