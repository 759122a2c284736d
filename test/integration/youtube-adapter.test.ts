import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig, type Config } from '../../src/config.js';
import { BotError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import type { ChatAdapter, OutgoingMessage } from '../../src/platforms/port.js';
import { createYouTubeAdapter } from '../../src/platforms/youtube/index.js';
import { pacificDay } from '../../src/platforms/youtube/quota.js';
import { commentSchema, type Comment, type CommentInput } from '../../src/types.js';
import { FakeYouTube, type FakeYouTubeOptions } from '../fakes/youtube.js';
import { LogCapture } from '../helpers/log-capture.js';
import { dropPrefix, newRedis, uniquePrefix, until } from '../helpers/redis.js';

interface Setup {
  fake: FakeYouTube;
  adapter: ChatAdapter;
  comments: Comment[];
  logs: LogCapture;
  redis: Redis;
  prefix: string;
  config: Config;
}

const open: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (open.length) await open.pop()!();
});

async function setup(
  o: { fake?: FakeYouTubeOptions; mode?: 'live' | 'channel' | 'handle'; post?: boolean; env?: Record<string, string>; start?: boolean; fakeInstance?: FakeYouTube; prefix?: string } = {},
): Promise<Setup> {
  const fake = o.fakeInstance ?? (await FakeYouTube.start(o.fake));
  const prefix = o.prefix ?? uniquePrefix('yt');
  const parsed = parseConfig({ ...fake.env(o.mode ?? 'live', o.post ?? true), YOUTUBE_POLL_INTERVAL_MS: '300', LOG_LEVEL: 'debug', ...o.env });
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  const logs = new LogCapture();
  const redis = newRedis();
  const adapter = createYouTubeAdapter({ config: parsed.config, redis, prefix, logger: createLogger({ level: 'debug', destination: logs }) });
  const comments: Comment[] = [];
  open.push(async () => {
    await adapter.close();
    if (!o.fakeInstance) await fake.close();
    await dropPrefix(prefix);
    redis.disconnect();
  });
  if (o.start !== false) await adapter.start((c: CommentInput) => comments.push(commentSchema.parse(c)));
  return { fake, adapter, comments, logs, redis, prefix, config: parsed.config };
}

const commentWith = (s: Setup, text: string) => until(() => s.comments.find((c) => c.text === text), 10_000, `comment ${text}`);
const replyTo = (c: Comment, text: string): OutgoingMessage => ({ platform: 'youtube', channel: c.channel, text, replyTo: { id: c.id, author: c.author } });
const warnings = (logs: LogCapture, re: RegExp) => logs.lines.filter((l) => l.level === 40 && re.test(String(l.msg)));

