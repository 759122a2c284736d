/**
 * Moderator controls end to end: for every field and set, a moderator writes the key with
 * plain Redis commands (HSET/HDEL/SADD, as with redis-cli), and within 1 s the bot's
 * behaviour changes in what the fake Twitch receives. One bot (real Redis, fake Twitch,
 * fake Ollama) serves every case; each case uses fresh viewers so cooldowns do not leak.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChatOptions, SentPrivmsg } from '../fakes/twitch.js';
import { ARTICLE_QUESTION, startHarness, type Harness } from '../helpers/harness.js';
import { REDIS_URL, until } from '../helpers/redis.js';
import { commentOf } from '../fakes/ollama.js';
import { botctlInProcess } from '../helpers/botctl-in-process.js';

const FAST = 'qwen2.5:14b';
const SLOW = 'gpt-oss:120b';
const FAST_TEXT = 'はやい答えだよ！';
const SLOW_TEXT = 'じっくり考えた答えだよ！';
const MELON_TEXT = 'メロンが好きだよ！';
/** Score 0.75: slow at the default threshold 0.6, fast at 0.9. */
const MID_QUESTION = 'RAGとファインチューニングはどう違うの？';
const SIMPLE_QUESTION = '好きな色は何？';

let h: Harness;
let seq = 0;

beforeAll(async () => {
  h = await startHarness({
    // the same question from many viewers is the point of these tests, not a copypasta
    env: { DEDUP_WINDOW_S: '0', COPYPASTA_WINDOW_S: '0', LOG_LEVEL: 'info' },
    ollama: {
      reply: (req) => {
        const user = commentOf(req);
        if (user.includes('果物')) return { content: MELON_TEXT };
        // keeps the slow model busy for a while (slow_max_waiting)
        if (user.includes('HOLD') && req.model === SLOW) return { content: SLOW_TEXT, ttftMs: 5000 };
        return { content: req.model === SLOW ? SLOW_TEXT : FAST_TEXT };
      },
    },
  });
}, 60_000);

afterAll(async () => {
  await h?.close();
});

/** Every control key back to nothing: the defaults (when a key was left over, after the 1 s the bot may take to see it). */
beforeEach(async () => {
  const p = h.prefix;
  const removed = await h.redis.del(`${p}:routing`, `${p}:routing:twitch:${h.channel}`, `${p}:blocked_users`, `${p}:vip_users`, `${p}:blocked_words`, `${p}:slow_keywords`);
  if (removed > 0) await new Promise((r) => setTimeout(r, 1000));
});

/** A moderator's write, then at most 1 s before the next comment (the contract). */
async function moderator(write: (r: Harness['redis']) => Promise<unknown>): Promise<void> {
  await write(h.redis);
  await new Promise((r) => setTimeout(r, 1000));
}

const viewer = (tag = 'viewer'): string => `${tag}${++seq}`;

function ask(user: string, text: string, extra: Partial<ChatOptions> = {}): string {
  return h.twitch.chat(h.channel, { user, text, ...extra });
}

const repliesTo = (id: string): SentPrivmsg[] => h.twitch.privmsgs().filter((m) => m.tags['reply-parent-msg-id'] === id);

/** The text a viewer reads: the adapter may end a repeated line with an invisible tag character (Twitch drops exact repeats). */
const said = (m: SentPrivmsg | undefined): string => (m?.text ?? '').replace(/[\s\u{E0000}]+$/u, '');

async function waitReplies(id: string, n = 1): Promise<SentPrivmsg[]> {
  return until(() => (repliesTo(id).length >= n ? repliesTo(id) : undefined), 15_000, `${n} repl${n === 1 ? 'y' : 'ies'} to ${id}`);
}

/** The fast worker's skip line for this comment (its reason), and nothing posted for it. */
async function skipped(id: string): Promise<string> {
  const line = await h.logs.waitFor('comment skipped', (l) => l.commentId === id, 15_000);
  expect(repliesTo(id)).toEqual([]);
  return String(line.reason);
}

const modelsAsked = (text: string): string[] => h.ollama.requests.filter((r) => commentOf(r).includes(text)).map((r) => r.model);

