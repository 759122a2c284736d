import { describe, expect, it } from 'vitest';
import type { ControlSnapshot, Settings } from '../../src/controls/types.js';
import { decide, type DecisionInput } from '../../src/routing/decide.js';
import { commentPriority } from '../../src/routing/priority.js';
import { shouldShed } from '../../src/routing/shedding.js';
import { commentSchema, type Comment } from '../../src/types.js';

const NOW = 1_700_000_000_000;
const ARTICLE = 'AI VTuberが記憶を持つシステムを作りたいのですが、RAGとベクトルデータベースを使う方法と、イベントベースの記憶システムを使う方法のどちらが良いと思いますか？それぞれのメリット・デメリットを簡潔に教えてください。';
const defaults: Settings = {
  mode: 'auto', trigger: 'question', slow_threshold: 0.6, slow_max_waiting: 20, overflow: 'fast', think: 'medium', ack: true,
  user_cooldown_s: 30, fast_max_age_s: 20, slow_max_age_s: 300, approval: false, context: '', memory: true,
};

function comment(text: string, over: Partial<Comment> = {}): Comment {
  return commentSchema.parse({
    platform: 'twitch', channel: 'ch', id: 'm1', text, receivedAt: NOW, sentAt: NOW,
    author: { id: '42', login: 'viewer', name: 'Viewer', badges: {} },
    ...over,
  });
}
function controls(s: Partial<Settings> = {}, sets: Partial<Pick<ControlSnapshot, 'blockedUsers' | 'vipUsers' | 'slowKeywords'>> = {}): ControlSnapshot {
  return {
    settings: { ...defaults, ...s },
    sources: {} as ControlSnapshot['sources'],
    blockedUsers: sets.blockedUsers ?? new Set(),
    vipUsers: sets.vipUsers ?? new Set(),
    blockedWords: [],
    slowKeywords: sets.slowKeywords ?? [],
  };
}
function input(text: string, over: Partial<DecisionInput> = {}, c: Partial<Comment> = {}): DecisionInput {
  return { comment: comment(text, c), controls: controls(), names: ['牡丹', 'ぼたん', 'Botan', 'botan_bot'], now: NOW, slowWaiting: 0, triageBand: [0.35, 0.6], triageEnabled: true, ...over };
}

