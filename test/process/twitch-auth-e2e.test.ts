/**
 * The bot process with a refreshing Twitch token (client id, confidential secret, refresh
 * token) and YouTube: Twitch answers; when the token is revoked Twitch stops with one clear
 * error while YouTube keeps answering; no secret (client secret, refresh tokens, access
 * tokens, old or new) appears in the output at LOG_LEVEL=trace.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeOllama } from '../fakes/ollama.js';
import { startFakeTwitch } from '../fakes/twitch.js';
import { startFakeTwitchId } from '../fakes/twitch-id.js';
import { startFakeEventSub } from '../fakes/twitch-eventsub.js';
import { FakeYouTube } from '../fakes/youtube.js';
import { botEnv, startBot } from '../helpers/bot-process.js';
import { dropPrefix, REDIS_URL, uniquePrefix, until } from '../helpers/redis.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

describe('Twitch token lifecycle in the bot process', () => {
  it('a revoked token stops Twitch with one clear error while YouTube keeps answering; no secret in the output', async () => {
    const CLIENT_SECRET = 'twitchclientsecretneverlogged0123';
    const id = await startFakeTwitchId({ clientSecret: CLIENT_SECRET });
    const twitch = await startFakeTwitch({ checkToken: id.isValid });
    const yt = await FakeYouTube.start();
    const ollama = await startFakeOllama({ reply: () => ({ content: 'こんにちは！' }) });
    const prefix = uniquePrefix('twauth-e2e');
    cleanups.push(() => id.close(), () => twitch.close(), () => yt.close(), () => ollama.close(), () => dropPrefix(prefix));
    const pair = id.issue('botan_bot');
    const env = botEnv({ redisUrl: REDIS_URL, prefix, ollama: ollama.host, twitchUrl: twitch.url });
    delete env.TWITCH_OAUTH_TOKEN;
    const bot = startBot('main', {
      ...env,
      ...yt.env('live', true),
      TWITCH_CLIENT_ID: id.clientId,
      TWITCH_CLIENT_SECRET: CLIENT_SECRET,
      TWITCH_REFRESH_TOKEN: pair.refreshToken,
      TWITCH_AUTH_URL: id.url,
      LOG_LEVEL: 'trace',
      YOUTUBE_POLL_INTERVAL_MS: '500',
    });
    cleanups.push(() => bot.stop());
    await bot.waitFor('bot started', undefined, 40_000);
    await twitch.waitForJoin('botan_ch', 15_000);
    // the confidential app's secret went with the refresh
    expect(id.tokenRequests[0]).toMatchObject({ grant_type: 'refresh_token', client_secret: CLIENT_SECRET, client_id: id.clientId });

    const q1 = twitch.chat('botan_ch', { user: 'viewer1', text: '牡丹ちゃん、こんにちは？' });
    await bot.waitFor('reply posted', (l) => l.commentId === q1, 30_000);

    // the user disconnects the app: every token is revoked; Twitch drops the session
    const usedTokens = twitch.received.filter((l) => l.startsWith('PASS ')).map((l) => l.slice('PASS oauth:'.length));
    id.revokeAll('botan_bot');
    twitch.dropConnections();
    const err = await bot.waitFor(/TWITCH_REFRESH_TOKEN/, (l) => l.level === 50, 20_000);
    expect(String(err.msg)).toMatch(/Twitch chat is stopped; YouTube and the rest keep running/);

    // YouTube keeps answering
    yt.pushChat({ author: '@yt_viewer', text: '牡丹ちゃん、ユーチューブからこんにちは？' });
    await until(() => (yt.posted().length ? true : undefined), 30_000, 'the YouTube reply');
    // Twitch stays down: no new login attempts pile up, one error only
    await new Promise((r) => setTimeout(r, 1000));
    expect(twitch.connections()).toBe(0);
    expect(bot.find(/TWITCH_REFRESH_TOKEN/, (l) => l.level === 50)).toHaveLength(1);
    expect(bot.isRunning()).toBe(true);

    bot.signal('SIGTERM');
    await bot.exited;
    const out = bot.output();
    expect(bot.lines.filter((l) => l.level === 20).length).toBeGreaterThan(10);
    for (const secret of [CLIENT_SECRET, pair.refreshToken, pair.accessToken, ...usedTokens]) expect(out, `secret ${secret.slice(0, 4)}… in the output`).not.toContain(secret);
  }, 120_000);

  it('two bot processes sharing Redis refresh once between them, at start and before expiry, and both keep chatting', async () => {
    const id = await startFakeTwitchId({ accessLifetimeS: 8, tokenDelayMs: 300 });
    const twitch = await startFakeTwitch({ checkToken: id.isValid });
    const ollama = await startFakeOllama({ reply: () => ({ content: 'はーい！' }) });
    const prefix = uniquePrefix('twauth-2p');
    cleanups.push(() => id.close(), () => twitch.close(), () => ollama.close(), () => dropPrefix(prefix));
    const pair = id.issue('botan_bot');
    const env = botEnv({ redisUrl: REDIS_URL, prefix, ollama: ollama.host, twitchUrl: twitch.url });
    delete env.TWITCH_OAUTH_TOKEN;
    const twitchEnv = { TWITCH_CLIENT_ID: id.clientId, TWITCH_REFRESH_TOKEN: pair.refreshToken, TWITCH_AUTH_URL: id.url };
    const bots = [startBot('main', { ...env, ...twitchEnv }), startBot('main', { ...env, ...twitchEnv })];
    for (const b of bots) cleanups.push(() => b.stop());
    await Promise.all(bots.map((b) => b.waitFor('bot started', undefined, 40_000)));
    await until(() => twitch.connections() === 2 && twitch.joinCount('botan_ch') >= 2, 15_000, 'both processes to join');
    expect(id.counts.refresh_token).toBe(1);
    // the 8 s token is refreshed about 2 s before it expires: once, by one of them
    await until(() => (id.counts.refresh_token ?? 0) >= 2, 12_000, 'the refresh before expiry');
    await new Promise((r) => setTimeout(r, 1500));
    expect(id.counts.refresh_token).toBe(2);
    // Twitch drops both sessions after the first token expired: both log in again with the one new token
    await new Promise((r) => setTimeout(r, 1500));
    const before = twitch.received.filter((l) => l.startsWith('PASS ')).length;
    const joinsBefore = twitch.joinCount('botan_ch');
    twitch.dropConnections();
    await until(() => twitch.connections() === 2 && twitch.joinCount('botan_ch') >= joinsBefore + 2, 20_000, 'both to log in and join again');
    const relogins = twitch.received.filter((l) => l.startsWith('PASS ')).slice(before);
    expect(new Set(relogins).size).toBe(1);
    expect(id.isValid(relogins[0]!.slice('PASS oauth:'.length))).toBe(true);
    const q = twitch.chat('botan_ch', { user: 'viewer1', text: '牡丹ちゃん、元気？' });
    await until(() => (twitch.privmsgs().some((p) => p.tags['reply-parent-msg-id'] === q) ? true : undefined), 30_000, 'the reply');
    await new Promise((r) => setTimeout(r, 1000));
    expect(twitch.privmsgs().filter((p) => p.tags['reply-parent-msg-id'] === q)).toHaveLength(1);
    for (const b of bots) expect(b.find(/./, (l) => (l.level as number) >= 50)).toEqual([]);
  }, 120_000);

  it('TWITCH_TRANSPORT=eventsub in the bot process: a login from the stored pair, chat through EventSub, a threaded reply through Helix', async () => {
    const id = await startFakeTwitchId();
    const es = await startFakeEventSub({ checkToken: id.isValid });
    const ollama = await startFakeOllama({ reply: () => ({ content: 'いちごが好き！🍓' }) });
    const prefix = uniquePrefix('twes-e2e');
    cleanups.push(() => id.close(), () => es.close(), () => ollama.close(), () => dropPrefix(prefix));
    const pair = id.issue('botan_bot');
    const env = botEnv({ redisUrl: REDIS_URL, prefix, ollama: ollama.host });
    const bot = startBot('main', {
      ...env,
      TWITCH_CHANNELS: 'botan_ch',
      TWITCH_USERNAME: 'botan_bot',
      TWITCH_CLIENT_ID: id.clientId,
      TWITCH_REFRESH_TOKEN: pair.refreshToken,
      TWITCH_TRANSPORT: 'eventsub',
      TWITCH_AUTH_URL: id.url,
      TWITCH_API_URL: es.apiUrl,
      TWITCH_EVENTSUB_URL: es.wsUrl,
    });
    cleanups.push(() => bot.stop());
    await bot.waitFor('bot started', undefined, 40_000);
    await es.waitForSubscription('botan_ch', 'channel.chat.message', 15_000);
    const q = es.chat('botan_ch', { user: 'viewer1', text: '牡丹ちゃん、好きな食べ物は？' });
    const [sent] = await es.waitForSent(1, 30_000);
    expect(sent).toMatchObject({ channel: 'botan_ch', text: 'いちごが好き！🍓', replyParentId: q });
    await bot.waitFor('reply posted', (l) => l.commentId === q, 10_000);
    bot.signal('SIGTERM');
    expect((await bot.exited).code).toBe(0);
    expect(bot.find(/./, (l) => (l.level as number) >= 50)).toEqual([]);
  }, 90_000);
});
