/**
 * Moderators' chat commands end to end: `!botan …` typed in the fake Twitch and the fake
 * YouTube chat by a moderator or the broadcaster changes the same control keys as botctl
 * (real Redis), within 1 s, with one confirmation line in the chat it was typed in; the
 * same command from a viewer does nothing and posts nothing.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { main as botctl } from '../../src/cli/botctl.js';
import { readAudit } from '../../src/controls/audit.js';
import { isField } from '../../src/controls/fields.js';
import type { SentPrivmsg } from '../fakes/twitch.js';
import { FakeYouTube } from '../fakes/youtube.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { until } from '../helpers/redis.js';

const ANSWER = 'うん、答えるよ！';
const QUESTION = '好きな色は何？';

let h: Harness;
let yt: FakeYouTube;
let seq = 0;

beforeAll(async () => {
  yt = await FakeYouTube.start();
  h = await startHarness({
    // a budget no case here reaches (1 s spacing still applies); the channel-limit case has its own bot
    env: { ...yt.env('live', true), YOUTUBE_POLL_INTERVAL_MS: '300', DEDUP_WINDOW_S: '0', LOG_LEVEL: 'debug', TWITCH_RATE_LIMIT: '100/30' },
    ollama: { reply: () => ({ content: ANSWER }) },
  });
  await h.logs.waitFor('reading YouTube live chat');
}, 60_000);

afterAll(async () => {
  await h?.close();
  await yt?.close();
});

beforeEach(async () => {
  const p = h.prefix;
  await h.redis.del(`${p}:routing`, `${p}:routing:twitch:${h.channel}`, `${p}:routing:youtube:${yt.liveIdInitial}`, `${p}:blocked_users`, `${p}:vip_users`, `${p}:botctl:resume_mode`);
});

const repliesTo = (id: string): SentPrivmsg[] => h.twitch.privmsgs().filter((m) => m.tags['reply-parent-msg-id'] === id);
const viewer = (): string => `viewer${++seq}`;

function mod(text: string, user = 'some_mod'): string {
  return h.twitch.chat(h.channel, { user, text, mod: true });
}

async function confirmation(id: string): Promise<string> {
  const [m] = await until(() => (repliesTo(id).length ? repliesTo(id) : undefined), 10_000, `the confirmation of ${id}`);
  return m!.text;
}

describe('moderator chat commands on Twitch', { timeout: 90_000 }, () => {
  it("a moderator's !botan pause stops answers within 1 s, resume brings them back; the audit names twitch:login and the channel", async () => {
    const sent = Date.now();
    const cmd = mod('!botan pause');
    expect(await confirmation(cmd)).toMatch(/^paused in this channel/);
    expect(await h.redis.hget(`${h.prefix}:routing:twitch:${h.channel}`, 'mode')).toBe('off');
    // the contract: 1 s after the command, comments are no longer answered
    await new Promise((r) => setTimeout(r, Math.max(0, sent + 1000 - Date.now())));
    const q = h.twitch.chat(h.channel, { user: viewer(), text: QUESTION });
    const skip = await h.logs.waitFor('comment skipped', (l) => l.commentId === q, 10_000);
    expect(skip.reason).toBe('paused');
    expect(repliesTo(q)).toEqual([]);

    const resumed = Date.now();
    const back = mod('!botan resume');
    expect(await confirmation(back)).toMatch(/^answering again in this channel/);
    await new Promise((r) => setTimeout(r, Math.max(0, resumed + 1000 - Date.now())));
    const q2 = h.twitch.chat(h.channel, { user: viewer(), text: QUESTION });
    const [answer] = await until(() => (repliesTo(q2).length ? repliesTo(q2) : undefined), 15_000, 'the answer after resume');
    expect(answer!.text).toBe(ANSWER);

    const audit = await readAudit(h.redis, h.prefix, 10);
    expect(audit.map((a) => ({ by: a.by, via: a.via, action: a.action, key: a.key, new: a.new }))).toEqual([
      { by: 'twitch:some_mod', via: `chat:twitch:${h.channel}`, action: 'pause', key: `${h.prefix}:routing:twitch:${h.channel}`, new: 'off' },
      { by: 'twitch:some_mod', via: `chat:twitch:${h.channel}`, action: 'resume', key: `${h.prefix}:routing:twitch:${h.channel}`, new: null },
    ]);
    // botctl audit shows who and where
    const stdout = new PassThrough();
    let text = '';
    stdout.on('data', (d: Buffer) => (text += d.toString()));
    expect(await botctl(['audit'], { stdout, stderr: new PassThrough(), stdin: new PassThrough() }, { REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', REDIS_PREFIX: h.prefix })).toBe(0);
    expect(text).toMatch(new RegExp(`twitch:some_mod +pause .*mode: \\(unset\\) → off  \\(via chat:twitch:${h.channel}\\)`));
  });

  it("a viewer's !botan pause does nothing and posts nothing", async () => {
    const before = h.twitch.privmsgs().length;
    const id = h.twitch.chat(h.channel, { user: viewer(), text: '!botan pause' });
    await h.logs.waitFor('chat command from a viewer ignored (no moderator or broadcaster badge)', (l) => l.commentId === id);
    await h.logs.waitFor('chat command not answered', (l) => l.commentId === id);
    await new Promise((r) => setTimeout(r, 1500));
    expect(h.twitch.privmsgs().length).toBe(before);
    expect(await h.redis.hgetall(`${h.prefix}:routing:twitch:${h.channel}`)).toEqual({});
    expect(await h.redis.hgetall(`${h.prefix}:routing`)).toEqual({});
  });

  it('bad values answer with the allowed ones and change nothing; good ones use the same fields as botctl', async () => {
    expect(await confirmation(mod('!botan mode turbo'))).toBe('mode: "turbo" is not allowed; use auto, fast, slow, off');
    expect(await h.redis.hgetall(`${h.prefix}:routing:twitch:${h.channel}`)).toEqual({});
    expect(await confirmation(mod('!Botan cooldown 45'))).toBe('cooldown 45s in this channel');
    expect(await confirmation(mod('!botan_bot think HIGH'))).toBe('think high in this channel');
    expect(await h.redis.hgetall(`${h.prefix}:routing:twitch:${h.channel}`)).toEqual({ user_cooldown_s: '45', think: 'high' });
    // the stream-context field comes with viewer memory (issue 14): without it the command says so and writes nothing
    const ctxReply = await confirmation(mod('!botan context 雑談配信'));
    if (isField('context')) expect(ctxReply).toBe('stream context set for this channel');
    else {
      expect(ctxReply).toBe('stream context is not available in this version of the bot');
      expect(await h.redis.hget(`${h.prefix}:routing:twitch:${h.channel}`, 'context')).toBeNull();
    }
  });

  it('global is for the broadcaster only; sets take the login on this platform', async () => {
    expect(await confirmation(mod('!botan mode fast global'))).toMatch(/^only the broadcaster/);
    expect(await h.redis.hgetall(`${h.prefix}:routing`)).toEqual({});
    const owner = h.twitch.chat(h.channel, { user: h.channel, text: '!botan mode fast global', broadcaster: true });
    expect(await confirmation(owner)).toBe('mode fast in all channels');
    expect(await h.redis.hget(`${h.prefix}:routing`, 'mode')).toBe('fast');
    expect(await confirmation(mod('!botan block @Some_Troll'))).toBe('Some_Troll blocked (every channel)');
    expect(await h.redis.smembers(`${h.prefix}:blocked_users`)).toEqual(['twitch:some_troll']);
    const audit = await readAudit(h.redis, h.prefix, 2);
    expect(audit.map((a) => a.by)).toEqual([`twitch:${h.channel}`, 'twitch:some_mod']);
  });

  describe('with a channel limit of 3 messages per 6 s', () => {
    // this case's own bot, so its pacer window starts empty; the helpers above use `h`
    let main: Harness;
    beforeAll(async () => {
      main = h;
      h = await startHarness({ env: { DEDUP_WINDOW_S: '0', LOG_LEVEL: 'debug', TWITCH_RATE_LIMIT: '3/6' }, ollama: { reply: () => ({ content: ANSWER }) } });
    }, 60_000);
    afterAll(async () => {
      await h?.close();
      h = main;
    });

    it('confirmations go out within the channel limit, ahead of the answers already waiting', async () => {
      // 3 messages per 6 s: five questions fill the budget and leave answers waiting in the pacer
      const qs = Array.from({ length: 5 }, () => h.twitch.chat(h.channel, { user: viewer(), text: QUESTION }));
      await until(() => qs.filter((q) => repliesTo(q).length).length >= 3, 15_000, 'three answers posted');
      await h.logs.waitFor('fast answer ready', (l) => l.commentId === qs[4], 15_000);
      const cmd = mod('!botan status');
      expect(await confirmation(cmd)).toMatch(/^twitch:botan_ch: mode auto, trigger question, think medium, cooldown 30s, approval off$/);
      await until(() => qs.every((q) => repliesTo(q).length), 20_000, 'every answer posted');
      const order = h.twitch.privmsgs().map((m) => m.tags['reply-parent-msg-id']);
      // the confirmation was granted before the two answers that were waiting for the budget
      expect(order.indexOf(cmd)).toBeLessThan(order.indexOf(qs[3]!));
      expect(order.indexOf(cmd)).toBeLessThan(order.indexOf(qs[4]!));
      // and never more than the limit in any window (the pacer counts the confirmation too)
      const times = h.twitch.privmsgs().filter((m) => [cmd, ...qs].includes(m.tags['reply-parent-msg-id']!)).map((m) => m.at);
      for (const t of times) expect(times.filter((u) => u > t - 6000 && u <= t).length).toBeLessThanOrEqual(3);
    });
  });

  it("!forgetme is the viewer's own command (memory deleted, one line confirms); other ! commands are never answered", async () => {
    await h.redis.hset(`${h.prefix}:routing`, 'trigger', 'all');
    await new Promise((r) => setTimeout(r, 1000));
    const forget = h.twitch.chat(h.channel, { user: viewer(), text: '!forgetme' });
    const song = h.twitch.chat(h.channel, { user: viewer(), text: '!song' });
    await h.logs.waitFor('chat command not answered', (l) => l.commentId === song);
    await h.logs.waitFor('viewer memory deleted (!forgetme)', (l) => l.commentId === forget);
    await until(() => repliesTo(forget).length === 1, 10_000, 'the !forgetme confirmation');
    expect(h.logs.find('chat command not answered', (l) => l.commentId === forget)).toEqual([]);
    await new Promise((r) => setTimeout(r, 1500));
    expect(repliesTo(song)).toEqual([]);
  });
});

describe('moderator chat commands on YouTube', { timeout: 60_000 }, () => {
  it("the owner's and a moderator's commands act on the live video's channel and are confirmed with an @mention; a viewer's do nothing", async () => {
    const live = yt.liveIdInitial;
    yt.pushChat({ author: '@viewer_yt', text: '!botan pause' });
    yt.pushChat({ author: '@the_owner', owner: true, text: '!botan pause' });
    await until(async () => (await h.redis.hget(`${h.prefix}:routing:youtube:${live}`, 'mode')) === 'off', 10_000, 'mode off on YouTube');
    const posted = await until(() => (yt.posted().some((p) => p.text.startsWith('@the_owner')) ? yt.posted() : undefined), 10_000, 'the confirmation on YouTube');
    expect(posted.map((p) => p.text)).toEqual(['@the_owner paused in this channel (!botan resume to undo)']);
    // Twitch is not paused: the scope is the channel the command was typed in
    expect(await h.redis.hget(`${h.prefix}:routing:twitch:${h.channel}`, 'mode')).toBeNull();
    yt.pushChat({ author: '@yt_mod', moderator: true, text: '!botan resume' });
    await until(async () => (await h.redis.hget(`${h.prefix}:routing:youtube:${live}`, 'mode')) === null, 10_000, 'resumed on YouTube');
    const audit = await readAudit(h.redis, h.prefix, 2);
    expect(audit.map((a) => [a.by, a.via, a.action])).toEqual([
      ['youtube:the_owner', `chat:youtube:${live}`, 'pause'],
      ['youtube:yt_mod', `chat:youtube:${live}`, 'resume'],
    ]);
  });
});
