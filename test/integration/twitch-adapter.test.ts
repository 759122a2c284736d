import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/log.js';
import { createTwitchAdapter, type TwitchAdapterOptions } from '../../src/platforms/twitch/adapter.js';
import type { ChatAdapter, OutgoingMessage, PostResult } from '../../src/platforms/port.js';
import { commentSchema, type CommentInput } from '../../src/types.js';
import { startFakeTwitch, type FakeTwitch, type FakeTwitchOptions } from '../fakes/twitch.js';
import { runAdapterContract } from './adapter-contract.js';
import { manualClock } from '../helpers/manual-clock.js';

const CHANNEL = 'botan_ch';
const BOT = 'botan_bot';
const TOKEN = 'oauth:s3cr3t-t0ken-value';

interface Rig {
  fake: FakeTwitch;
  adapter: ChatAdapter;
  comments: CommentInput[];
  logs: Array<Record<string, unknown> & { level: number; msg: string }>;
  rawLog: () => string;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

function sinkLogger() {
  const logs: Rig['logs'] = [];
  let raw = '';
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      raw += chunk.toString();
      for (const line of chunk.toString().split('\n')) if (line.trim()) logs.push(JSON.parse(line));
      cb();
    },
  });
  return { logger: createLogger({ level: 'debug', destination }), logs, rawLog: () => raw };
}

async function rig(fakeOpts: FakeTwitchOptions = {}, over: Partial<TwitchAdapterOptions> = {}, start = true): Promise<Rig> {
  const fake = await startFakeTwitch(fakeOpts);
  const { logger, logs, rawLog } = sinkLogger();
  const adapter = createTwitchAdapter({ url: fake.url, username: BOT, token: TOKEN, channels: [CHANNEL], ignoredBots: ['nightbot', 'streamelements'], maxChars: 500, logger, ...over });
  cleanups.push(() => fake.close(), () => adapter.close());
  const comments: CommentInput[] = [];
  if (start) await adapter.start((c) => comments.push(c));
  return { fake, adapter, comments, logs, rawLog };
}

/** Poll `fn` (sync or async) until it gives something other than undefined/false. */
const until = <T>(fn: () => T | undefined | false | Promise<T | undefined | false>, timeout = 8000) =>
  vi.waitFor(
    async () => {
      const v = await fn();
      if (v === undefined || v === false) throw new Error('not yet');
      return v;
    },
    { timeout, interval: 20 },
  );

function reply(comment: CommentInput | { id: string }, text: string, channel = CHANNEL): OutgoingMessage {
  const author = { id: '1', login: 'v', name: 'v', badges: { moderator: false, owner: false, member: false, vip: false, verified: false }, firstMessage: false };
  return { platform: 'twitch', channel, text, replyTo: { id: comment.id, author } };
}

/** Post, retrying while the adapter reports a retryable fault (as the outbox job would). */
async function postWhenReady(adapter: ChatAdapter, msg: OutgoingMessage, timeout = 10_000): Promise<PostResult> {
  return vi.waitFor(() => adapter.post(msg), { timeout, interval: 50 });
}

runAdapterContract('twitch', async () => {
  const fake = await startFakeTwitch();
  const { logger } = sinkLogger();
  const adapter = createTwitchAdapter({ url: fake.url, username: BOT, token: TOKEN, channels: [CHANNEL], ignoredBots: [], maxChars: 500, logger });
  return {
    adapter,
    channel: CHANNEL,
    sendViewerComment: async (text) => void fake.chat(CHANNEL, { user: 'contract_viewer', text }),
    postedTexts: async () => fake.privmsgs().filter((p) => !p.dropped).map((p) => p.text),
    teardown: () => fake.close(),
  };
});

