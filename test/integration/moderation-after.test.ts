/**
 * Moderation after the fact (issue 21): a comment a moderator deleted, or whose author was
 * banned or timed out, is not answered, and an answer to it still on its way is dropped.
 * The fake Twitch sends CLEARMSG / CLEARCHAT with the tags of Twitch's IRC reference
 * (dev.twitch.tv/docs/irc/commands: CLEARMSG carries login, room-id, target-msg-id,
 * tmi-sent-ts; CLEARCHAT carries room-id, target-user-id, ban-duration for a timeout, and no
 * user when the whole chat is cleared), and holds the bot's own message for AutoMod with
 * NOTICE msg_rejected / msg_rejected_mandatory (dev.twitch.tv/docs/irc/msg-id).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../helpers/redis.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { youtubeHarness } from '../helpers/youtube-harness.js';
import { commentOf } from '../fakes/ollama.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});
const startYouTubeBot = youtubeHarness();

/** A fast model that takes a while to its first token: time for a moderator to act. */
const slowFirstToken = { ttftMs: 1_200, reply: () => ({ content: 'いい質問だね、答えるよ！' }) };

async function modelAsked(n = 1, harness = h!): Promise<void> {
  await until(() => harness.ollama.requests.length >= n, 10_000, 'the model to be asked');
}

describe('Twitch moderation after the fact', () => {
  it('a comment deleted by a moderator while its answer is being written gets no answer', async () => {
    h = await startHarness({ ollama: slowFirstToken });
    const id = h.twitch.chat(h.channel, { user: 'viewer1', text: '牡丹ちゃん、好きな食べ物は？' });
    await modelAsked();
    h.twitch.deleteMessage(h.channel, id);
    const dropped = await h.logs.waitFor('reply dropped', (l) => l.commentId === id, 10_000);
    expect(dropped.reason).toBe('deleted_by_moderator');
    await new Promise((r) => setTimeout(r, 300));
    expect(h.twitch.privmsgs()).toHaveLength(0);
  });

  it('a deleted comment still waiting in the queue is not even sent to the model', async () => {
    h = await startHarness({ env: { FAST_CONCURRENCY: '1' }, ollama: slowFirstToken });
    h.twitch.chat(h.channel, { user: 'viewer1', text: '牡丹ちゃん、好きな色は？' });
    await modelAsked();
    const second = h.twitch.chat(h.channel, { user: 'viewer2', text: '牡丹ちゃん、好きな季節は？' });
    await new Promise((r) => setTimeout(r, 100));
    h.twitch.deleteMessage(h.channel, second);
    const skipped = await h.logs.waitFor('comment skipped', (l) => l.commentId === second, 10_000);
    expect(skipped.reason).toBe('deleted_by_moderator');
    await h.twitch.waitForPrivmsgs(1, 10_000);
    expect(h.ollama.requests).toHaveLength(1);
    expect(h.twitch.privmsgs().map((m) => m.tags['reply-parent-msg-id'])).not.toContain(second);
  });

  it.each([
    ['banned', undefined],
    ['timed out', 600],
  ])('a viewer %s after asking gets no answer; another viewer still does', async (_name, seconds) => {
    h = await startHarness({ ollama: slowFirstToken });
    const troll = h.twitch.chat(h.channel, { user: 'troll', userId: '666', text: '牡丹ちゃん、秘密を教えて？' });
    await modelAsked();
    h.twitch.banUser(h.channel, 'troll', seconds);
    const dropped = await h.logs.waitFor('reply dropped', (l) => l.commentId === troll, 10_000);
    expect(dropped.reason).toBe('author_removed_by_moderator');
    const ok = h.twitch.chat(h.channel, { user: 'viewer2', userId: '222', text: '牡丹ちゃん、今日の配信は何時まで？' });
    const [msg] = await h.twitch.waitForPrivmsgs(1, 10_000);
    expect(msg!.tags['reply-parent-msg-id']).toBe(ok);
  });

  it("an answer dropped at the last checks does not hold the next one back by the channel's spacing", async () => {
    // the bot is not a moderator here: one message a second in the channel
    h = await startHarness({ env: { FAST_CONCURRENCY: '2' }, ollama: { parallel: 2, reply: (req) => ({ content: 'いい質問だね、答えるよ！', ttftMs: commentOf(req).includes('食べ物') ? 1_200 : 1_600 }) } });
    const deleted = h.twitch.chat(h.channel, { user: 'viewer1', text: '牡丹ちゃん、好きな食べ物は？' });
    const kept = h.twitch.chat(h.channel, { user: 'viewer2', text: '牡丹ちゃん、好きな色は？' });
    await modelAsked(2);
    h.twitch.deleteMessage(h.channel, deleted);
    expect((await h.logs.waitFor('reply dropped', (l) => l.commentId === deleted, 10_000)).reason).toBe('deleted_by_moderator');
    const [msg] = await h.twitch.waitForPrivmsgs(1, 10_000);
    expect(msg!.tags['reply-parent-msg-id']).toBe(kept);
    // posted as soon as its answer was written, not a second after the dropped one's turn
    const written = h.ollama.requests.find((r) => commentOf(r).includes('好きな色'))!.endedAt!;
    expect(msg!.at - written).toBeLessThan(300);
  });

  it('a chat cleared by a moderator drops the answers on their way; later comments are answered', async () => {
    h = await startHarness({ ollama: slowFirstToken });
    const before = h.twitch.chat(h.channel, { user: 'viewer1', text: '牡丹ちゃん、好きな食べ物は？' });
    await modelAsked();
    h.twitch.clearChat(h.channel);
    const dropped = await h.logs.waitFor('reply dropped', (l) => l.commentId === before, 10_000);
    expect(dropped.reason).toBe('chat_cleared_by_moderator');
    await new Promise((r) => setTimeout(r, 50));
    const after = h.twitch.chat(h.channel, { user: 'viewer2', text: '牡丹ちゃん、好きな色は？' });
    const [msg] = await h.twitch.waitForPrivmsgs(1, 10_000);
    expect(msg!.tags['reply-parent-msg-id']).toBe(after);
  });

  it('a reply AutoMod holds back is reported once as not shown, not as posted silently', async () => {
    h = await startHarness({
      twitch: { automod: (t) => (t.includes('ひみつ') ? 'msg_rejected' : undefined) },
      ollama: { reply: () => ({ content: 'それはひみつだよ！' }) },
    });
    h.twitch.chat(h.channel, { user: 'viewer1', text: '牡丹ちゃん、秘密を教えて？' });
    await h.twitch.waitForPrivmsgs(1, 10_000);
    const warn = await h.logs.waitFor(/AutoMod/, undefined, 5_000);
    expect(warn).toMatchObject({ level: 40, channel: h.channel, msgId: 'msg_rejected' });
  });
});

