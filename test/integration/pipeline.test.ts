import { afterEach, describe, expect, it } from 'vitest';
import { commentJobId } from '../../src/queues.js';
import type { FakeChatRequest } from '../fakes/ollama.js';
import { commentOf } from '../fakes/ollama.js';
import { ARTICLE_QUESTION, startHarness, type Harness } from '../helpers/harness.js';

const FAST = 'qwen2.5:14b';
const SLOW = 'gpt-oss:120b';
const REASONING = 'SECRET-REASONING: the viewer wants a comparison, let me weigh RAG against events';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** The viewer's comment in the request (background such as recent chat comes before it). */
function lastUserText(req: FakeChatRequest): string {
  return commentOf(req);
}

/** The article question is long enough to be held 2 s as a possible copypasta (copypasta.test.ts covers that); not held here. */
const NO_HOLD = { COPYPASTA_HOLD_MS: '0' };

// the same suite on both Twitch transports (IRC through tmi.js; EventSub + Helix)
describe.each(['irc', 'eventsub'] as const)('core pipeline, end to end (real Redis, fake Twitch over %s, fake Ollama)', (transport) => {
  it('answers a simple question with the fast model as a threaded reply in the same channel', async () => {
    h = await startHarness({ transport, ollama: { reply: () => ({ content: '好きな食べ物はいちごだよ！🍓' }) } });
    const id = h.twitch.chat(h.channel, { user: 'viewer1', text: '牡丹ちゃん、好きな食べ物は？' });
    const [msg] = await h.twitch.waitForPrivmsgs(1, 15_000);
    expect(msg!.channel).toBe(h.channel);
    expect(msg!.tags['reply-parent-msg-id']).toBe(id);
    expect(msg!.text).toBe('好きな食べ物はいちごだよ！🍓');
    expect(h.ollama.requests.map((r) => r.model)).toEqual([FAST]);
    const posted = await h.logs.waitFor('reply posted');
    expect(posted).toMatchObject({ route: 'fast', model: FAST });
    expect(posted.timings).toMatchObject({ queueWaitMs: expect.any(Number), ttftMs: expect.any(Number), modelMs: expect.any(Number), postMs: expect.any(Number) });
    // the token never reaches the logs
    expect(h.logs.raw.join('\n')).not.toContain('abcdefghijklmnopqrstuvwxyz0123');
    // each JSON line names its component once (a second "component" key breaks log shippers' parsers)
    expect(h.logs.lines.some((l) => l.component === 'twitch')).toBe(true);
    expect(h.logs.raw.filter((l) => (l.match(/"component":/g) ?? []).length > 1)).toEqual([]);
  });

  it('answers when the platform send time is far off this machine\'s clock (ages then count from receipt), and warns once', async () => {
    h = await startHarness({ transport, ollama: { reply: () => ({ content: 'はーい！' }) } });
    // the example tags of Twitch's documentation carry a 2017 send time
    const old = h.twitch.chat(h.channel, { user: 'viewer7', text: 'what game is this?', tags: { 'tmi-sent-ts': '1507246572675' } });
    const ahead = h.twitch.chat(h.channel, { user: 'viewer8', text: 'how are you today?', tags: { 'tmi-sent-ts': String(Date.now() + 3_600_000) } });
    const msgs = await h.twitch.waitForPrivmsgs(2, 15_000);
    expect(msgs.map((m) => m.tags['reply-parent-msg-id']).sort()).toEqual([old, ahead].sort());
    expect(h.logs.find(/send times disagree/)).toHaveLength(1);
  });

  it.each([
    ['thinking field', (): { content: string; thinking?: string } => ({ thinking: REASONING, content: 'RAGは柔軟、イベント記憶は一貫性が強み。用途次第だよ！' })],
    ['inline Thinking... form', () => ({ content: `Thinking...\n${REASONING}\n...done thinking.\n\nRAGは柔軟、イベント記憶は一貫性が強み。用途次第だよ！` })],
    ['<think> tags', () => ({ content: `<think>${REASONING}</think>RAGは柔軟、イベント記憶は一貫性が強み。用途次第だよ！` })],
    [
      'harmony markers',
      () => ({
        content: `<|channel|>analysis<|message|>${REASONING}<|end|><|start|>assistant<|channel|>final<|message|>RAGは柔軟、イベント記憶は一貫性が強み。用途次第だよ！<|return|>`,
      }),
    ],
  ])('sends the source article question to the slow model and posts no reasoning (%s)', async (_name, slowReply) => {
    h = await startHarness({
      transport,
      env: NO_HOLD,
      ollama: { reply: (req) => (req.model === SLOW ? slowReply() : { content: 'fast answer' }) },
    });
    const id = h.twitch.chat(h.channel, { user: 'engineer', text: ARTICLE_QUESTION });
    const msgs = await h.twitch.waitForPrivmsgs(2, 15_000);
    // first the in-character acknowledgement, then the slow model's answer, both threaded
    expect(msgs.every((m) => m.tags['reply-parent-msg-id'] === id)).toBe(true);
    const answer = msgs.at(-1)!;
    expect(answer.text).toBe('RAGは柔軟、イベント記憶は一貫性が強み。用途次第だよ！');
    for (const m of msgs) {
      expect(m.text).not.toContain('SECRET-REASONING');
      expect(m.text).not.toMatch(/<\||think>|Thinking\.\.\./);
    }
    expect(h.ollama.requests.some((r) => r.model === SLOW)).toBe(true);
    expect(h.ollama.requests.filter((r) => r.model === FAST && lastUserText(r).includes('RAG'))).toEqual([]);
    const slowReq = h.ollama.requests.find((r) => r.model === SLOW)!;
    expect(slowReq.think).toBe('medium');
    expect(await h.logs.waitFor('reply posted', (l) => l.route === 'slow')).toMatchObject({ model: SLOW });
  });

  it('posts no partial thought when the slow model never closes its reasoning, and falls back to the fast model', async () => {
    h = await startHarness({
      transport,
      env: { ...NO_HOLD, SLOW_ATTEMPTS: '2' },
      ollama: { reply: (req) => (req.model === SLOW ? { content: `<think>${REASONING} and then` } : { content: 'ざっくり言うと、用途次第だよ！' }) },
    });
    h.twitch.chat(h.channel, { user: 'engineer', text: ARTICLE_QUESTION });
    const msgs = await h.twitch.waitForPrivmsgs(2, 15_000);
    expect(msgs.at(-1)!.text).toBe('ざっくり言うと、用途次第だよ！');
    expect(msgs.map((m) => m.text).join(' ')).not.toContain('SECRET-REASONING');
    expect(h.ollama.requests.filter((r) => r.model === SLOW)).toHaveLength(2);
    await h.logs.waitFor('reply posted', (l) => l.route === 'fallback');
  });

  it('works with an Ollama host that has no /api/show: think level from the model name, none for qwen2.5', async () => {
    h = await startHarness({
      transport,
      env: NO_HOLD,
      ollama: { showEndpoint: false, reply: (req) => (req.model === SLOW ? { thinking: REASONING, content: '用途次第だよ！' } : { content: 'fast' }) },
    });
    h.twitch.chat(h.channel, { user: 'engineer', text: ARTICLE_QUESTION });
    const msgs = await h.twitch.waitForPrivmsgs(2, 15_000);
    expect(msgs.at(-1)!.text).toBe('用途次第だよ！');
    expect(h.ollama.requests.find((r) => r.model === SLOW)!.think).toBe('medium');
    h.twitch.chat(h.channel, { user: 'viewer7', text: '牡丹ちゃん好きな色は？' });
    await h.twitch.waitForPrivmsgs(3, 15_000);
    expect(h.ollama.requests.find((r) => r.model === FAST)!.think).toBeUndefined();
  });

  it('answers after Ollama comes back when it was down for the first attempts', async () => {
    h = await startHarness({ transport, env: { FAST_ATTEMPTS: '5', RETRY_BACKOFF_MS: '300' }, ollama: { reply: () => ({ content: 'おかえり！' }) } });
    await h.ollama.down();
    h.twitch.chat(h.channel, { user: 'viewer2', text: '牡丹ちゃん起きてる？' });
    await h.logs.waitFor(/will retry|failed/i, undefined, 10_000).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 400));
    expect(h.twitch.privmsgs()).toHaveLength(0);
    await h.ollama.up();
    const [msg] = await h.twitch.waitForPrivmsgs(1, 20_000);
    expect(msg!.text).toBe('おかえり！');
  });

  it('posts once however often the same comment is delivered or its reply retried', async () => {
    h = await startHarness({ transport, ollama: { reply: () => ({ content: 'こんにちは！' }) } });
    const id = h.twitch.chat(h.channel, { user: 'viewer3', text: 'ぼたんちゃん今日は何するの？' });
    const [first] = await h.twitch.waitForPrivmsgs(1, 15_000);
    expect(first!.tags['reply-parent-msg-id']).toBe(id);
    const job = await h.app.ctx.queues.comments.getJob(commentJobId({ platform: 'twitch', id }));
    expect(job).toBeDefined();
    const comment = { ...job!.data.comment, receivedAt: Date.now() };
    // the same comment delivered again (another job id): no second model call, no second post
    await h.app.ctx.queues.comments.add('comment', { comment }, { jobId: `${commentJobId(comment)}-again` });
    await h.logs.waitFor('comment skipped', (l) => l.reason === 'already_answered', 15_000);
    // a reply job for it retried under another id: the at-most-once guard holds at posting time
    const outbox = (await h.app.ctx.queues.outbox.getJob(`${commentJobId(comment)}-answer`))!.data;
    await h.app.ctx.queues.outbox.add('answer', { ...outbox, deadline: Date.now() + 10_000 }, { jobId: `${commentJobId(comment)}-answer-retry` });
    await h.logs.waitFor('reply dropped', (l) => l.reason === 'already_posted', 15_000);
    expect(h.twitch.privmsgs()).toHaveLength(1);
    expect(h.ollama.requests).toHaveLength(1);
  });

  it('keeps the per-user cooldown and ignores commands, known bots and non-questions', async () => {
    h = await startHarness({ transport, ollama: { reply: () => ({ content: 'はーい！' }) } });
    h.twitch.chat(h.channel, { user: 'nightbot', text: '牡丹ちゃん、今日の配信は何時まで？' });
    h.twitch.chat(h.channel, { user: 'viewer4', text: '!discord' });
    h.twitch.chat(h.channel, { user: 'viewer5', text: 'www' });
    h.twitch.chat(h.channel, { user: 'viewer6', text: '牡丹ちゃん好きな色は？' });
    await h.twitch.waitForPrivmsgs(1, 15_000);
    h.twitch.chat(h.channel, { user: 'viewer6', text: '牡丹ちゃん好きな動物は？' });
    await h.logs.waitFor('comment skipped', (l) => l.reason === 'cooldown', 15_000);
    await h.logs.waitFor('comment skipped', (l) => l.reason === 'not_trigger', 15_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(h.twitch.privmsgs()).toHaveLength(1);
    expect(h.ollama.requests).toHaveLength(1);
    expect(lastUserText(h.ollama.requests[0]!)).toContain('好きな色');
  });
});