describe('twitch adapter against the fake Twitch', () => {
  it('logs in with tmi.js over ws:// and joins its channels', async () => {
    const { fake } = await rig();
    expect(fake.received).toEqual(expect.arrayContaining([`PASS ${TOKEN}`, `NICK ${BOT}`, `JOIN #${CHANNEL}`]));
    expect(fake.received[0]).toMatch(/^CAP REQ :twitch\.tv\/tags twitch\.tv\/commands/);
    expect(fake.joined(CHANNEL)).toBe(true);
  });

  it('posts a threaded reply with reply-parent-msg-id', async () => {
    const { fake, adapter, comments } = await rig();
    const id = fake.chat(CHANNEL, { user: 'viewer1', text: 'ぼたん、今日は何を作るの？' });
    const c = await until(() => comments.find((x) => x.id === id));
    expect(await adapter.post(reply(c, '今日はRAGの記憶システムを作るよ！'))).toMatchObject({ status: 'posted' });
    const [sent] = await fake.waitForPrivmsgs(1);
    expect(sent!.raw).toBe(`@reply-parent-msg-id=${id} PRIVMSG #${CHANNEL} :今日はRAGの記憶システムを作るよ！`);
    expect(sent!.tags['reply-parent-msg-id']).toBe(id);
  });

  it('posts on a server that answers JOIN with the JOIN echo only (no USERSTATE): joined, not a moderator', async () => {
    const { fake, adapter, comments } = await rig({ bare: true });
    const id = fake.chat(CHANNEL, { user: 'viewer1', text: 'are you there?' });
    const c = await until(() => comments.find((x) => x.id === id));
    expect(await adapter.post(reply(c, 'yes, here!'))).toMatchObject({ status: 'posted' });
    const [sent] = await fake.waitForPrivmsgs(1);
    expect(sent!.tags['reply-parent-msg-id']).toBe(id);
    expect(adapter.limits(CHANNEL)).toMatchObject({ max: 20, minSpacingMs: 1000 });
  });

  it('maps a cheer to a paid comment in bits, once, without the cheermotes', async () => {
    const { fake, comments } = await rig();
    const id = fake.chat(CHANNEL, { user: 'cheerer', text: 'cheer100 がんばって！', bits: 100, subscriber: true });
    const c = commentSchema.parse(await until(() => comments.find((x) => x.id === id)));
    expect(c).toMatchObject({ kind: 'cheer', text: 'がんばって！', paid: { amount: 100, currency: 'bits' }, author: { login: 'cheerer', badges: { member: true } } });
    await new Promise((r) => setTimeout(r, 200));
    expect(comments.filter((x) => x.id === id)).toHaveLength(1);
  });

  it('maps tags: mod, vip, broadcaster, first message, /me, display name', async () => {
    const { fake, comments } = await rig();
    const a = fake.chat(CHANNEL, { user: 'modguy', text: 'hi', mod: true, vip: false, displayName: 'ModGuy' });
    const b = fake.chat(CHANNEL, { user: 'vipgal', text: 'waves at everyone', vip: true, firstMsg: true, action: true });
    const o = fake.chat(CHANNEL, { user: CHANNEL, text: 'welcome all', broadcaster: true, userId: '42' });
    await until(() => comments.length >= 3);
    const by = (id: string) => commentSchema.parse(comments.find((x) => x.id === id));
    expect(by(a).author).toMatchObject({ name: 'ModGuy', login: 'modguy', badges: { moderator: true, vip: false } });
    expect(by(b)).toMatchObject({ text: 'waves at everyone', author: { firstMessage: true, badges: { vip: true } } });
    expect(by(o).author).toMatchObject({ id: '42', badges: { owner: true } });
  });

  it('ignores known bots and its own messages; passes !commands on (moderators\' commands run in the gateway, intake skips the rest)', async () => {
    const { fake, comments } = await rig();
    fake.chat(CHANNEL, { user: 'Nightbot', text: 'Follow the channel!' });
    fake.chat(CHANNEL, { user: 'viewer2', text: '!uptime' });
    fake.chat(CHANNEL, { user: BOT, text: 'an echo of the bot itself' });
    const last = fake.chat(CHANNEL, { user: 'viewer3', text: 'a real question?' });
    await until(() => comments.some((c) => c.id === last));
    await new Promise((r) => setTimeout(r, 100));
    expect(comments.map((c) => c.text)).toEqual(['!uptime', 'a real question?']);
  });

  it('reads several lines in one WebSocket frame', async () => {
    const { fake, comments } = await rig();
    const line = (id: string, text: string) => `@badges=;display-name=Multi;id=${id};mod=0;subscriber=0;tmi-sent-ts=1;user-id=777 :multi!multi@multi.tmi.twitch.tv PRIVMSG #${CHANNEL} :${text}`;
    fake.sendRaw(`${line('m-1', 'first')}\r\n${line('m-2', 'second')}`);
    await until(() => comments.length >= 2);
    expect(comments.map((c) => [c.id, c.text])).toEqual([['m-1', 'first'], ['m-2', 'second']]);
  });

  it('drops malformed lines without throwing, warns once per kind, and keeps working', async () => {
    const { fake, comments, logs } = await rig();
    for (let i = 0; i < 3; i++) {
      fake.sendRaw(`@badges=;id=bad-${i};user-id=5 :x!x@x.tmi.twitch.tv PRIVMSG #${CHANNEL}`); // no text: tmi.js throws
      fake.sendRaw(`@badges=;user-id=5 :y!y@y.tmi.twitch.tv PRIVMSG #${CHANNEL} :no id tag`);
    }
    const ok = fake.chat(CHANNEL, { user: 'fine', text: 'still here?' });
    await until(() => comments.some((c) => c.id === ok));
    expect(comments).toHaveLength(1);
    const warns = logs.filter((l) => l.level === 40 && String(l.msg).includes('dropped'));
    expect(warns.map((w) => w.kind).sort()).toEqual(['malformed:no-id', 'unparseable-line']);
  });

  it('learns moderator status from USERSTATE and changes its limits', async () => {
    const { fake, adapter } = await rig();
    expect(adapter.limits(CHANNEL)).toEqual({ max: 20, windowMs: 30_000, minSpacingMs: 1000 });
    fake.setMod(CHANNEL, true);
    await until(() => adapter.limits(CHANNEL).max === 100);
    expect(adapter.limits(`#${CHANNEL.toUpperCase()}`)).toEqual({ max: 100, windowMs: 30_000, minSpacingMs: 100 });
    fake.setMod(CHANNEL, false);
    await until(() => adapter.limits(CHANNEL).max === 20);
  });

  it('is a moderator from the first USERSTATE when modded, and the config override replaces max/window', async () => {
    const { adapter } = await rig({ modIn: [CHANNEL] }, { rateLimit: { max: 50, windowSeconds: 60 } });
    expect(adapter.limits(CHANNEL)).toEqual({ max: 50, windowMs: 60_000, minSpacingMs: 100 });
  });

  it('alters a repeated text so Twitch does not drop it as a duplicate', async () => {
    const { fake, adapter } = await rig();
    for (let i = 0; i < 3; i++) expect((await adapter.post(reply({ id: `p${i}` }, 'おはよう！'))).status).toBe('posted');
    const sent = await fake.waitForPrivmsgs(3);
    expect(sent.map((s) => s.dropped)).toEqual([undefined, undefined, undefined]);
    expect(sent[0]!.text).toBe('おはよう！');
    expect(sent[1]!.text).not.toBe(sent[0]!.text);
    expect(sent[1]!.text.startsWith('おはよう！')).toBe(true);
    expect(sent[2]!.text).not.toBe(sent[1]!.text);
  });

  it('never puts a CR, LF or NUL from the text on the wire', async () => {
    const { fake, adapter } = await rig();
    await adapter.post(reply({ id: 'inj' }, `fine\r\nPRIVMSG #${CHANNEL} :injected\nthird\0line`));
    const [sent] = await fake.waitForPrivmsgs(1);
    await new Promise((r) => setTimeout(r, 100));
    expect(fake.privmsgs()).toHaveLength(1);
    expect(sent!.text).toBe(`fine PRIVMSG #${CHANNEL} :injected thirdline`);
    expect(fake.received.filter((l) => /PRIVMSG/.test(l))).toHaveLength(1);
    expect(fake.received.some((l) => l.startsWith(`PRIVMSG #${CHANNEL} :injected`))).toBe(false);
  });

  it('NOTICE msg_banned: posts there are rejected and a warning names the channel', async () => {
    const { fake, adapter, logs } = await rig();
    fake.notice(CHANNEL, 'msg_banned', `You are permanently banned from talking in ${CHANNEL}.`);
    await until(() => logs.find((l) => l.level === 40 && l.msgId === 'msg_banned'));
    const w = logs.find((l) => l.msgId === 'msg_banned')!;
    expect(w.msg).toContain(`#${CHANNEL}`);
    expect(await adapter.post(reply({ id: 'z' }, 'hello?'))).toEqual({ status: 'rejected', reason: `banned in #${CHANNEL}` });
    expect(fake.privmsgs()).toHaveLength(0);
  });

  it('NOTICE msg_timedout: rejected for the stated time, then posting works again', async () => {
    const { fake, adapter } = await rig();
    fake.notice(CHANNEL, 'msg_timedout', 'You are timed out for 1 more seconds.');
    await until(async () => (await adapter.post(reply({ id: 't' }, 'x'))).status === 'rejected' || undefined);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await adapter.post(reply({ id: 't2' }, 'back again'))).toMatchObject({ status: 'posted' });
  });

  it('NOTICE msg_ratelimit: posting pauses with a retryable error, warned once', async () => {
    const { fake, adapter, logs } = await rig({ enforceRateLimit: true });
    fake.notice(CHANNEL, 'msg_ratelimit', 'Your message was not sent because you are sending messages too quickly.');
    fake.notice(CHANNEL, 'msg_ratelimit', 'Your message was not sent because you are sending messages too quickly.');
    const err = await until(() => logs.some((l) => String(l.msg).includes('msg_ratelimit')) && adapter.post(reply({ id: 'r' }, 'x')).catch((e: unknown) => e));
    expect(await err).toMatchObject({ code: 'BOT_ERR_TWITCH_PAUSED', retryable: true });
    expect(logs.filter((l) => l.level === 40 && String(l.msg).includes('msg_ratelimit'))).toHaveLength(1);
    expect(fake.privmsgs()).toHaveLength(0);
  });

  it('Twitch RECONNECT: reconnects, rejoins, delivers and posts again', async () => {
    const { fake, adapter, comments } = await rig();
    fake.reconnect();
    await fake.waitForJoin(CHANNEL, 10_000, 2);
    expect(fake.connectionAttempts()).toBe(2);
    const id = fake.chat(CHANNEL, { user: 'after', text: 'are you back?' });
    await until(() => comments.find((c) => c.id === id));
    expect(await postWhenReady(adapter, reply({ id }, 'yes, back!'))).toMatchObject({ status: 'posted' });
    expect((await fake.waitForPrivmsgs(1))[0]!.text).toBe('yes, back!');
  });

  it('a dropped socket: not-connected errors meanwhile, one warning, then reconnects and posts', async () => {
    const { fake, adapter, logs } = await rig();
    fake.dropConnections();
    const err = await until(() => adapter.post(reply({ id: 'd' }, 'x')).then(() => undefined, (e: unknown) => e));
    expect(err).toMatchObject({ code: 'BOT_ERR_TWITCH_NOT_CONNECTED', retryable: true });
    await fake.waitForJoin(CHANNEL, 10_000, 2);
    expect(await postWhenReady(adapter, reply({ id: 'd2' }, 'reconnected'))).toMatchObject({ status: 'posted' });
    expect(logs.filter((l) => l.level === 40 && String(l.msg).startsWith('disconnected from Twitch'))).toHaveLength(1);
  });

  it('a refused login: one clear error naming TWITCH_OAUTH_TOKEN, no token in logs, retries after 60 s then 120 s, never in a tight loop', async () => {
    // the login retries wait on a clock the test moves by hand
    const clock = manualClock();
    const t0 = Date.now();
    const { fake, adapter, logs, rawLog } = await rig({ rejectLogin: true }, { clock });
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(clock.pending()).toBe(1);
    expect(fake.connectionAttempts()).toBe(1);
    const errors = logs.filter((l) => l.level >= 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.msg).toContain('TWITCH_OAUTH_TOKEN');
    expect(errors[0]!.retryInMs).toBe(60_000);
    expect(rawLog()).not.toContain('s3cr3t');
    await expect(adapter.post(reply({ id: 'n' }, 'x'))).rejects.toMatchObject({ code: 'BOT_ERR_TWITCH_NOT_CONNECTED' });
    // not a moment before the 60 s are up
    clock.advance(59_999);
    expect(clock.pending()).toBe(1);
    expect(fake.connectionAttempts()).toBe(1);
    // then one more attempt, refused again, and the next wait doubles (a warning, not a second error)
    clock.advance(1);
    await until(() => fake.connectionAttempts() === 2 && clock.pending() === 1);
    expect(logs.filter((l) => l.level >= 50)).toHaveLength(1);
    expect(logs.find((l) => l.level === 40 && l.retryInMs === 120_000)).toBeDefined();
    clock.advance(119_999);
    expect(clock.pending()).toBe(1);
    expect(fake.connectionAttempts()).toBe(2);
  });

  it('close() disconnects from the fake and stops delivering', async () => {
    const { fake, adapter, comments } = await rig();
    await adapter.close();
    await until(() => fake.connections() === 0);
    fake.chat(CHANNEL, { user: 'late', text: 'anyone?' });
    await new Promise((r) => setTimeout(r, 1500));
    expect(comments).toHaveLength(0);
    expect(fake.connections()).toBe(0);
  });

  it('close() while waiting to reconnect: no connection comes back', async () => {
    const { fake, adapter } = await rig();
    fake.dropConnections();
    await until(() => fake.connections() === 0);
    await adapter.close();
    await new Promise((r) => setTimeout(r, 2500));
    expect(fake.connections()).toBe(0);
    expect(fake.joinCount(CHANNEL)).toBe(1);
  });
});
