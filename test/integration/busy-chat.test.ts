import { afterEach, describe, expect, it } from 'vitest';
import type { FakeChatRequest } from '../fakes/ollama.js';
import { commentOf } from '../fakes/ollama.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { until } from '../helpers/redis.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const userText = (r: FakeChatRequest) => commentOf(r);
/** A fast model busy with a first, long answer: later comments wait in the queue. */
const blocker = (req: FakeChatRequest) => (userText(req).includes('BLOCK') ? { content: 'ok!', ttftMs: 1500 } : { content: 'はい！' });

/** One fast-model slot, busy with a first, long answer (`setup` runs before it is asked). */
async function startBlocked(env: Record<string, string> = {}, setup?: (h: Harness) => Promise<void>): Promise<Harness> {
  const started = await startHarness({ env: { FAST_CONCURRENCY: '1', ...env }, ollama: { reply: blocker } });
  h = started;
  await setup?.(started);
  started.twitch.chat(started.channel, { user: 'other', text: '牡丹ちゃん BLOCK 元気？' });
  await until(() => started.ollama.requests.length === 1, 10_000, 'the blocking request');
  return started;
}

describe('busy chats', () => {
  it('answers paid comments, then moderators, then mentions, then the rest', async () => {
    h = await startBlocked();
    h.twitch.chat(h.channel, { user: 'plain', text: 'what game is this?' });
    h.twitch.chat(h.channel, { user: 'fan', text: '牡丹ちゃん今日は何時まで？' });
    h.twitch.chat(h.channel, { user: 'moddy', text: 'when is the next stream?', mod: true });
    h.twitch.chat(h.channel, { user: 'rich', text: 'cheer500 what is your favorite song?', bits: 500 });
    await h.twitch.waitForPrivmsgs(5, 30_000);
    const order = h.ollama.requests.slice(1).map(userText);
    expect(order[0]).toContain('favorite song');
    expect(order[1]).toContain('next stream');
    expect(order[2]).toContain('何時まで');
    expect(order[3]).toContain('what game');
  });

  it('decides the comments it may answer before chatter that came earlier, while the model is busy', async () => {
    h = await startBlocked();
    const chatter = ['おはよう', 'lol', 'gg everyone', 'nice play'].map((text, i) => h!.twitch.chat(h!.channel, { user: `chatty${i}`, text }));
    const question = h.twitch.chat(h.channel, { user: 'asker', text: 'what game is this?' });
    await h.twitch.waitForPrivmsgs(2, 20_000);
    await until(() => h!.logs.find('comment skipped', (l) => l.reason === 'not_trigger').length === 4, 10_000, 'the chatter decided');
    const at = (id: string) => h!.logs.lines.findIndex((l) => l.commentId === id && l.component === 'fast');
    // the question's decision comes first: it does not wait for four decisions it cannot use
    expect(chatter.every((id) => at(id) > at(question))).toBe(true);
  });

  it('answers copy-pasted spam at most once', async () => {
    h = await startHarness({ ollama: { reply: () => ({ content: 'ありがとう！' }) } });
    for (let i = 0; i < 6; i++) h.twitch.chat(h.channel, { user: `raider${i}`, text: '牡丹ちゃん　かわいい？' });
    await h.twitch.waitForPrivmsgs(1, 15_000);
    await until(() => h!.logs.find('comment skipped', (l) => l.reason === 'duplicate_text').length === 5, 10_000, 'five duplicates');
    expect(h.twitch.privmsgs()).toHaveLength(1);
    expect(h.ollama.requests).toHaveLength(1);
  });

  it('answers only the latest of several quick questions from one viewer', async () => {
    h = await startBlocked();
    h.twitch.chat(h.channel, { user: 'eager', text: '牡丹ちゃん好きな色は？' });
    h.twitch.chat(h.channel, { user: 'eager', text: '牡丹ちゃん好きな動物は？' });
    const last = h.twitch.chat(h.channel, { user: 'eager', text: '牡丹ちゃん好きな季節は？' });
    const msgs = await h.twitch.waitForPrivmsgs(2, 20_000);
    await until(() => h!.logs.find('comment skipped', (l) => l.reason === 'superseded').length === 2, 10_000, 'two superseded');
    expect(msgs[1]!.tags['reply-parent-msg-id']).toBe(last);
    expect(h.ollama.requests.slice(1).map(userText).join('\n')).not.toMatch(/好きな色|好きな動物/);
  });

  it('with user_cooldown_s 0, every question of one viewer is answered (latest-wins only where a cooldown applies)', async () => {
    h = await startBlocked({}, async (x) => {
      await x.redis.hset(`${x.prefix}:routing`, 'user_cooldown_s', '0');
      await new Promise((r) => setTimeout(r, 700));
    });
    const ids = ['好きな色は？', '好きな動物は？', '好きな季節は？'].map((t) => h!.twitch.chat(h!.channel, { user: 'eager', text: `牡丹ちゃん${t}` }));
    const msgs = await h.twitch.waitForPrivmsgs(4, 20_000);
    expect(msgs.slice(1).map((m) => m.tags['reply-parent-msg-id']).sort()).toEqual([...ids].sort());
  });

  it('sheds low-priority comments at intake so the queue stays bounded', async () => {
    h = await startBlocked({ SHED_MAX_WAITING: '5' });
    for (let i = 0; i < 40; i++) h.twitch.chat(h.channel, { user: `v${i}`, text: `what is ${i} plus ${i}?` });
    const rich = h.twitch.chat(h.channel, { user: 'rich', text: 'cheer100 what should I eat tonight?', bits: 100 });
    await until(async () => (await h!.redis.xlen(`${h!.prefix}:events`)) >= 42 + 30, 10_000, 'events for every comment');
    const waiting = await h.app.ctx.queues.comments.getJobCountByTypes('waiting', 'prioritized');
    expect(waiting).toBeLessThanOrEqual(7);
    const sheds = (await h.redis.xrange(`${h.prefix}:events`, '-', '+')).filter(([, f]) => f.includes('shed'));
    expect(sheds.length).toBeGreaterThanOrEqual(30);
    // the paid comment is never shed at this depth, and is answered
    await until(() => h!.twitch.privmsgs().some((m) => m.tags['reply-parent-msg-id'] === rich), 20_000, 'the paid answer');
  });
});
