/**
 * Fault 4: the chat connection fails, through the whole pipeline (real Redis, fake Twitch
 * speaking IRC over WebSocket, fake Ollama). The socket closes, Twitch asks for a
 * RECONNECT, the bot is timed out or banned in a channel: the bot reconnects with backoff, replies
 * made meanwhile are posted after the reconnect while fresh and dropped (logged) when late.
 * The refused login (a whole `npm start` process) is in test/process/faults-chat-login.test.ts.
 * Where a case waits for one reconnect, the IRC back-off starts at 100 ms (1 s in production);
 * the cases that keep Twitch down for seconds use the production back-off, so the bot does not
 * slip a post through between two cuts of the fake's connections.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { waitDrained } from '../../src/app.js';
import { startHarness, type Harness, type HarnessOptions } from '../helpers/harness.js';

const ANSWER = 'うん、聞こえてるよ！';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Reconnects within 100 ms (1 s in production), for the cases that wait for one reconnect. */
const QUICK_RECONNECT = { twitch: { reconnectMs: 100, reconnectMaxMs: 1000 } };

async function harness(controls: Record<string, string> = {}, ttftMs = 20, adapterBackoff: HarnessOptions['adapterBackoff'] = QUICK_RECONNECT): Promise<Harness> {
  h = await startHarness({ noApp: true, ollama: { ttftMs, reply: () => ({ content: ANSWER }) }, adapterBackoff });
  await h.redis.hset(`${h.prefix}:routing`, { user_cooldown_s: '0', ...controls });
  await h.app.start();
  await h.twitch.waitForJoin(h.channel, 15_000);
  return h;
}

/** Keep Twitch unreachable for `ms`: every connection attempt is cut at once. Returns when it may connect again. */
async function holdDown(hh: Harness, ms: number): Promise<number> {
  hh.twitch.dropConnections();
  const timer = setInterval(() => hh.twitch.dropConnections(), 10);
  await new Promise((r) => setTimeout(r, ms));
  clearInterval(timer);
  return Date.now();
}

describe('Twitch connection faults', () => {
  it('the WebSocket closes: the bot reconnects with backoff, rejoins and keeps answering; the drop is logged once', async () => {
    const hh = await harness();
    const before = hh.twitch.connectionAttempts();
    hh.twitch.dropConnections();
    await hh.twitch.waitForJoin(hh.channel, 15_000, 2);
    const id = hh.twitch.chat(hh.channel, { user: 'viewer1', text: '牡丹ちゃん聞こえる？' });
    const [msg] = await hh.twitch.waitForPrivmsgs(1, 15_000);
    expect(msg!.tags['reply-parent-msg-id']).toBe(id);
    expect(hh.logs.find('disconnected from Twitch chat; reconnecting with backoff')).toHaveLength(1);
    // one reconnect, not a storm
    expect(hh.twitch.connectionAttempts() - before).toBe(1);
  }, 60_000);

  it('Twitch sends RECONNECT: the bot reconnects and rejoins, and answers after it', async () => {
    const hh = await harness();
    hh.twitch.reconnect();
    await hh.twitch.waitForJoin(hh.channel, 20_000, 2);
    const id = hh.twitch.chat(hh.channel, { user: 'viewer2', text: '牡丹ちゃん戻ってきた？' });
    const [msg] = await hh.twitch.waitForPrivmsgs(1, 15_000);
    expect(msg!.tags['reply-parent-msg-id']).toBe(id);
    expect(hh.twitch.connections()).toBe(1);
  }, 60_000);

  it('a reply made while the connection is down is posted once after the reconnect, while still fresh', async () => {
    const hh = await harness({ fast_max_age_s: '60' }, 500, {});
    const id = hh.twitch.chat(hh.channel, { user: 'viewer3', text: '牡丹ちゃん、今日は何のゲーム？' });
    // the answer is made while Twitch is unreachable for 4 s
    const upAt = await holdDown(hh, 4_000);
    expect(hh.twitch.privmsgs()).toHaveLength(0);
    await hh.logs.waitFor('reply posted', (l) => l.commentId === id, 40_000);
    const msgs = await hh.twitch.waitForPrivmsgs(1, 10_000);
    expect(msgs[0]!.text).toBe(ANSWER);
    expect(msgs[0]!.tags['reply-parent-msg-id']).toBe(id);
    expect(msgs[0]!.at).toBeGreaterThanOrEqual(upAt);
    expect(await waitDrained(hh.app, 20_000)).toBe(true);
    expect(hh.twitch.privmsgs()).toHaveLength(1);
  }, 90_000);

  it('a reply that is too old by the time the connection is back is dropped with a log line, never posted late', async () => {
    const hh = await harness({ fast_max_age_s: '3' }, 300, {});
    const id = hh.twitch.chat(hh.channel, { user: 'viewer4', text: '牡丹ちゃん、好きな歌は？' });
    await holdDown(hh, 6_000);
    await hh.twitch.waitForJoin(hh.channel, 30_000, 2);
    const dropped = await hh.logs.waitFor(/reply dropped|job failed for good/, (l) => l.commentId === id, 40_000);
    expect(dropped.reason ?? (dropped.err as { code?: string }).code).toMatch(/late|BOT_ERR_TWITCH_NOT_CONNECTED/);
    expect(await waitDrained(hh.app, 20_000)).toBe(true);
    expect(hh.twitch.privmsgs()).toHaveLength(0);
  }, 90_000);

  it.each([
    ['timed out', 'msg_timedout', 'You are timed out for 3 more seconds.'],
    ['banned', 'msg_banned', 'You are permanently banned from talking in botan_ch.'],
  ])('the bot is %s in the channel (NOTICE): replies there are dropped and logged, the process goes on', async (_name, msgId, text) => {
    const hh = await harness();
    hh.twitch.notice(hh.channel, msgId, text);
    await hh.logs.waitFor(new RegExp(`the bot cannot post in #${hh.channel}`), undefined, 10_000);
    const id = hh.twitch.chat(hh.channel, { user: 'viewer5', text: '牡丹ちゃん、起きてる？' });
    const dropped = await hh.logs.waitFor('reply dropped', (l) => l.commentId === id, 15_000);
    expect(String(dropped.reason)).toContain(_name);
    expect(hh.twitch.privmsgs()).toHaveLength(0);
    if (msgId === 'msg_timedout') {
      // the timeout ends: the next answer goes out
      await new Promise((r) => setTimeout(r, 3_000));
      const id2 = hh.twitch.chat(hh.channel, { user: 'viewer6', text: '牡丹ちゃん、もう話せる？' });
      const [msg] = await hh.twitch.waitForPrivmsgs(1, 15_000);
      expect(msg!.tags['reply-parent-msg-id']).toBe(id2);
    }
    expect(hh.logs.find(/the bot cannot post in/)).toHaveLength(1);
  }, 60_000);
});
