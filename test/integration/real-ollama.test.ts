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
