/**
 * Fault 4, the refused login, as a user runs the bot (`npm start` in a process, real Redis,
 * fake Twitch, fake YouTube, fake Ollama): one clear error while the process stays up and
 * keeps answering on YouTube.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeOllama } from '../fakes/ollama.js';
import { startFakeTwitch } from '../fakes/twitch.js';
import { FakeYouTube } from '../fakes/youtube.js';
import { botEnv, startBot, type BotProcess } from '../helpers/bot-process.js';
import { REDIS_URL, dropPrefix, uniquePrefix, until } from '../helpers/redis.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

describe('Twitch refuses the login (bad token)', () => {
  it('one clear error naming TWITCH_OAUTH_TOKEN, no tight retry loop, and the process keeps answering on YouTube', async () => {
    const twitch = await startFakeTwitch({ rejectLogin: true });
    const ollama = await startFakeOllama({ reply: () => ({ content: 'ユーチューブの皆さん、いらっしゃい！' }) });
    const yt = await FakeYouTube.start();
    const prefix = uniquePrefix('badtoken');
    cleanups.push(() => twitch.close(), () => ollama.close(), () => yt.close(), () => dropPrefix(prefix));
    const bot: BotProcess = startBot(
      'main',
      botEnv({ redisUrl: REDIS_URL, prefix, ollama: ollama.host, twitchUrl: twitch.url, extra: { ...yt.env('live', true), YOUTUBE_POLL_INTERVAL_MS: '1000', TWITCH_OAUTH_TOKEN: 'oauth:expiredexpiredexpiredexpired1' } }),
    );
    cleanups.push(() => bot.stop());
    const err = await bot.waitFor(/Twitch refused the login/, undefined, 30_000);
    expect(err.level).toBe(50);
    expect(String(err.msg)).toContain('TWITCH_OAUTH_TOKEN');
    expect(bot.output()).not.toContain('expiredexpiredexpiredexpired1');
    await bot.waitFor('bot started', undefined, 30_000);

    yt.pushChat({ author: '@yt_viewer', text: '牡丹ちゃん、ユーチューブから来たよ、聞こえる？' });
    const [post] = await until(() => (yt.posted().length ? yt.posted() : undefined), 30_000, 'the YouTube reply');
    expect(post!.text).toBe('@yt_viewer ユーチューブの皆さん、いらっしゃい！');
    // the refused login is not retried in a loop: one attempt so far (the next is a minute away)
    expect(twitch.connectionAttempts()).toBe(1);
    expect(bot.isRunning()).toBe(true);
    expect(bot.find(/Twitch refused the login|still refuses the login/)).toHaveLength(1);
  }, 90_000);
});