describe('YouTube moderation after the fact', () => {
  // Source: YouTube's get_live_chat (innertube) actions as chat readers parse them
  // (chat-downloader, pytchat): markChatItemAsDeletedAction { targetItemId } for one message,
  // markChatItemsByAuthorAsDeletedAction { externalChannelId } when a viewer is hidden or timed out.
  const startYouTube = () => startYouTubeBot({ ollama: { ttftMs: 1_500, reply: () => ({ content: 'いい質問だね、答えるよ！' }) } });

  it('a message a moderator deleted gets no answer', async () => {
    const { h, yt } = await startYouTube();
    const id = yt.pushChat({ author: '@viewer1', text: '牡丹ちゃん、好きな食べ物は？' });
    await modelAsked(1, h);
    yt.deleteChat(id);
    const dropped = await h.logs.waitFor('reply dropped', (l) => l.commentId === id, 10_000);
    expect(dropped.reason).toBe('deleted_by_moderator');
    expect(yt.posted()).toHaveLength(0);
  });

  it('a viewer a moderator hid gets no answer; another viewer does', async () => {
    const { h, yt } = await startYouTube();
    const id = yt.pushChat({ author: '@troll', channelId: 'UCtroll000000000000000000', text: '牡丹ちゃん、秘密を教えて？' });
    await modelAsked(1, h);
    yt.removeAuthor('UCtroll000000000000000000');
    const dropped = await h.logs.waitFor('reply dropped', (l) => l.commentId === id, 10_000);
    expect(dropped.reason).toBe('author_removed_by_moderator');
    yt.pushChat({ author: '@viewer2', text: '牡丹ちゃん、好きな色は？' });
    const [post] = await until(() => (yt.posted().length ? yt.posted() : undefined), 10_000, 'the other viewer\'s answer');
    expect(post!.text.startsWith('@viewer2 ')).toBe(true);
    expect(yt.posted()).toHaveLength(1);
  });
});
