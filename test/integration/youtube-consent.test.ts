/**
 * A server in the EU: YouTube answers page requests without a consent cookie with a redirect
 * to its cookie-consent page ("Before you continue to YouTube", forms posting to
 * consent.youtube.com/save), which has no video. The fake YouTube now does that (option
 * `consent`); the bot sends the cookie yt-dlp sends (SOCS=CAI, yt-dlp's
 * `_initialize_consent`), and says so in one clear line when the page still comes back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FakeYouTube } from '../fakes/youtube.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { until } from '../helpers/redis.js';

let h: Harness | undefined;
let yt: FakeYouTube | undefined;
afterEach(async () => {
  await h?.close();
  await yt?.close();
  h = undefined;
  yt = undefined;
});

describe('YouTube cookie-consent page (EU)', () => {
  it.each([['live'], ['channel']] as const)('%s mode: the consent page is passed with the consent cookie, and the chat is read and answered', async (mode) => {
    yt = await FakeYouTube.start({ consent: 'cookie' });
    h = await startHarness({ env: { ...yt.env(mode, true), YOUTUBE_POLL_INTERVAL_MS: '300' }, ollama: { reply: () => ({ content: 'こんにちは！' }) } });
    await h.logs.waitFor('reading YouTube live chat', undefined, 15_000);
    yt.pushChat({ author: '@eu_viewer', text: '牡丹ちゃん、こんにちは？' });
    const [post] = await until(() => (yt!.posted().length ? yt!.posted() : undefined), 15_000, 'the answer');
    expect(post!.text).toBe('@eu_viewer こんにちは！');
    expect(yt.consentRedirectCount()).toBe(0);
  });

  it('a consent page that still comes back is named in one clear warning, not taken for "offline"', async () => {
    yt = await FakeYouTube.start({ consent: 'always' });
    h = await startHarness({ env: { ...yt.env('live', false), YOUTUBE_POLL_INTERVAL_MS: '200', YOUTUBE_LIVE_CHECK_MS: '1000' } });
    const warn = await h.logs.waitFor(/consent/i, (l) => Number(l.level) >= 40, 10_000);
    expect(String(warn.msg)).toMatch(/consent page/);
    expect(String(warn.msg)).not.toContain('\n');
    // it keeps trying (a consent page may go away), without a warning per try
    await until(() => yt!.consentRedirectCount() >= 3, 15_000, 'more tries');
    expect(h.logs.find(/consent/i, (l) => Number(l.level) >= 40)).toHaveLength(1);
    expect(h.logs.find(/not live|offline|no YouTube live stream/i, (l) => Number(l.level) >= 30)).toHaveLength(0);
  }, 30_000);
});
