/**
 * Twitch's message limits are per account, across every channel the bot is in
 * (pajbot/tmi-rate-limits, from Twitch staff; dev.twitch.tv/docs/chat#rate-limits): 20
 * messages per 30 s where the bot is neither moderator nor broadcaster, 100 per 30 s in all.
 * The fake Twitch now counts per account (it used to count per channel, which hid this).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('Twitch account-wide message budget', () => {
  it('two busy channels never take the account past 20 messages in 30 s (nothing dropped by Twitch)', async () => {
    const second = 'other_ch';
    h = await startHarness({
      env: { TWITCH_CHANNELS: `botan_ch,${second}`, FAST_CONCURRENCY: '8' },
      twitch: { enforceRateLimit: true },
      ollama: { reply: (r) => ({ content: `答え ${r.messages.at(-1)!.content.length}` }) },
    });
    await h.twitch.waitForJoin(second, 10_000);
    // answers older than 12 s are not posted any more: the test ends well inside Twitch's 30 s window
    await h.redis.hset(`${h.prefix}:routing`, 'fast_max_age_s', '12');
    await new Promise((r) => setTimeout(r, 1_100));
    for (let i = 0; i < 15; i++) {
      for (const ch of [h.channel, second]) h.twitch.chat(ch, { user: `v${ch}${i}`, userId: `${ch}-${i}`, text: `牡丹ちゃん、質問${i}番目だよ、${ch}から？` });
    }
    // every answer is posted or dropped as late by then
    await new Promise((r) => setTimeout(r, 14_000));
    const sent = h.twitch.privmsgs();
    expect(sent.filter((m) => m.dropped === 'msg_ratelimit')).toHaveLength(0);
    const first = sent[0]!.at;
    expect(sent.filter((m) => m.at < first + 30_000).length).toBeLessThanOrEqual(20);
    // the budget is used, not wasted: both channels got answers
    expect(sent.length).toBeGreaterThanOrEqual(18);
    expect(new Set(sent.map((m) => m.channel))).toEqual(new Set([h.channel, second]));
  }, 60_000);
});