describe('YouTube adapter: reading', () => {
  it('reads and maps chat items: text, emoji runs, moderator, owner, super chat, membership', async () => {
    const s = await setup();
    await s.logs.waitFor('reading YouTube live chat');
    s.fake.pushChat({ author: '@alice', text: 'plain hello' });
    s.fake.pushChat({ author: '@mika', runs: [{ text: 'ボタンちゃん' }, { emoji: '🌸' }, { text: ' ' }, { customEmoji: ':_botanWave:' }], member: 'Member (6 months)' });
    s.fake.pushChat({ author: '@mod_ken', text: 'mods here', moderator: true });
    s.fake.pushChat({ author: '@botan_ch', text: 'streamer speaking', owner: true, verified: true });
    s.fake.pushChat({ author: '@rich', text: 'なぜ空は青いの？', superchat: '¥500' });
    s.fake.pushChat({ author: '@sticker_fan', superchat: '$5.00', sticker: true });
    s.fake.pushChat({ author: '@newbie', membershipEvent: true });

    const plain = await commentWith(s, 'plain hello');
    expect(plain).toMatchObject({ platform: 'youtube', channel: s.fake.liveIdInitial, kind: 'chat', author: { name: 'alice', login: 'alice' } });
    expect(plain.author.id).toMatch(/^UC/);
    expect(plain.sentAt).toBeGreaterThan(Date.now() - 60_000);

    const emoji = await commentWith(s, 'ボタンちゃん🌸 :_botanWave:');
    expect(emoji.author.badges).toMatchObject({ member: true, moderator: false });
    expect(emoji.kind).toBe('chat');

    expect((await commentWith(s, 'mods here')).author.badges.moderator).toBe(true);
    expect((await commentWith(s, 'streamer speaking')).author.badges).toMatchObject({ owner: true, verified: true });

    const sc = await commentWith(s, 'なぜ空は青いの？');
    expect(sc).toMatchObject({ kind: 'superchat', paid: { amount: 500, currency: 'JPY', display: '¥500' } });

    const sticker = await until(() => s.comments.find((c) => c.author.name === 'sticker_fan'), 10_000, 'sticker');
    expect(sticker).toMatchObject({ kind: 'superchat', text: '', paid: { amount: 5, currency: 'USD' } });

    const member = await until(() => s.comments.find((c) => c.author.name === 'newbie'), 10_000, 'membership');
    expect(member).toMatchObject({ kind: 'membership', text: 'Welcome to Fake VTuber Ch.!', author: { badges: { member: true } } });
    // each item once, even across polls
    expect(new Set(s.comments.map((c) => c.id)).size).toBe(s.comments.length);
  });

  it('history from before the bot joined is not delivered; what follows is', async () => {
    const fake = await FakeYouTube.start();
    open.push(() => fake.close());
    fake.pushChat({ author: '@old', text: 'said an hour ago', timestampMs: Date.now() - 3_600_000 });
    const s = await setup({ fakeInstance: fake });
    s.fake.pushChat({ author: '@new', text: 'said just now' });
    await commentWith(s, 'said just now');
    await new Promise((r) => setTimeout(r, 900)); // three polls
    expect(s.comments.map((c) => c.text)).toEqual(['said just now']);
  });

  it('two adapters in one process, each with its own YOUTUBE_BASE_URL, read their own chats', async () => {
    const a = await setup();
    const b = await setup({ fake: { liveId: 'sEcondLive2' } });
    a.fake.pushChat({ author: '@on_a', text: 'from fake A' });
    b.fake.pushChat({ author: '@on_b', text: 'from fake B' });
    expect((await commentWith(a, 'from fake A')).channel).toBe(a.fake.liveIdInitial);
    expect((await commentWith(b, 'from fake B')).channel).toBe('sEcondLive2');
    await new Promise((r) => setTimeout(r, 900)); // three polls
    expect(a.comments.map((c) => c.text)).toEqual(['from fake A']);
    expect(b.comments.map((c) => c.text)).toEqual(['from fake B']);
  });

  it('backs off after a failed poll and then goes on reading', async () => {
    const s = await setup();
    await s.logs.waitFor('reading YouTube live chat');
    s.fake.failNextChat(503);
    await s.logs.waitFor(/YouTube chat read failed: backing off/);
    s.fake.pushChat({ author: '@later', text: 'after the hiccup' });
    await commentWith(s, 'after the hiccup');
  });

  it('stops polling when the stream ends, and says so', async () => {
    const s = await setup();
    await s.logs.waitFor('reading YouTube live chat');
    s.fake.endStream();
    await s.logs.waitFor('YouTube stream ended: stopped polling its chat', undefined, 15_000);
    const polls = s.fake.chatPolls();
    await new Promise((r) => setTimeout(r, 1500)); // five polls
    expect(s.fake.chatPolls()).toBe(polls);
  });

  it.each(['channel', 'handle'] as const)('%s mode: waits while offline, resumes on the next live', async (mode) => {
    const s = await setup({ mode, fake: { live: false }, env: { YOUTUBE_LIVE_CHECK_MS: '1000' } });
    await s.logs.waitFor('no YouTube live stream now: waiting for the next one');
    s.fake.startStream('nExtLive002');
    await s.logs.waitFor('reading YouTube live chat', (l) => l.liveId === 'nExtLive002');
    s.fake.pushChat({ author: '@early', text: 'first!' });
    expect((await commentWith(s, 'first!')).channel).toBe('nExtLive002');
    s.fake.endStream();
    await s.logs.waitFor('YouTube stream ended: stopped polling its chat', undefined, 15_000);
    expect(s.logs.find('no YouTube live stream now: waiting for the next one')).toHaveLength(2);
    s.fake.startStream('thIrdLive03');
    await s.logs.waitFor('reading YouTube live chat', (l) => l.liveId === 'thIrdLive03');
  });

  it('a finished video in live-id mode: warns once and reads nothing', async () => {
    const fake = await FakeYouTube.start();
    fake.endStream();
    const s = await setup({ fakeInstance: fake });
    open.push(() => fake.close());
    await s.logs.waitFor(/YouTube video is not live/);
    await new Promise((r) => setTimeout(r, 1500));
    expect(s.fake.chatPolls()).toBe(0);
  });
});

