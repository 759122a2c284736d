/**
 * Chat modes known before posting: against the fake Twitch, which refuses the bot's messages
 * as Twitch does in slow / emote-only / subscribers-only / followers-only mode, the adapter
 * (with the real pacer, as the outbox uses it) sends nothing that gets refused, and logs one
 * line per mode change.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { createPacer } from '../../src/platforms/pacer.js';
import type { ChatAdapter, OutgoingMessage, PostResult } from '../../src/platforms/port.js';
import { createTwitchAdapter } from '../../src/platforms/twitch/adapter.js';
import { startFakeTwitch, type FakeTwitchOptions } from '../fakes/twitch.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { LogCapture } from '../helpers/log-capture.js';
import { until } from '../helpers/redis.js';

const CH = 'botan_ch';
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

async function rig(fakeOpts: FakeTwitchOptions = {}, before?: (f: Awaited<ReturnType<typeof startFakeTwitch>>) => void) {
  const fake = await startFakeTwitch(fakeOpts);
  before?.(fake);
  const logs = new LogCapture();
  const adapter = createTwitchAdapter({ url: fake.url, username: 'botan_bot', token: 'oauth:abcdefabcdef', channels: [CH], ignoredBots: [], maxChars: 500, logger: createLogger({ level: 'debug', destination: logs }) });
  cleanups.push(() => fake.close(), () => adapter.close());
  await adapter.start(() => undefined);
  await fake.waitForJoin(CH);
  await new Promise((r) => setTimeout(r, 100)); // USERSTATE and ROOMSTATE after the JOIN
  return { fake, adapter, logs };
}

const author = { id: '1', login: 'v', name: 'v', badges: { moderator: false, owner: false, member: false, vip: false, verified: false }, firstMessage: false };
const msg = (text: string, id = text): OutgoingMessage => ({ platform: 'twitch', channel: CH, text, replyTo: { id, author } });

/** As the outbox does: wait for the pacer under the adapter's limits, post, retry a retryable fault while fresh. */
async function send(adapter: ChatAdapter, pacer: ReturnType<typeof createPacer>, m: OutgoingMessage): Promise<PostResult> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    await pacer.acquire(`twitch:${CH}`, adapter.limits(CH), deadline);
    try {
      return await adapter.post(m);
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

describe('Twitch room state up front', () => {
  it('a slow-mode channel sees no refused message: replies are spaced by the slow time', async () => {
    const { fake, adapter, logs } = await rig({}, (f) => f.setRoomState(CH, { slow: '2' }));
    expect(adapter.limits(CH).minSpacingMs).toBeGreaterThanOrEqual(2000);
    const pacer = createPacer();
    const results = await Promise.all(['one', 'two', 'three'].map((t) => send(adapter, pacer, msg(t))));
    expect(results.map((r) => r.status)).toEqual(['posted', 'posted', 'posted']);
    const sent = await fake.waitForPrivmsgs(3);
    expect(sent.map((p) => [p.text, p.dropped])).toEqual([['one', undefined], ['two', undefined], ['three', undefined]]);
    for (let i = 1; i < sent.length; i++) expect(sent[i]!.at - sent[i - 1]!.at).toBeGreaterThanOrEqual(2000);
    expect(logs.find(/is in slow mode \(2 s\)/)).toHaveLength(1);
  }, 30_000);

  it.each([
    ['emote-only', { 'emote-only': '1' }, 'emote-only mode'],
    ['subscribers-only', { 'subs-only': '1' }, 'subscribers-only mode'],
    ['followers-only', { 'followers-only': '10' }, 'followers-only mode (10 min)'],
  ])('%s set mid-stream: replies are dropped before posting, one warning; posting resumes when it ends', async (_n, tags, reason) => {
    const { fake, adapter, logs } = await rig();
    expect(await adapter.post(msg('before'))).toMatchObject({ status: 'posted' });
    await fake.waitForPrivmsgs(1);
    fake.setRoomState(CH, tags);
    await logs.waitFor(new RegExp(`is in ${reason.replace(/[()]/g, '\\$&')}`));
    for (const t of ['a', 'b', 'c']) expect(await adapter.post(msg(t))).toEqual({ status: 'rejected', reason: `${reason} in #${CH}` });
    const off = Object.fromEntries(Object.keys(tags).map((k) => [k, k === 'followers-only' ? '-1' : '0']));
    fake.setRoomState(CH, off);
    await logs.waitFor(/no chat mode restricts the bot any more/);
    expect(await adapter.post(msg('after'))).toMatchObject({ status: 'posted' });
    await fake.waitForPrivmsgs(2);
    expect(fake.privmsgs().map((p) => [p.text, p.dropped])).toEqual([['before', undefined], ['after', undefined]]);
    expect(logs.find(/is in /, (l) => l.level === 40)).toHaveLength(1);
  });

  it('a moderator bot is exempt: it posts in emote-only and slow mode without waiting', async () => {
    const { fake, adapter, logs } = await rig({ modIn: [CH] }, (f) => f.setRoomState(CH, { 'emote-only': '1', slow: '30' }));
    await until(() => adapter.limits(CH).max === 100, 5000, 'moderator limits');
    expect(adapter.limits(CH).minSpacingMs).toBeLessThan(1000);
    expect(await adapter.post(msg('x'))).toMatchObject({ status: 'posted' });
    expect(await adapter.post(msg('y'))).toMatchObject({ status: 'posted' });
    await fake.waitForPrivmsgs(2);
    expect(fake.privmsgs().every((p) => !p.dropped)).toBe(true);
    expect(logs.find(/is in /)).toHaveLength(0);
  });

  it.each(['irc', 'eventsub'] as const)('in the whole bot (%s): a comment in an emote-only channel is not answered at all (no model call, nothing sent), and is again once the mode ends', async (transport) => {
    const h: Harness = await startHarness({ transport, ollama: { reply: () => ({ content: 'はーい！' }) } });
    cleanups.push(() => h.close());
    const setMode = (on: boolean) =>
      transport === 'irc' ? h.twitch.setRoomState(h.channel, { 'emote-only': on ? '1' : '0' }) : setEventSubMode(h, on);
    setMode(true);
    await h.logs.waitFor(/is in emote-only mode/);
    const q = h.twitch.chat(h.channel, { user: 'viewer1', text: '牡丹ちゃん、元気？' });
    const skipped = await h.logs.waitFor('comment skipped', (l) => l.commentId === q, 15_000);
    expect(skipped.reason).toBe('room_mode');
    expect(h.ollama.requests).toHaveLength(0);
    setMode(false);
    await h.logs.waitFor(/no chat mode restricts the bot any more/);
    const q2 = h.twitch.chat(h.channel, { user: 'viewer2', text: '牡丹ちゃん、今日は何するの？' });
    const [sent] = await h.twitch.waitForPrivmsgs(1, 15_000);
    expect(sent!.tags['reply-parent-msg-id']).toBe(q2);
    expect(h.twitch.privmsgs()).toHaveLength(1);
  }, 40_000);
});

/** The eventsub fake: change emote-only through its chat settings (notifies the bot). */
function setEventSubMode(h: Harness, on: boolean): void {
  h.eventsub!.setChatSettings(h.channel, { emote_mode: on });
}
