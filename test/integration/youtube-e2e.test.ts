import { describe, expect, it } from 'vitest';
import type { FakeChatRequest } from '../fakes/ollama.js';
import { commentOf } from '../fakes/ollama.js';
import { until } from '../helpers/redis.js';
import { youtubeHarness, type YouTubeHarness } from '../helpers/youtube-harness.js';

const startYouTube = youtubeHarness();

function lastUserText(req: FakeChatRequest): string {
  return commentOf(req);
}

/** The fake model answers with a line naming the platform the question mentions. */
function reply(req: FakeChatRequest): { content: string } {
  const q = lastUserText(req);
  // a question back: were the bot's own YouTube message taken as a comment, it would be answered too
  if (q.includes('ユーチューブ')) return { content: 'ユーチューブの皆さん、いらっしゃい！元気？🌸' };
  if (q.includes('ツイッチ')) return { content: 'ツイッチのみんな、こんばんは！' };
  if (q.includes('空')) return { content: '光の散乱のせいだよ！' };
  return { content: 'うん、そうだね！' };
}

function start(): Promise<YouTubeHarness> {
  return startYouTube({ ollama: { reply } });
}

describe('YouTube and Twitch together, end to end (real Redis, fake YouTube, fake Twitch, fake Ollama)', () => {
  it('a YouTube question is answered on YouTube and a Twitch question on Twitch, at the same time', async () => {
    const { h, yt } = await start();
    yt.pushChat({ author: '@yt_viewer', text: 'ユーチューブから来たよ、元気？' });
    const twitchId = h.twitch.chat(h.channel, { user: 'tw_viewer', text: 'ツイッチから来たよ、元気？' });

    const [tw] = await h.twitch.waitForPrivmsgs(1, 20_000);
    const [ytPost] = await until(() => (yt.posted().length ? yt.posted() : undefined), 20_000, 'the YouTube reply');
    // each answer in its own chat: YouTube @mentions (no threads), Twitch threads
    expect(ytPost!.text).toBe('@yt_viewer ユーチューブの皆さん、いらっしゃい！元気？🌸');
    expect(ytPost!.liveId).toBe(yt.liveIdInitial);
    expect(ytPost!.authorization).toMatch(/^Bearer /);
    expect(tw!.text).toBe('ツイッチのみんな、こんばんは！');
    expect(tw!.tags['reply-parent-msg-id']).toBe(twitchId);
    // the bot's own YouTube message comes back through the chat (polled every 300 ms): it is
    // not taken as a comment, so nothing more is posted anywhere (five polls later)
    await new Promise((r) => setTimeout(r, 1500));
    expect(yt.posted()).toHaveLength(1);
    expect(h.twitch.privmsgs()).toHaveLength(1);
    const posted = h.logs.find('reply posted');
    expect(posted.map((l) => l.platform).sort()).toEqual(['twitch', 'youtube']);
  });

  it('a super chat question is answered, and its amount is on the reply log line', async () => {
    const { h, yt } = await start();
    yt.pushChat({ author: '@rich_fan', text: 'どうして空は青いの？', superchat: '¥500' });
    // a paid "why" question may go to the slow model, with an acknowledgement first
    const post = await until(() => yt.posted().find((p) => p.text.includes('光の散乱')), 20_000, 'the YouTube answer');
    expect(post.text).toBe('@rich_fan 光の散乱のせいだよ！');
    expect(yt.posted().every((p) => p.text.startsWith('@rich_fan '))).toBe(true);
    const line = await h.logs.waitFor('reply posted', (l) => l.platform === 'youtube' && l.kind === 'answer');
    expect(line).toMatchObject({ platform: 'youtube', channel: yt.liveIdInitial, paid: { amount: 500, currency: 'JPY', display: '¥500' } });
  });

  it('quota exceeded stops YouTube posting with one "quota" warning while Twitch keeps working', async () => {
    const { h, yt } = await start();
    yt.failNextInsert('quotaExceeded');
    yt.pushChat({ author: '@first', text: 'ユーチューブの一つ目、聞こえる？' });
    await h.logs.waitFor('reply dropped', (l) => l.platform === 'youtube' && l.reason === 'quota', 20_000);
    const calls = yt.insertCalls();

    yt.pushChat({ author: '@second', text: 'ユーチューブの二つ目、聞こえる？' });
    const twitchId = h.twitch.chat(h.channel, { user: 'tw_viewer', text: 'ツイッチは大丈夫？' });
    const [tw] = await h.twitch.waitForPrivmsgs(1, 20_000);
    expect(tw!.tags['reply-parent-msg-id']).toBe(twitchId);
    await until(() => h.logs.find('reply dropped', (l) => l.platform === 'youtube' && l.reason === 'quota').length >= 2 || undefined, 20_000, 'the second YouTube drop');

    expect(yt.insertCalls()).toBe(calls);
    expect(yt.posted()).toHaveLength(0);
    const quotaWarnings = h.logs.lines.filter((l) => l.level === 40 && /quota/.test(String(l.msg)));
    expect(quotaWarnings).toHaveLength(1);
  });
});
