/**
 * Twitch token lifecycle against the fake id service (real HTTP) and the fake IRC (which
 * refuses a login with a token the id service does not know), with the pair kept in the
 * real Redis under a fresh prefix.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { createTwitchAdapter } from '../../src/platforms/twitch/adapter.js';
import { createTwitchAuth, readStoredTokens, type TwitchAuthOptions, type TwitchTransport } from '../../src/platforms/twitch/auth.js';
import { createIdApi } from '../../src/platforms/twitch/id-api.js';
import type { OutgoingMessage } from '../../src/platforms/port.js';
import { commentSchema, type CommentInput } from '../../src/types.js';
import { startFakeTwitch } from '../fakes/twitch.js';
import { startFakeTwitchId } from '../fakes/twitch-id.js';
import { LogCapture } from '../helpers/log-capture.js';
import { manualClock } from '../helpers/manual-clock.js';
import { dropPrefix, newRedis, uniquePrefix, until } from '../helpers/redis.js';

const BOT = 'botan_bot';
const CHANNEL = 'botan_ch';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  while (cleanups.length) await Promise.resolve(cleanups.pop()!()).catch(() => undefined);
});

async function setup(idOpts: Parameters<typeof startFakeTwitchId>[0] = {}) {
  const id = await startFakeTwitchId(idOpts);
  const redis = newRedis();
  const prefix = uniquePrefix('twauth');
  const logs = new LogCapture();
  cleanups.push(() => id.close(), () => redis.quit(), () => dropPrefix(prefix));
  const logger = createLogger({ level: 'debug', destination: logs });
  const auth = (over: Partial<TwitchAuthOptions> & { transport?: TwitchTransport } = {}) => {
    const a = createTwitchAuth({
      idApi: createIdApi({ baseUrl: id.url, clientId: id.clientId }),
      redis,
      prefix,
      canRefresh: true,
      username: BOT,
      transport: 'irc',
      logger,
      ...over,
    });
    cleanups.push(() => a.close());
    return a;
  };
  return { id, redis, prefix, logs, logger, auth };
}

function replyTo(c: CommentInput, text: string): OutgoingMessage {
  return { platform: 'twitch', channel: CHANNEL, text, replyTo: { id: c.id, author: commentSchema.parse(c).author } };
}

describe('Twitch token lifecycle', () => {
  it('a token that expires mid-run is refreshed before it does; chat goes on after a reconnect, no reply lost or doubled', async () => {
    const { id, redis, prefix, logs, logger, auth } = await setup({ accessLifetimeS: 3 });
    const first = id.issue(BOT);
    const irc = await startFakeTwitch({ checkToken: id.isValid });
    cleanups.push(() => irc.close());
    const a = auth({ refreshToken: first.refreshToken });
    const adapter = createTwitchAdapter({ url: irc.url, username: BOT, token: '', auth: a, channels: [CHANNEL], ignoredBots: [], maxChars: 500, logger });
    cleanups.push(() => adapter.close());
    const comments: CommentInput[] = [];
    await adapter.start((c) => comments.push(c));
    await irc.waitForJoin(CHANNEL);

    const q1 = irc.chat(CHANNEL, { user: 'viewer1', text: 'first question?' });
    const c1 = await until(() => comments.find((c) => c.id === q1), 5000, 'comment 1');
    expect(await adapter.post(replyTo(c1, 'first answer'))).toMatchObject({ status: 'posted' });

    // the bot had no stored pair: it got its first token from the refresh token at start
    const loginToken = irc.received.find((l) => l.startsWith('PASS '))!.slice('PASS oauth:'.length);
    expect(id.counts.refresh_token).toBe(1);
    // the 3 s token is refreshed before it runs out (a quarter of its life before)
    await until(() => (id.counts.refresh_token ?? 0) >= 2, 8000, 'the refresh before expiry');
    expect(id.isValid(loginToken)).toBe(true);
    const stored = await readStoredTokens(redis, prefix);
    expect(stored!.refreshToken).not.toBe(first.refreshToken); // rotated, newest kept in Redis
    expect(id.isValid(stored!.accessToken)).toBe(true);

    // Twitch drops the connection once the old token is gone; the reconnect logs in with the new one
    await until(() => !id.isValid(loginToken), 5000, 'the login token to expire');
    irc.dropConnections();
    await irc.waitForJoin(CHANNEL, 10_000, 2);
    const passes = irc.received.filter((l) => l.startsWith('PASS '));
    expect(passes.at(-1)).not.toBe(`PASS oauth:${loginToken}`);
    expect(id.isValid(passes.at(-1)!.slice('PASS oauth:'.length))).toBe(true);

    const q2 = irc.chat(CHANNEL, { user: 'viewer2', text: 'second question?' });
    const c2 = await until(() => comments.find((c) => c.id === q2), 5000, 'comment 2');
    expect(await adapter.post(replyTo(c2, 'second answer'))).toMatchObject({ status: 'posted' });
    await irc.waitForPrivmsgs(2);
    await new Promise((r) => setTimeout(r, 200));
    expect(irc.privmsgs().map((p) => [p.text, p.tags['reply-parent-msg-id']])).toEqual([
      ['first answer', q1],
      ['second answer', q2],
    ]);
    expect(logs.find(/./, (l) => (l.level as number) >= 50)).toEqual([]);
  }, 30_000);

  it('a refused IRC login with an expired token refreshes at once and logs in again', async () => {
    const { id, logs, logger, auth } = await setup();
    const first = id.issue(BOT);
    const irc = await startFakeTwitch({ checkToken: id.isValid });
    cleanups.push(() => irc.close());
    const adapter = createTwitchAdapter({ url: irc.url, username: BOT, token: '', auth: auth({ refreshToken: first.refreshToken }), channels: [CHANNEL], ignoredBots: [], maxChars: 500, logger });
    cleanups.push(() => adapter.close());
    await adapter.start(() => undefined);
    await irc.waitForJoin(CHANNEL);
    const before = id.counts.refresh_token ?? 0;
    // revoked behind the bot's back (e.g. the user changed the password): the next login is refused
    const stored = irc.received.filter((l) => l.startsWith('PASS ')).at(-1)!.slice('PASS oauth:'.length);
    id.expire(stored);
    irc.dropConnections();
    await irc.waitForJoin(CHANNEL, 10_000, 2);
    expect(id.counts.refresh_token).toBe(before + 1);
    await logs.waitFor('Twitch refused the login; logging in again with a refreshed token');
  }, 20_000);

  it('two processes sharing Redis refresh once between them and use the same new token', async () => {
    const { id, redis, prefix, auth } = await setup({ tokenDelayMs: 300 });
    const first = id.issue(BOT);
    const a = auth({ refreshToken: first.refreshToken });
    const b = auth({ refreshToken: first.refreshToken });
    expect(await Promise.all([a.start(), b.start()])).toEqual([true, true]);
    expect(id.counts.refresh_token).toBe(1);
    const [ta, tb] = await Promise.all([a.token(), b.token()]);
    expect(ta).toBe(tb);
    expect(id.isValid(ta)).toBe(true);
    expect((await readStoredTokens(redis, prefix))!.accessToken).toBe(ta);
    // a third process started later adopts the stored pair: no refresh, and the old refresh token is used up
    const c = auth({ refreshToken: first.refreshToken });
    expect(await c.start()).toBe(true);
    expect(await c.token()).toBe(ta);
    expect(id.counts.refresh_token).toBe(1);
  });

  it('validates at start and every hour (clock-controlled)', async () => {
    const { id, auth } = await setup();
    const clock = manualClock();
    const t = id.issue(BOT);
    const a = auth({ staticToken: `oauth:${t.accessToken}`, canRefresh: false, clock });
    expect(await a.start()).toBe(true);
    await until(() => id.counts.validate === 1, 5000, 'the validation at start');
    await until(() => clock.pending() === 1, 5000, 'the hourly timer'); // set once the answer is in
    clock.advance(59 * 60_000);
    await new Promise((r) => setTimeout(r, 200));
    expect(id.counts.validate).toBe(1);
    clock.advance(60_000);
    await until(() => id.counts.validate === 2, 5000, 'the hourly validation');
    await until(() => clock.pending() === 1, 5000, "the next hour's timer");
    clock.advance(3_600_000);
    await until(() => id.counts.validate === 3, 5000, 'the next hourly validation');
  });

  it('a revoked token found by the hourly validation stops Twitch with one clear error; posting is refused, not retried', async () => {
    const { id, logs, logger, auth } = await setup();
    const clock = manualClock();
    const t = id.issue(BOT);
    const irc = await startFakeTwitch({ checkToken: id.isValid });
    cleanups.push(() => irc.close());
    const adapter = createTwitchAdapter({ url: irc.url, username: BOT, token: '', auth: auth({ refreshToken: t.refreshToken, clock }), channels: [CHANNEL], ignoredBots: [], maxChars: 500, logger });
    cleanups.push(() => adapter.close());
    const comments: CommentInput[] = [];
    await adapter.start((c) => comments.push(c));
    await irc.waitForJoin(CHANNEL);
    id.revokeAll(BOT); // the user disconnected the app in their Twitch settings
    await until(() => clock.pending() >= 1, 5000, 'the hourly timer');
    clock.advance(3_600_000);
    const err = await logs.waitFor(/TWITCH_REFRESH_TOKEN/, (l) => l.level === 50);
    expect(String(err.msg)).toMatch(/revoked.*Twitch chat is stopped; YouTube and the rest keep running.*botctl twitch login/);
    await until(() => irc.connections() === 0, 5000, 'the IRC connection to close');
    const q = { id: 'x1', author: { id: '1', login: 'v', name: 'v', badges: { moderator: false, owner: false, member: false, vip: false, verified: false }, firstMessage: false } };
    expect(await adapter.post({ platform: 'twitch', channel: CHANNEL, text: 'hello', replyTo: q })).toMatchObject({ status: 'rejected' });
    clock.advance(3_600_000);
    await new Promise((r) => setTimeout(r, 200));
    expect(logs.find(/./, (l) => l.level === 50)).toHaveLength(1);
  });

  it.each([
    ['irc', ['chat:read'], 'chat:edit'],
    ['eventsub', ['chat:read', 'chat:edit'], 'user:read:chat, user:write:chat'],
  ] as const)('a %s token without the scopes it needs names the variable and the missing scope', async (transport, scopes, missing) => {
    const { id, logs, auth } = await setup();
    const t = id.issue(BOT, { scopes: [...scopes] });
    const a = auth({ staticToken: t.accessToken, canRefresh: false, transport });
    await a.start();
    const err = await logs.waitFor(/lacks the scope/);
    expect(err.msg).toContain('TWITCH_OAUTH_TOKEN');
    expect(err.msg).toContain(`lacks the scope${missing.includes(',') ? 's' : ''} ${missing}`);
    expect(err.missingScopes).toEqual(missing.split(', '));
    await expect(a.token()).rejects.toThrow(/lacks the scope/);
  });

  it('a static token that expires within a day is accepted with a warning; a token of another account is refused', async () => {
    const { id, logs, auth } = await setup();
    const soon = id.issue(BOT, { lifetimeS: 20 * 3600 });
    expect(await auth({ staticToken: soon.accessToken, canRefresh: false }).start()).toBe(true);
    const warn = await logs.waitFor(/TWITCH_OAUTH_TOKEN expires in 20 h/);
    expect(warn.level).toBe(40);
    const other = id.issue('someone_else');
    await auth({ staticToken: other.accessToken, canRefresh: false }).start();
    expect((await logs.waitFor(/belongs to someone_else/)).msg).toContain(`TWITCH_USERNAME=${BOT}`);
  });

  it('an unknown refresh token stops Twitch at start with the error naming TWITCH_REFRESH_TOKEN, never the token', async () => {
    const { logs, auth } = await setup();
    const bad = 'nonsense-refresh-token-value-123456';
    expect(await auth({ refreshToken: bad }).start()).toBe(false);
    const err = await logs.waitFor(/TWITCH_REFRESH_TOKEN/);
    expect(err.msg).toMatch(/Invalid refresh token/);
    expect(logs.raw.join('\n')).not.toContain(bad);
  });
});

