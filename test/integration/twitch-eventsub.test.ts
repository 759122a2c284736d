/**
 * TWITCH_TRANSPORT=eventsub against the fake EventSub WebSocket + Helix and the fake id
 * service (real sockets, real Redis for the token): the shared adapter contract, the same
 * Comment fields as IRC, threaded replies through Helix, is_sent/drop_reason, keepalive
 * timeout, session_reconnect, revocation, a 401 answered by a refresh, and chat modes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import type { OutgoingMessage } from '../../src/platforms/port.js';
import { createTwitchAuth } from '../../src/platforms/twitch/auth.js';
import { createEventSubAdapter } from '../../src/platforms/twitch/eventsub-adapter.js';
import { createIdApi } from '../../src/platforms/twitch/id-api.js';
import { commentSchema, type CommentInput } from '../../src/types.js';
import { startFakeEventSub, type FakeEventSubOptions } from '../fakes/twitch-eventsub.js';
import { startFakeTwitchId, type FakeTwitchIdOptions } from '../fakes/twitch-id.js';
import { LogCapture } from '../helpers/log-capture.js';
import { dropPrefix, newRedis, uniquePrefix, until } from '../helpers/redis.js';
import { runAdapterContract } from './adapter-contract.js';

const CH = 'botan_ch';
const BOT = 'botan_bot';
const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  while (cleanups.length) await Promise.resolve(cleanups.pop()!()).catch(() => undefined);
});

async function rig(o: { es?: FakeEventSubOptions; id?: FakeTwitchIdOptions; refresh?: boolean; start?: boolean; channels?: string[] } = {}) {
  const id = await startFakeTwitchId(o.id);
  const es = await startFakeEventSub({ checkToken: id.isValid, ...o.es });
  const redis = newRedis();
  const prefix = uniquePrefix('twes');
  const logs = new LogCapture();
  const logger = createLogger({ level: 'debug', destination: logs });
  const pair = id.issue(BOT);
  const auth = createTwitchAuth({
    idApi: createIdApi({ baseUrl: id.url, clientId: id.clientId }),
    redis,
    prefix,
    ...(o.refresh ? { refreshToken: pair.refreshToken, canRefresh: true } : { staticToken: `oauth:${pair.accessToken}`, canRefresh: false }),
    username: BOT,
    transport: 'eventsub',
    logger,
  });
  const adapter = createEventSubAdapter({ eventsubUrl: es.wsUrl, apiUrl: es.apiUrl, clientId: id.clientId, username: BOT, channels: o.channels ?? [CH], ignoredBots: ['nightbot'], maxChars: 500, auth, logger });
  cleanups.push(() => id.close(), () => es.close(), () => redis.quit(), () => dropPrefix(prefix), () => adapter.close());
  const comments: CommentInput[] = [];
  if (o.start !== false) {
    await adapter.start((c) => comments.push(c));
    await es.waitForSubscription(CH);
  }
  return { id, es, adapter, comments, logs, pair };
}

const reply = (c: CommentInput, text: string): OutgoingMessage => ({ platform: 'twitch', channel: CH, text, replyTo: { id: c.id, author: commentSchema.parse(c).author } });

runAdapterContract('twitch (eventsub)', async () => {
  const r = await rig({ start: false });
  return {
    adapter: r.adapter,
    channel: CH,
    sendViewerComment: async (text) => {
      await r.es.waitForSubscription(CH, 'channel.chat.message', 10_000);
      r.es.chat(CH, { user: 'contract_viewer', text });
    },
    postedTexts: async () => r.es.sent().filter((s) => !s.dropped).map((s) => s.text),
    teardown: async () => undefined,
  };
});

describe('twitch eventsub transport', () => {
  it('subscribes per channel with the bot as user_id and maps events to the same Comment fields as IRC', async () => {
    const { es, comments } = await rig();
    expect(es.subscriptions().map((s) => s.type).sort()).toEqual(['channel.chat.message', 'channel.chat_settings.update']);
    const a = es.chat(CH, { user: 'modguy', text: 'hi', mod: true, displayName: 'ModGuy' });
    const b = es.chat(CH, { user: 'newbie', text: 'はじめまして！', firstMsg: true, vip: true, subscriber: true });
    const c = es.chat(CH, { user: 'cheerer', text: 'cheer100 がんばって！', bits: 100 });
    es.chat(CH, { user: 'nightbot', text: 'Follow!' });
    es.chat(CH, { user: 'viewer', text: '!uptime' });
    const last = es.chat(CH, { user: 'owner', text: 'welcome', broadcaster: true, userId: '42' });
    await until(() => comments.some((x) => x.id === last), 5000, 'the last comment');
    const by = (i: string) => commentSchema.parse(comments.find((x) => x.id === i));
    expect(by(a)).toMatchObject({ platform: 'twitch', channel: CH, text: 'hi', author: { login: 'modguy', name: 'ModGuy', badges: { moderator: true } } });
    expect(by(b)).toMatchObject({ author: { firstMessage: true, badges: { vip: true, member: true, moderator: false } } });
    expect(by(c)).toMatchObject({ kind: 'cheer', text: 'がんばって！', paid: { amount: 100, currency: 'bits' } });
    expect(by(last).author).toMatchObject({ id: '42', badges: { owner: true } });
    expect(comments).toHaveLength(4);
    expect(by(a).sentAt).toBeGreaterThan(Date.now() - 60_000);
  });

  it('replies through Helix with reply_parent_message_id; its own message coming back is not a comment', async () => {
    const { es, adapter, comments } = await rig();
    const q = es.chat(CH, { user: 'viewer1', text: '今日は何を作るの？' });
    const c = await until(() => comments.find((x) => x.id === q), 5000, 'the comment');
    expect(await adapter.post(reply(c, '記憶システムを作るよ！'))).toMatchObject({ status: 'posted' });
    const [sent] = await es.waitForSent(1);
    expect(sent).toMatchObject({ channel: CH, text: '記憶システムを作るよ！', replyParentId: q });
    expect(sent!.dropped).toBeUndefined();
    await new Promise((r) => setTimeout(r, 200));
    expect(comments.map((x) => x.id)).toEqual([q]);
  });

  it('a message Twitch does not send (is_sent false) is handled like the IRC NOTICE: rejected, held, one warning', async () => {
    const { es, adapter, logs } = await rig();
    es.setChatSettings(CH, { follower_mode: true, follower_mode_duration: 0 }, { silent: true }); // changed without the bot knowing
    const q = { id: 'm1', author: { id: '1', login: 'v', name: 'v', badges: { moderator: false, owner: false, member: false, vip: false, verified: false }, firstMessage: false } };
    const msg: OutgoingMessage = { platform: 'twitch', channel: CH, text: 'hello', replyTo: q };
    expect(await adapter.post(msg)).toMatchObject({ status: 'rejected', reason: expect.stringContaining('msg_followersonly') });
    expect(await adapter.post({ ...msg, text: 'again' })).toMatchObject({ status: 'rejected' });
    expect(es.sent().map((s) => s.dropped)).toEqual(['msg_followersonly']); // the second never went out
    expect(logs.find(/cannot post in #botan_ch/)).toHaveLength(1);
  });

  it('chat modes up front: slow mode from Helix chat settings spaces replies; emote-only from chat_settings.update rejects without sending', async () => {
    const { es, adapter, logs } = await rig({ es: {} });
    es.setChatSettings(CH, { slow_mode: true, slow_mode_wait_time: 30 });
    await logs.waitFor(/is in slow mode \(30 s\)/);
    expect(adapter.limits(CH).minSpacingMs).toBeGreaterThanOrEqual(30_000);
    es.setChatSettings(CH, { slow_mode: false, slow_mode_wait_time: null, emote_mode: true });
    await logs.waitFor(/is in emote-only mode/);
    const q = { id: 'm1', author: { id: '1', login: 'v', name: 'v', badges: { moderator: false, owner: false, member: false, vip: false, verified: false }, firstMessage: false } };
    expect(await adapter.post({ platform: 'twitch', channel: CH, text: 'hi', replyTo: q })).toEqual({ status: 'rejected', reason: `emote-only mode in #${CH}` });
    expect(es.sent()).toEqual([]);
  });

  it('keepalive timeout: silence past keepalive_timeout_seconds reconnects, subscribes on the new session, chat goes on', async () => {
    const { es, adapter, comments, logs } = await rig({ es: { keepaliveS: 1 } });
    es.silence();
    await logs.waitFor(/keepalive timeout/, undefined, 5000);
    await es.waitForSubscription(CH, 'channel.chat.message', 8000, 2);
    const q = es.chat(CH, { user: 'viewer', text: 'still there?' });
    const c = await until(() => comments.find((x) => x.id === q), 5000, 'a comment after the reconnect');
    expect(await adapter.post(reply(c, 'yes!'))).toMatchObject({ status: 'posted' });
  });

  it('session_reconnect: moves to the new URL without subscribing again and without losing or doubling a message', async () => {
    const { es, comments, logs } = await rig();
    const attempts = es.connectionAttempts();
    es.reconnect();
    await logs.waitFor('EventSub session moved to the reconnect URL');
    expect(es.connectionAttempts()).toBe(attempts + 1);
    await until(() => es.sessions() === 1, 5000, 'the old socket to close');
    const q = es.chat(CH, { user: 'viewer', text: 'after the move' });
    await until(() => comments.some((x) => x.id === q), 5000, 'the comment on the moved session');
    await new Promise((r) => setTimeout(r, 200));
    expect(comments.filter((x) => x.id === q)).toHaveLength(1);
    expect(es.subscriptions().filter((s) => s.type === 'channel.chat.message')).toHaveLength(1);
  });

  it('revocation (authorization_revoked) with a revoked token: one clear error, Twitch stops, posts are rejected', async () => {
    const { id, es, adapter, logs } = await rig();
    id.revokeAll(BOT);
    es.revoke(CH, 'channel.chat.message', 'authorization_revoked');
    await logs.waitFor(/revoked the bot's EventSub subscription channel\.chat\.message/);
    const fatal = await logs.waitFor(/TWITCH_OAUTH_TOKEN is invalid/);
    expect(fatal.level).toBe(50);
    await until(() => es.sessions() === 0, 5000, 'the EventSub socket to close');
    const q = { id: 'm1', author: { id: '1', login: 'v', name: 'v', badges: { moderator: false, owner: false, member: false, vip: false, verified: false }, firstMessage: false } };
    expect(await adapter.post({ platform: 'twitch', channel: CH, text: 'hi', replyTo: q })).toMatchObject({ status: 'rejected' });
  });

  it('a 401 from Helix (token expired under the bot) gets one refresh and the reply still goes out once', async () => {
    const { id, es, adapter, comments } = await rig({ refresh: true });
    const q = es.chat(CH, { user: 'viewer', text: 'question?' });
    const c = await until(() => comments.find((x) => x.id === q), 5000, 'the comment');
    const refreshes = id.counts.refresh_token ?? 0;
    id.expireAccess(BOT); // every access token of the bot stops working; the refresh token still does
    expect(await adapter.post(reply(c, 'answer'))).toMatchObject({ status: 'posted' });
    expect(id.counts.refresh_token).toBe(refreshes + 1);
    await es.waitForSent(1);
    expect(es.sent().map((s) => s.text)).toEqual(['answer']);
  });

  it('a subscription Twitch fails to create is retried on a new session (backoff), then chat flows', async () => {
    const { es, adapter, comments, logs } = await rig({ es: { failSubscriptions: 1 } });
    expect(logs.find(/could not subscribe to Twitch chat/)).toHaveLength(1);
    await es.waitForSubscription(CH, 'channel.chat.message', 10_000);
    expect(es.connectionAttempts()).toBe(2);
    const q = es.chat(CH, { user: 'viewer', text: 'hello?' });
    const c = await until(() => comments.find((x) => x.id === q), 5000, 'the comment');
    expect(await adapter.post(reply(c, 'hi!'))).toMatchObject({ status: 'posted' });
  });

  it('a moderator bot is known as one from the start (Helix moderated channels): exempt from emote-only, moderator limits', async () => {
    const { es, adapter, comments, logs } = await rig({ es: { modIn: [CH] } });
    await logs.waitFor(/bot moderator status in #botan_ch: true/);
    expect(adapter.limits(CH)).toMatchObject({ max: 100, minSpacingMs: 100 });
    es.setChatSettings(CH, { emote_mode: true });
    await new Promise((r) => setTimeout(r, 200));
    const q = es.chat(CH, { user: 'viewer', text: 'hi?' });
    const c = await until(() => comments.find((x) => x.id === q), 5000, 'the comment');
    expect(await adapter.post(reply(c, 'hello!'))).toMatchObject({ status: 'posted' });
    expect(es.sent().map((s) => s.dropped)).toEqual([undefined]);
    expect(logs.find(/is in emote-only mode/)).toHaveLength(0);
  });
});
