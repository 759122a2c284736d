/**
 * A server in the EU: YouTube answers page requests without a consent cookie with a redirect
 * to its cookie-consent page ("Before you continue to YouTube", forms posting to
 * consent.youtube.com/save), which has no video. The fake YouTube now does that (option
 * `consent`); the bot sends the cookie yt-dlp sends (SOCS=CAI, yt-dlp's
 * `_initialize_consent`), and says so in one clear line when the page still comes back.
 */
import { describe, expect, it } from 'vitest';
import { until } from '../helpers/redis.js';
import { youtubeHarness } from '../helpers/youtube-harness.js';

const startYouTube = youtubeHarness();

describe('YouTube cookie-consent page (EU)', () => {
  it.each([['live'], ['channel']] as const)('%s mode: the consent page is passed with the consent cookie, and the chat is read and answered', async (mode) => {
    const { yt } = await startYouTube({ youtube: { consent: 'cookie' }, mode, ollama: { reply: () => ({ content: 'こんにちは！' }) } });
    yt.pushChat({ author: '@eu_viewer', text: '牡丹ちゃん、こんにちは？' });
    const [post] = await until(() => (yt.posted().length ? yt.posted() : undefined), 15_000, 'the answer');
    expect(post!.text).toBe('@eu_viewer こんにちは！');
    expect(yt.consentRedirectCount()).toBe(0);
  });

  it('a consent page that still comes back is named in one clear warning, not taken for "offline"', async () => {
    const { h, yt } = await startYouTube({ youtube: { consent: 'always' }, canPost: false, pollMs: 200, env: { YOUTUBE_LIVE_CHECK_MS: '1000' }, waitForChat: false });
    const warn = await h.logs.waitFor(/consent/i, (l) => Number(l.level) >= 40, 10_000);
    expect(String(warn.msg)).toMatch(/consent page/);
    expect(String(warn.msg)).not.toContain('\n');
    // it keeps trying (a consent page may go away), without a warning per try
    await until(() => yt.consentRedirectCount() >= 3, 15_000, 'more tries');
    expect(h.logs.find(/consent/i, (l) => Number(l.level) >= 40)).toHaveLength(1);
    expect(h.logs.find(/not live|offline|no YouTube live stream/i, (l) => Number(l.level) >= 30)).toHaveLength(0);
  }, 30_000);
});
