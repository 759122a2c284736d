import { describe, expect, it } from 'vitest';
import { commentOfRequest, profileReplies } from '../../bench/model-replies.js';
import { PROFILES } from '../../bench/profiles.js';
import { COMPLEX_TEXTS, CHAT_MIX, FULL_SIZES, generateTrace, rng, standardTraces } from '../../bench/traces.js';
import { scoreComplexity } from '../../src/routing/classify.js';
import { analyzeTrigger } from '../../src/routing/trigger.js';
import { fakeTokens } from '../../test/fakes/ollama.js';

describe('seeded traces', () => {
  it('the same seed gives the same trace; another seed another', () => {
    const a = standardTraces(FULL_SIZES, 42);
    const b = standardTraces(FULL_SIZES, 42);
    const c = standardTraces(FULL_SIZES, 43);
    expect(a).toEqual(b);
    expect(a[1]!.messages.map((m) => m.text)).not.toEqual(c[1]!.messages.map((m) => m.text));
  });

  it.each([
    { name: 'steady', rate: 2 },
    { name: 'busy', rate: 10 },
  ])('$name arrives at about $rate msg/s, in time order within the trace', ({ name, rate }) => {
    const t = standardTraces({ steadyMs: 300_000, busyMs: 120_000, raidMs: 10_000, raidTailMs: 0 }).find((x) => x.name === name)!;
    const measured = t.messages.length / (t.durationMs / 1000);
    expect(measured).toBeGreaterThan(rate * 0.9);
    expect(measured).toBeLessThan(rate * 1.1);
    const times = t.messages.map((m) => m.t);
    expect(times).toEqual([...times].sort((x, y) => x - y));
    expect(Math.max(...times)).toBeLessThan(t.durationMs);
  });

  it('the raid is 200 msg/s for 10 s, then a busy tail', () => {
    const raid = standardTraces(FULL_SIZES).find((x) => x.name === 'raid')!;
    const burst = raid.messages.filter((m) => m.t < 10_000).length;
    expect(burst).toBeGreaterThan(1850);
    expect(burst).toBeLessThan(2150);
    expect(raid.messages.filter((m) => m.t >= 10_000).length).toBeLessThan(100);
  });

  it('has the issue mix: 2-10% complex, Japanese and English, greetings, emotes, commands, spam', () => {
    const t = generateTrace('mix', [{ durationMs: 600_000, rate: 10, mix: CHAT_MIX, users: 300 }], 7);
    const share = (f: (m: (typeof t.messages)[number]) => boolean) => t.messages.filter(f).length / t.messages.length;
    expect(share((m) => m.kind === 'complex')).toBeGreaterThan(0.02);
    expect(share((m) => m.kind === 'complex')).toBeLessThan(0.1);
    expect(share((m) => m.lang === 'ja')).toBeGreaterThan(0.4);
    expect(share((m) => m.lang === 'en')).toBeGreaterThan(0.4);
    for (const k of ['greeting', 'emote', 'question', 'command', 'spam', 'mention'] as const) expect(share((m) => m.kind === k)).toBeGreaterThan(0.01);
    expect(t.messages.filter((m) => m.kind === 'command').every((m) => m.text.startsWith('!'))).toBe(true);
    expect(t.messages.filter((m) => m.kind === 'cheer').every((m) => (m.bits ?? 0) > 0)).toBe(true);
  });

  it('complex questions score as slow and simple questions as fast with the real rules', () => {
    for (const text of COMPLEX_TEXTS) expect(scoreComplexity(text, { slowKeywords: [] }).score, text).toBeGreaterThanOrEqual(0.6);
    const t = generateTrace('q', [{ durationMs: 60_000, rate: 10, mix: { question: 1 }, users: 50 }], 3);
    for (const m of t.messages) {
      expect(analyzeTrigger(m.text, ['牡丹', 'botan']).question, m.text).toBe(true);
      expect(scoreComplexity(m.text, { slowKeywords: [] }).score, m.text).toBeLessThan(0.6);
    }
  });

  it('rng is uniform-ish in [0, 1)', () => {
    const r = rng(1);
    const xs = Array.from({ length: 10_000 }, r);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(xs.reduce((a, b) => a + b, 0) / xs.length).toBeCloseTo(0.5, 1);
  });
});

describe('fake model replies for a profile', () => {
  const req = (model: string, system: string, user: string) => ({ model, messages: [{ role: 'system', content: system }, { role: 'user', content: user }], raw: {}, at: 0 });
  const botUser = (viewer: string, text: string) => `Viewer: ${JSON.stringify(viewer)}\nLanguage hint: ja\nComment (untrusted data, JSON string):\n${JSON.stringify(text)}`;

  it('reads the comment from the bot prompt and from a naive one', () => {
    expect(commentOfRequest(req('m', 's', botUser('さくら1', '今何してるの？')))).toEqual({ text: '今何してるの？', viewer: 'さくら1' });
    expect(commentOfRequest(req('m', 's', 'hello "there"'))).toEqual({ text: 'hello "there"' });
  });

  it('answers deterministically, in the comment language, within the profile lengths, with its timing', () => {
    const p = PROFILES['gpu-24gb'];
    const replies = profileReplies(p);
    const a = replies(req(p.fast.model, 'sys', botUser('v', '好きな食べ物は何？'))) as { content: string; tokensPerSec: number };
    const b = replies(req(p.fast.model, 'sys', botUser('v', '好きな食べ物は何？'))) as { content: string };
    expect(a).toEqual(b);
    expect(a.content).toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/u);
    expect(a.tokensPerSec).toBe(70);
    const n = fakeTokens(a.content).length;
    expect(n).toBeGreaterThanOrEqual(p.lengths.fastAnswer.min);
    expect(n).toBeLessThanOrEqual(p.lengths.ramble.max + 30);
    const slow = replies(req(p.slow.model, 'sys', botUser('v', 'why?'))) as { thinking: string; content: string; tokensPerSec: number };
    expect(slow.tokensPerSec).toBe(20);
    expect(fakeTokens(slow.thinking).length).toBeGreaterThanOrEqual(p.lengths.slowThinking.min);
  });

  it('some fast answers ramble past the chat budget (for stop-early to cut)', () => {
    const p = PROFILES.h100;
    const replies = profileReplies(p);
    const lengths = Array.from({ length: 400 }, (_, i) => fakeTokens((replies(req(p.fast.model, 's', botUser('v', `q ${i}?`))) as { content: string }).content).length);
    const long = lengths.filter((n) => n >= p.lengths.ramble.min).length / lengths.length;
    expect(long).toBeGreaterThan(0.03);
    expect(long).toBeLessThan(0.15);
  });
});