describe('decide', () => {
  it.each([
    ['牡丹ちゃん好きな食べ物は？', {}, { answer: true, route: 'fast' }],
    [ARTICLE, {}, { answer: true, route: 'slow' }],
    ['www', {}, { answer: false, reason: 'not_trigger' }],
    ['!discord', {}, { answer: false, reason: 'command' }],
    ['   ', {}, { answer: false, reason: 'empty' }],
    ['牡丹ちゃん好きな食べ物は？', { controls: controls({ mode: 'off' }) }, { answer: false, reason: 'paused' }],
    [ARTICLE, { controls: controls({ mode: 'fast' }) }, { answer: true, route: 'fast', triage: false }],
    ['牡丹ちゃん好きな食べ物は？', { controls: controls({ mode: 'slow' }) }, { answer: true, route: 'slow' }],
    ['what game is this?', { controls: controls({ trigger: 'mention' }) }, { answer: false, reason: 'not_trigger' }],
    ['いいね', { controls: controls({ trigger: 'all' }) }, { answer: true, route: 'fast' }],
    ['Botan, why is the sky blue?', { controls: controls({ slow_threshold: 0.9 }) }, { answer: true, route: 'fast' }],
    ['Botan, why is the sky blue?', { controls: controls({ slow_threshold: 0.5 }) }, { answer: true, route: 'slow' }],
    ['Botan what is your favorite color?', { controls: controls({}, { slowKeywords: ['color'] }) }, { answer: true, route: 'slow' }],
    [ARTICLE, { slowWaiting: 20 }, { answer: true, route: 'slow' }],
    [ARTICLE, { slowWaiting: 21 }, { answer: true, route: 'fast', overflow: true }],
    [ARTICLE, { slowWaiting: 21, controls: controls({ overflow: 'drop' }) }, { answer: false, reason: 'overflow_drop' }],
    [ARTICLE, { slowWaiting: 1, controls: controls({ slow_max_waiting: 0 }) }, { answer: true, route: 'fast', overflow: true }],
    // slow_threshold is the moderator's: at 0 every answered comment goes slow, trivial or in the triage band
    ['what is your favorite food?', { controls: controls({ slow_threshold: 0 }) }, { answer: true, route: 'slow' }],
    ['hi, how are you?', { controls: controls({ slow_threshold: 0 }) }, { answer: true, route: 'slow' }],
    ['牡丹ちゃん好きな食べ物は？', { lastAnsweredAt: NOW - 10_000 }, { answer: false, reason: 'cooldown' }],
    ['牡丹ちゃん好きな食べ物は？', { lastAnsweredAt: NOW - 31_000 }, { answer: true }],
    ['牡丹ちゃん好きな食べ物は？', { lastAnsweredAt: NOW - 10_000, controls: controls({}, { vipUsers: new Set(['twitch:viewer']) }) }, { answer: true, vip: true }],
    ['牡丹ちゃん好きな食べ物は？', { controls: controls({}, { blockedUsers: new Set(['twitch:42']) }) }, { answer: false, reason: 'blocked_user' }],
    ['牡丹ちゃん好きな食べ物は？', { controls: controls({}, { blockedUsers: new Set(['twitch:viewer']) }) }, { answer: false, reason: 'blocked_user' }],
    ['牡丹ちゃん好きな食べ物は？', { blockedWord: 'bad' }, { answer: false, reason: 'blocked_word' }],
    ['牡丹ちゃん好きな食べ物は？', { abuseUntil: NOW + 1000 }, { answer: false, reason: 'abuse' }],
    ['牡丹ちゃん好きな食べ物は？', { now: NOW + 21_000 }, { answer: false, reason: 'stale' }],
    [ARTICLE, { now: NOW + 60_000 }, { answer: true, route: 'slow' }],
    ['牡丹ちゃん、Pythonの勉強方法を教えて', {}, { answer: true, route: 'fast', triage: true }],
    ['牡丹ちゃん、Pythonの勉強方法を教えて', { triageEnabled: false }, { answer: true, route: 'fast', triage: false }],
  ] as const)('%s %j → %j', (text, over, expected) => {
    expect(decide(input(text, over as Partial<DecisionInput>))).toMatchObject(expected);
  });

  // A long, complex-sounding question aimed at the chat or another viewer: scores slow, is not for her.
  const RANT_TO_CHAT = 'chat, can someone explain why the mods keep banning people for asking how the ranked matchmaking algorithm works and what the differences between the tiers are?';
  const RANT_TO_VIEWER = '@someone explain in detail how public key encryption works and compare RSA vs elliptic curves, step by step?';
  it.each([RANT_TO_CHAT, RANT_TO_VIEWER])('chat aimed at others is not answered and never goes slow, whatever its score: %s', (text) => {
    const d = decide(input(text));
    expect(d).toMatchObject({ answer: false, reason: 'not_for_me', band: 'fast' });
    expect(d.score).toBeGreaterThanOrEqual(0.6);
    expect(d.audience?.forMe).toBe(false);
    // a slow keyword, mode=slow or threshold 0 do not send it slow either
    expect(decide(input(text, { controls: controls({ slow_threshold: 0 }, { slowKeywords: ['explain'] }) }))).toMatchObject({ answer: false, reason: 'not_for_me' });
    expect(decide(input(text, { controls: controls({ mode: 'slow' }) }))).toMatchObject({ answer: false, reason: 'not_for_me' });
    // trigger=all answers every comment, but this one only fast and without triage
    expect(decide(input(text, { controls: controls({ trigger: 'all', mode: 'slow' }) }))).toMatchObject({ answer: true, route: 'fast', triage: false });
    // the same question put to her goes slow
    expect(decide(input(text.replace(/^(?:chat|@someone),? /, 'Botan, ')))).toMatchObject({ answer: true, route: 'slow' });
  });

  it('a platform reply to the bot is addressed to her: a bare "why?" is answered then, not otherwise', () => {
    expect(decide(input('why?'))).toMatchObject({ answer: false, reason: 'not_for_me' });
    expect(decide(input('why?', { repliesToBot: true }))).toMatchObject({ answer: true, route: 'fast' });
  });

  it("counts the platform's emote data: a question mark after a wall of channel emotes is not for her", () => {
    expect(decide(input('botanHype botanHype botanHype what is this?'))).toMatchObject({ answer: true });
    expect(decide(input('botanHype botanHype botanHype what is this?', {}, { emotes: ['botanHype'] }))).toMatchObject({ answer: false, reason: 'not_for_me' });
  });

  it('a copypasta (same text from another viewer) is not answered, unless paid', () => {
    expect(decide(input('Botan what is your favourite game?', { copypasta: true }))).toMatchObject({ answer: false, reason: 'copypasta' });
    expect(decide(input('Botan what is your favourite game?', { copypasta: true }, { paid: { amount: 100, currency: 'bits' } }))).toMatchObject({ answer: true });
  });

  it('answers a paid comment even when it is not a question', () => {
    expect(decide(input('いつも応援してます', {}, { paid: { amount: 500, currency: 'JPY' } }))).toMatchObject({ answer: true });
  });
});

describe('priority and shedding', () => {
  const base = comment('hi');
  it.each([
    [{ ...base, paid: { amount: 10_000, currency: 'JPY' } }, {}, 5],
    [{ ...base, paid: { amount: 100, currency: 'bits' } }, {}, 7],
    [{ ...base, author: { ...base.author, badges: { ...base.author.badges, moderator: true } } }, {}, 10],
    [base, { vip: true }, 10],
    [base, { mention: true }, 20],
    [{ ...base, author: { ...base.author, firstMessage: true } }, {}, 30],
    [base, {}, 40],
    // not answered under the channel's trigger: last, even from a moderator; paid still first
    [base, { triggered: false }, 50],
    [{ ...base, author: { ...base.author, badges: { ...base.author.badges, moderator: true } } }, { triggered: false }, 50],
    [{ ...base, paid: { amount: 100, currency: 'bits' } }, { triggered: false }, 7],
  ])('priority %#', (c, o, p) => {
    expect(commentPriority(c as Comment, { mention: false, vip: false, triggered: true, ...o })).toBe(p);
  });
  it('a bigger super chat comes before a smaller one', () => {
    expect(commentPriority({ ...base, paid: { amount: 10_000, currency: 'JPY' } }, { mention: false, vip: false, triggered: true })).toBeLessThan(
      commentPriority({ ...base, paid: { amount: 100, currency: 'JPY' } }, { mention: false, vip: false, triggered: true }),
    );
  });
  it.each([
    [50, 199, 200, false],
    [50, 200, 200, true],
    [40, 199, 200, false],
    [40, 200, 200, true],
    [20, 200, 200, false],
    [20, 400, 200, true],
    [10, 799, 200, false],
    [10, 800, 200, true],
    [5, 1599, 200, false],
    [5, 1600, 200, true],
  ])('priority %i with %i waiting (budget %i): shed=%s', (p, w, max, shed) => {
    expect(shouldShed(p, w, max)).toBe(shed);
  });
});
