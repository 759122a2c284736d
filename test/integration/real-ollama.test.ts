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