describe('YouTube adapter: posting', () => {
  it('posts through liveChatMessages.insert with the bearer token, and ignores its own echo', async () => {
    const s = await setup();
    await s.logs.waitFor('reading YouTube live chat');
    s.fake.pushChat({ author: '@alice', text: 'what is your favourite food?' });
    const c = await commentWith(s, 'what is your favourite food?');
    const res = await s.adapter.post(replyTo(c, '@alice ラーメン！🍜'));
    expect(res.status).toBe('posted');
    const [sent] = s.fake.posted();
    expect(sent).toMatchObject({ text: '@alice ラーメン！🍜', liveId: s.fake.liveIdInitial, authorization: expect.stringMatching(/^Bearer ya29\.fake-1-/) });
    expect(s.fake.tokenRefreshes()).toBe(1);
    expect(s.fake.videosListCalls()).toBe(1);
    // the bot's message comes back through the chat; a viewer's message after it is delivered
    s.fake.pushChat({ author: '@bob', text: 'marker after the echo' });
    await commentWith(s, 'marker after the echo');
    expect(s.comments.some((x) => x.text.includes('ラーメン'))).toBe(false);
    // the day's spend is in Redis: one insert (20, the reference's price), one videos.list (1, shared by the stream
    // info read and posting) and one videoCategories.list (1, naming the category once)
    expect(s.fake.videoCategoriesListCalls()).toBe(1);
    const h = await s.redis.hgetall(`${s.prefix}:youtube:quota:${pacificDay(Date.now())}`);
    expect(Number(h.spent)).toBe(22);
    expect(Number(h.reads)).toBe(2);
    expect(await s.redis.pttl(`${s.prefix}:youtube:quota:${pacificDay(Date.now())}`)).toBeGreaterThan(86_400_000);
    const line = await s.logs.waitFor('YouTube reply posted');
    expect(line).toMatchObject({ channel: s.fake.liveIdInitial, replyTo: c.id });
    expect(JSON.stringify(s.logs.find('YouTube reply posted'))).not.toContain('ラーメン');
  });

  it('an expired access token is refreshed after a 401 and the insert retried', async () => {
    const s = await setup();
    s.fake.pushChat({ author: '@alice', text: 'q1?' });
    const c = await commentWith(s, 'q1?');
    expect((await s.adapter.post(replyTo(c, '@alice one'))).status).toBe('posted');
    s.fake.expireTokens();
    expect((await s.adapter.post(replyTo(c, '@alice two'))).status).toBe('posted');
    expect(s.fake.unauthorizedCalls()).toBe(1);
    expect(s.fake.tokenRefreshes()).toBe(2);
    expect(s.fake.posted().map((p) => p.text)).toEqual(['@alice one', '@alice two']);
    expect(s.fake.posted()[1]?.authorization).toMatch(/^Bearer ya29\.fake-2-/);
  });

  it('a short-lived token is refreshed before it expires (no 401)', async () => {
    const s = await setup({ fake: { tokenTtlS: 2 } });
    s.fake.pushChat({ author: '@alice', text: 'q?' });
    const c = await commentWith(s, 'q?');
    expect((await s.adapter.post(replyTo(c, '@alice a'))).status).toBe('posted');
    // the stream info read at start already took a token: count from the first post on
    const before = s.fake.tokenRefreshes();
    await new Promise((r) => setTimeout(r, 1700));
    expect((await s.adapter.post(replyTo(c, '@alice b'))).status).toBe('posted');
    expect(s.fake.tokenRefreshes()).toBe(before + 1);
    expect(s.fake.unauthorizedCalls()).toBe(0);
  });

  it('quotaExceeded stops YouTube posting until the Pacific reset, with one "quota" warning, for every process', async () => {
    const s = await setup();
    s.fake.pushChat({ author: '@alice', text: 'q?' });
    const c = await commentWith(s, 'q?');
    s.fake.failNextInsert('quotaExceeded');
    expect(await s.adapter.post(replyTo(c, '@alice x'))).toEqual({ status: 'rejected', reason: 'quota' });
    const calls = s.fake.insertCalls();
    for (let i = 0; i < 3; i++) expect(await s.adapter.post(replyTo(c, `@alice y${i}`))).toEqual({ status: 'rejected', reason: 'quota' });
    expect(s.fake.insertCalls()).toBe(calls);
    const quotaWarnings = warnings(s.logs, /quota/);
    expect(quotaWarnings).toHaveLength(1);
    expect(String(quotaWarnings[0]?.msg)).toMatch(/midnight Pacific/);
    // another gateway process sharing Redis does not call either
    const other = await setup({ fakeInstance: s.fake, prefix: s.prefix, start: false });
    expect(await other.adapter.post(replyTo(c, '@alice z'))).toEqual({ status: 'rejected', reason: 'quota' });
    expect(s.fake.insertCalls()).toBe(calls);
    expect(warnings(other.logs, /quota/)).toHaveLength(1);
    expect(s.fake.posted()).toHaveLength(0);
  });

  it('the bucket: a burst goes out, then replies are dropped with one "quota" warning', async () => {
    const s = await setup({ env: { YOUTUBE_BURST: '2' } });
    s.fake.pushChat({ author: '@alice', text: 'q?' });
    const c = await commentWith(s, 'q?');
    const results = [];
    for (let i = 0; i < 4; i++) results.push((await s.adapter.post(replyTo(c, `@alice ${i}`))).status);
    expect(results).toEqual(['posted', 'posted', 'rejected', 'rejected']);
    expect(s.fake.posted()).toHaveLength(2);
    expect(warnings(s.logs, /quota/)).toHaveLength(1);
  });

  it('liveChatEnded: rejected, and no more calls for that chat', async () => {
    const s = await setup();
    s.fake.pushChat({ author: '@alice', text: 'q?' });
    const c = await commentWith(s, 'q?');
    s.fake.failNextInsert('liveChatEnded');
    expect(await s.adapter.post(replyTo(c, '@alice a'))).toEqual({ status: 'rejected', reason: 'chat_ended' });
    const calls = s.fake.insertCalls();
    expect(await s.adapter.post(replyTo(c, '@alice b'))).toEqual({ status: 'rejected', reason: 'chat_ended' });
    expect(s.fake.insertCalls()).toBe(calls);
  });

  it('rateLimitExceeded throws a retryable error; the retry posts', async () => {
    const s = await setup();
    s.fake.pushChat({ author: '@alice', text: 'q?' });
    const c = await commentWith(s, 'q?');
    s.fake.failNextInsert('rateLimitExceeded');
    const err = await s.adapter.post(replyTo(c, '@alice hi')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BotError);
    expect((err as BotError).retryable).toBe(true);
    expect((err as BotError).code).toBe('BOT_ERR_YOUTUBE_API');
    expect((await s.adapter.post(replyTo(c, '@alice hi'))).status).toBe('posted');
  });

  it('forbidden: rejected with a warning; the next reply may post', async () => {
    const s = await setup();
    s.fake.pushChat({ author: '@alice', text: 'q?' });
    const c = await commentWith(s, 'q?');
    s.fake.failNextInsert('forbidden');
    expect(await s.adapter.post(replyTo(c, '@alice a'))).toEqual({ status: 'rejected', reason: 'forbidden' });
    expect(warnings(s.logs, /forbidden/)).toHaveLength(1);
    expect((await s.adapter.post(replyTo(c, '@alice b'))).status).toBe('posted');
  });

  it('a revoked refresh token: rejected "auth" with one error line naming what to do', async () => {
    const fake = await FakeYouTube.start();
    open.push(() => fake.close());
    const s = await setup({ fakeInstance: fake, env: { YOUTUBE_REFRESH_TOKEN: 'revoked' } });
    s.fake.pushChat({ author: '@alice', text: 'q?' });
    const c = await commentWith(s, 'q?');
    expect(await s.adapter.post(replyTo(c, '@alice a'))).toEqual({ status: 'rejected', reason: 'auth' });
    expect(await s.adapter.post(replyTo(c, '@alice b'))).toEqual({ status: 'rejected', reason: 'auth' });
    const errors = s.logs.lines.filter((l) => l.level === 50);
    expect(errors).toHaveLength(1);
    expect(JSON.stringify(errors[0])).toContain('docs/youtube.md');
    expect(s.logs.raw.join('\n')).not.toContain('revoked');
  });
});

describe('YouTube adapter: read-only mode', () => {
  it('reads, logs the reply it would have posted, posts nothing, says so once at start', async () => {
    const s = await setup({ post: false });
    expect(s.config.youtubeCanPost).toBe(false);
    expect(s.logs.find(/YouTube is read-only/)).toHaveLength(1);
    s.fake.pushChat({ author: '@alice', text: 'anyone there?' });
    const c = await commentWith(s, 'anyone there?');
    expect(await s.adapter.post(replyTo(c, '@alice hello from read-only'))).toEqual({ status: 'rejected', reason: 'read_only' });
    const info = s.logs.find('YouTube read-only: reply not posted');
    expect(info).toHaveLength(1);
    expect(info[0]).toMatchObject({ level: 30, replyTo: c.id });
    expect(JSON.stringify(info[0])).not.toContain('hello from read-only');
    expect(s.logs.find('YouTube read-only: reply text')[0]).toMatchObject({ level: 20, chat: '@alice hello from read-only' });
    expect(s.fake.insertCalls()).toBe(0);
    expect(s.fake.tokenRefreshes()).toBe(0);
    expect(s.logs.find(/YouTube is read-only/)).toHaveLength(1);
  });
});
