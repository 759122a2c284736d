/**
 * The bot spends YouTube's daily quota at the price Google charges: the fake YouTube now
 * charges liveChatMessages.insert 20 units (the method reference's "Quota impact") and
 * videos.list 1, and refuses with quotaExceeded past the project's quota.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { YOUTUBE_QUOTA_COST } from '../fakes/youtube.js';
import { until } from '../helpers/redis.js';
import { youtubeHarness } from '../helpers/youtube-harness.js';

const startYouTube = youtubeHarness();

describe('YouTube quota cost of a posted reply', () => {
  it('defaults to the reference price (20 units), and stays configurable', () => {
    const d = parseConfig({});
    expect(d.ok && d.config.YOUTUBE_QUOTA_PER_INSERT).toBe(YOUTUBE_QUOTA_COST['liveChatMessages.insert']);
    const set = parseConfig({ YOUTUBE_QUOTA_PER_INSERT: '50' });
    expect(set.ok && set.config.YOUTUBE_QUOTA_PER_INSERT).toBe(50);
  });

  it('a 200-unit day posts the 9 replies it pays for (20 units each, 20 kept back), not 3', async () => {
    const { h, yt } = await startYouTube({
      youtube: { dailyQuota: 200 },
      env: { YOUTUBE_DAILY_QUOTA: '200', YOUTUBE_QUOTA_RESERVE: '20', YOUTUBE_BURST: '20' },
      ollama: { reply: () => ({ content: 'はーい、答えるよ！' }) },
    });
    for (let i = 0; i < 8; i++) yt.pushChat({ author: `@viewer${i}`, text: `牡丹ちゃん、質問${i}：好きな色は？` });
    await until(() => yt.posted().length >= 8, 20_000, '8 YouTube replies').catch(() => undefined);
    expect(yt.posted()).toHaveLength(8);
    expect(h.logs.find(/quota/i, (l) => Number(l.level) >= 40)).toHaveLength(0);
    expect(yt.quotaUsed()).toBeLessThanOrEqual(200);
  }, 40_000);
});