describe('moderator controls, end to end (plain Redis writes → what Twitch receives)', { timeout: 60_000 }, () => {
  it('mode off: nothing is answered; deleting the field answers again', async () => {
    await moderator((r) => r.hset(`${h.prefix}:routing`, 'mode', 'off'));
    const id = ask(viewer(), SIMPLE_QUESTION);
    expect(await skipped(id)).toBe('paused');
    await moderator((r) => r.hdel(`${h.prefix}:routing`, 'mode'));
    const again = ask(viewer(), SIMPLE_QUESTION);
    expect(said((await waitReplies(again))[0])).toBe(FAST_TEXT);
  });

  it('mode off for one channel (override hash) while the global mode is auto', async () => {
    await moderator((r) => r.hset(`${h.prefix}:routing:twitch:${h.channel}`, 'mode', 'off'));
    expect(await skipped(ask(viewer(), SIMPLE_QUESTION))).toBe('paused');
  });

  it('mode fast: the complex question is answered by the fast model, without an ack', async () => {
    await moderator((r) => r.hset(`${h.prefix}:routing`, 'mode', 'fast'));
    const u = viewer();
    const id = ask(u, ARTICLE_QUESTION);
    const [reply] = await waitReplies(id);
    expect(said(reply)).toBe(FAST_TEXT);
    await h.logs.waitFor('reply posted', (l) => l.commentId === id);
    expect(repliesTo(id)).toHaveLength(1);
    expect(h.logs.find('comment escalated to the slow pool', (l) => l.commentId === id)).toEqual([]);
  });

  it('mode slow: a simple question is answered by the slow model', async () => {
    await moderator((r) => r.hset(`${h.prefix}:routing`, 'mode', 'slow'));
    const id = ask(viewer(), '好きな動物は何？');
    await until(() => repliesTo(id).find((m) => said(m) === SLOW_TEXT), 15_000, 'slow answer');
    expect(modelsAsked('好きな動物は何？')).toEqual([SLOW]);
  });

  it('trigger: question (default) skips small talk; all answers it; mention needs the name', async () => {
    expect(await skipped(ask(viewer(), 'いい配信だね'))).toBe('not_trigger');
    await moderator((r) => r.hset(`${h.prefix}:routing`, 'trigger', 'all'));
    expect(said((await waitReplies(ask(viewer(), 'いい配信だね')))[0])).toBe(FAST_TEXT);
    await moderator((r) => r.hset(`${h.prefix}:routing`, 'trigger', 'mention'));
    expect(await skipped(ask(viewer(), SIMPLE_QUESTION))).toBe('not_trigger');
    expect(said((await waitReplies(ask(viewer(), 'ぼたん、おはよう')))[0])).toBe(FAST_TEXT);
  });

  it('slow_threshold: raising it sends a mid-score question to the fast model', async () => {
    const before = ask(viewer(), MID_QUESTION);
    await h.logs.waitFor('comment escalated to the slow pool', (l) => l.commentId === before, 15_000);
    await until(() => repliesTo(before).find((m) => said(m) === SLOW_TEXT), 15_000, 'slow answer');
    await moderator((r) => r.hset(`${h.prefix}:routing`, 'slow_threshold', '0.9'));
    const after = ask(viewer(), MID_QUESTION);
    expect(said((await waitReplies(after))[0])).toBe(FAST_TEXT);
    expect(h.logs.find('comment escalated to the slow pool', (l) => l.commentId === after)).toEqual([]);
  });

  it('slow_max_waiting and overflow: a full slow pool answers fast, or drops with overflow drop', async () => {
    await moderator((r) => r.hset(`${h.prefix}:routing`, 'slow_max_waiting', '0'));
    // the slow model busy with one comment and one more waiting: more than 0 waiting
    ask(viewer(), `${ARTICLE_QUESTION} HOLD`);
    await until(() => h.ollama.requests.some((r) => r.model === SLOW && r.messages.some((m) => m.content.includes('HOLD'))), 15_000, 'the slow model busy');
    const waiting = ask(viewer(), ARTICLE_QUESTION);
    await h.logs.waitFor('comment escalated to the slow pool', (l) => l.commentId === waiting, 15_000);
    const id = ask(viewer(), ARTICLE_QUESTION);
    expect(said((await waitReplies(id))[0])).toBe(FAST_TEXT);
    expect(await h.logs.waitFor('fast answer ready', (l) => l.commentId === id)).toMatchObject({ overflow: true });
    await moderator((r) => r.hset(`${h.prefix}:routing`, 'overflow', 'drop'));
    expect(await skipped(ask(viewer(), ARTICLE_QUESTION))).toBe('overflow_drop');
  });

  it('think: the slow model is called with the level the moderator set', async () => {
    await moderator((r) => r.hset(`${h.prefix}:routing`, 'think', 'high'));
    const text = `${ARTICLE_QUESTION} (think)`;
    const id = ask(viewer(), text);
    await until(() => repliesTo(id).find((m) => said(m) === SLOW_TEXT), 15_000, 'slow answer');
    const req = h.ollama.requests.find((r) => r.model === SLOW && r.messages.some((m) => m.content.includes('(think)')));
    expect(req?.think).toBe('high');
  });

  it('ack: on posts the character line before the slow answer; off posts only the answer', async () => {
    const on = ask(viewer(), `${ARTICLE_QUESTION} (ack on)`);
    const withAck = await waitReplies(on, 2);
    expect(said(withAck[0])).not.toBe(SLOW_TEXT);
    expect(said(withAck[1])).toBe(SLOW_TEXT);
    await moderator((r) => r.hset(`${h.prefix}:routing`, 'ack', 'off'));
    const off = ask(viewer(), `${ARTICLE_QUESTION} (ack off)`);
    await until(() => repliesTo(off).find((m) => said(m) === SLOW_TEXT), 15_000, 'slow answer');
    expect(repliesTo(off).map(said)).toEqual([SLOW_TEXT]);
  });

  it('user_cooldown_s: the default holds a second question back; 0 answers both', async () => {
    const u = viewer();
    await waitReplies(ask(u, SIMPLE_QUESTION));
    expect(await skipped(ask(u, '好きな季節は？'))).toBe('cooldown');
    await moderator((r) => r.hset(`${h.prefix}:routing`, 'user_cooldown_s', '0'));
    const w = viewer();
    await waitReplies(ask(w, SIMPLE_QUESTION));
    expect(said((await waitReplies(ask(w, '好きな季節は？')))[0])).toBe(FAST_TEXT);
  });

  it('fast_max_age_s: a comment sent 5 s ago is answered by default, not with a 2 s limit', async () => {
    const old = () => ({ tags: { 'tmi-sent-ts': String(Date.now() - 5000) } });
    await waitReplies(ask(viewer(), SIMPLE_QUESTION, old()));
    await moderator((r) => r.hset(`${h.prefix}:routing`, 'fast_max_age_s', '2'));
    expect(await skipped(ask(viewer(), SIMPLE_QUESTION, old()))).toBe('stale');
  });

  it('slow_max_age_s: a complex comment older than the limit gets no slow answer', async () => {
    await moderator((r) => r.hset(`${h.prefix}:routing`, 'slow_max_age_s', '3'));
    expect(await skipped(ask(viewer(), ARTICLE_QUESTION, { tags: { 'tmi-sent-ts': String(Date.now() - 5000) } }))).toBe('stale');
  });

  it('approval on: nothing is posted until a moderator runs botctl approve', async () => {
    await moderator((r) => r.hset(`${h.prefix}:routing`, 'approval', 'on'));
    const id = ask(viewer(), SIMPLE_QUESTION);
    const held = await h.logs.waitFor('reply waiting for a moderator (approval on)', (l) => l.commentId === id, 15_000);
    await new Promise((r) => setTimeout(r, 1500));
    expect(repliesTo(id)).toEqual([]);
    const pending = await botctl(['pending', '--json']);
    expect(pending.code).toBe(0);
    expect(JSON.parse(pending.stdout).pending).toEqual([expect.objectContaining({ id: held.approvalId, comment: SIMPLE_QUESTION, reply: FAST_TEXT })]);
    const approved = await botctl(['approve', String(held.approvalId)]);
    expect(approved.code).toBe(0);
    expect(said((await waitReplies(id))[0])).toBe(FAST_TEXT);
    // approving again posts nothing more
    expect((await botctl(['approve', String(held.approvalId)])).code).toBe(1);
    await new Promise((r) => setTimeout(r, 500));
    expect(repliesTo(id)).toHaveLength(1);
  });

  it('approval on: a complex comment gets no acknowledgement; its slow answer waits for a moderator too', async () => {
    await moderator((r) => r.hset(`${h.prefix}:routing`, 'approval', 'on'));
    const id = ask(viewer(), ARTICLE_QUESTION);
    await h.logs.waitFor('reply waiting for a moderator (approval on)', (l) => l.commentId === id && l.route === 'slow', 30_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(repliesTo(id)).toEqual([]);
  });

  it('blocked_users: by login or by user id, the viewer is not answered', async () => {
    const byLogin = viewer('troll');
    await moderator((r) => r.sadd(`${h.prefix}:blocked_users`, `twitch:${byLogin.toUpperCase()}`, 'twitch:99887766'));
    expect(await skipped(ask(byLogin, SIMPLE_QUESTION))).toBe('blocked_user');
    expect(await skipped(ask(viewer('other'), SIMPLE_QUESTION, { userId: '99887766' }))).toBe('blocked_user');
  });

  it('vip_users: a VIP is not held back by the cooldown', async () => {
    const vip = viewer('vip');
    await moderator(async (r) => {
      await r.hset(`${h.prefix}:routing`, 'user_cooldown_s', '60');
      await r.sadd(`${h.prefix}:vip_users`, `twitch:${vip}`);
    });
    await waitReplies(ask(vip, SIMPLE_QUESTION));
    expect(said((await waitReplies(ask(vip, '好きな季節は？')))[0])).toBe(FAST_TEXT);
  });

  it('blocked_words: a comment with one is not answered; a reply with one is not posted', async () => {
    await moderator((r) => r.sadd(`${h.prefix}:blocked_words`, 'spam', 'メロン'));
    expect(await skipped(ask(viewer(), `SPAMだよ、${SIMPLE_QUESTION}`))).toBe('blocked_word');
    const id = ask(viewer(), '好きな果物は何？');
    await h.logs.waitFor('reply filtered, not posted', (l) => l.commentId === id, 15_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(repliesTo(id)).toEqual([]);
  });

  it('slow_keywords: a keyword sends a simple question to the slow model', async () => {
    const before = ask(viewer(), 'ぷりんって好き？');
    expect(said((await waitReplies(before))[0])).toBe(FAST_TEXT);
    await moderator((r) => r.sadd(`${h.prefix}:slow_keywords`, 'ぷりん'));
    const after = ask(viewer(), 'ぷりんって美味しい？');
    await until(() => repliesTo(after).find((m) => said(m) === SLOW_TEXT), 15_000, 'slow answer');
    expect(modelsAsked('ぷりんって美味しい？')).toEqual([SLOW]);
  });

  it('a bad hand-written value changes nothing and is logged once; the bot keeps answering', async () => {
    await moderator((r) => r.hset(`${h.prefix}:routing`, 'mode', 'fast'));
    await waitReplies(ask(viewer(), SIMPLE_QUESTION));
    await moderator((r) => r.hset(`${h.prefix}:routing`, 'mode', 'banana'));
    const id = ask(viewer(), ARTICLE_QUESTION);
    expect(said((await waitReplies(id))[0])).toBe(FAST_TEXT); // still fast: the last good value
    const warned = h.logs.find('control value ignored: not an allowed value', (l) => l.value === 'banana');
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({ key: `${h.prefix}:routing`, field: 'mode' });
  });
});

/** botctl in this process (main() with argv, captured output), as a moderator named mod_e2e runs it. */
async function botctl(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const run = botctlInProcess(args, { PATH: process.env.PATH, HOME: process.env.HOME, REDIS_URL, REDIS_PREFIX: h.prefix, USER: 'mod_e2e' });
  const code = await run.done;
  return { code, stdout: run.out(), stderr: run.err() };
}
