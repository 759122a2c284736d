import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadCharacter } from '../../src/character.js';
import { DEFAULT_SETTINGS } from '../../src/controls/fields.js';
import { formatReplayLine, lineToComment, parseReplay, type ReplayLine } from '../../src/replay/format.js';
import { scoreComplexity } from '../../src/routing/classify.js';
import { analyzeTrigger } from '../../src/routing/trigger.js';
import { commentSchema } from '../../src/types.js';

const SAMPLE = new URL('../fixtures/chat/sample-stream.jsonl', import.meta.url);

describe('parseReplay: valid lines', () => {
  it.each<[string, string, ReplayLine]>([
    ['minimal', '{"t":0,"user":"kenji_88","text":"こんばんは！"}', { t: 0, user: 'kenji_88', text: 'こんばんは！' }],
    ['fractional t, empty text (bare cheer)', '{"t":12.5,"user":"a","text":"","paid":100}', { t: 12.5, user: 'a', text: '', paid: 100 }],
    [
      'every optional field',
      '{"t":3,"user":"hana_vip","name":"はな","text":"質問です","badges":["vip","subscriber","first"],"paid":500,"currency":"JPY","platform":"twitch","id":"abc-1","kind":"superchat"}',
      { t: 3, user: 'hana_vip', name: 'はな', text: '質問です', badges: ['vip', 'subscriber', 'first'], paid: 500, currency: 'JPY', platform: 'twitch', id: 'abc-1', kind: 'superchat' },
    ],
    [
      'youtube super chat with currency',
      '{"t":1,"user":"Sam Rivera","text":"hi","paid":5,"currency":"USD","platform":"youtube","badges":["member","verified"]}',
      { t: 1, user: 'Sam Rivera', text: 'hi', paid: 5, currency: 'USD', platform: 'youtube', badges: ['member', 'verified'] },
    ],
    ['membership without paid', '{"t":2,"user":"ゆきな","text":"Welcome!","kind":"membership","platform":"youtube"}', { t: 2, user: 'ゆきな', text: 'Welcome!', kind: 'membership', platform: 'youtube' }],
    ['console platform, owner and broadcaster badges', '{"t":0,"user":"me","text":"test","platform":"console","badges":["owner","broadcaster","moderator"]}', { t: 0, user: 'me', text: 'test', platform: 'console', badges: ['owner', 'broadcaster', 'moderator'] }],
    ['Japanese, emoji and RTL text kept exactly', '{"t":1,"user":"layla","text":"مرحبا Botan! 🌙 ぼたん👋🏽"}', { t: 1, user: 'layla', text: 'مرحبا Botan! 🌙 ぼたん👋🏽' }],
    ['user is trimmed', '{"t":1,"user":"  kenji ","text":"x"}', { t: 1, user: 'kenji', text: 'x' }],
    ['text at the 20 000 limit', `{"t":1,"user":"a","text":"${'あ'.repeat(20_000)}"}`, { t: 1, user: 'a', text: 'あ'.repeat(20_000) }],
  ])('%s', (_name, src, expected) => {
    expect(parseReplay(src)).toEqual({ lines: [expected], errors: [] });
  });
});

describe('parseReplay: bad lines are reported with their line number', () => {
  it.each<[string, string, RegExp]>([
    ['not JSON', '{"t":1,"user":"a","text":"x"', /not valid JSON/],
    ['a JSON array', '[1,2,3]', /not a JSON object/],
    ['a bare string', '"hello"', /not a JSON object/],
    ['missing t', '{"user":"a","text":"x"}', /"t"/],
    ['negative t', '{"t":-1,"user":"a","text":"x"}', /"t"/],
    ['t as a string', '{"t":"12","user":"a","text":"x"}', /"t"/],
    ['missing text', '{"t":1,"user":"a"}', /"text"/],
    ['empty user', '{"t":1,"user":"  ","text":"x"}', /"user"/],
    ['unknown key (typo)', '{"t":1,"user":"a","txt":"x","text":""}', /txt/],
    ['unknown badge', '{"t":1,"user":"a","text":"x","badges":["admin"]}', /"badges\.0"/],
    ['negative paid', '{"t":1,"user":"a","text":"x","paid":-5}', /"paid"/],
    ['currency without paid', '{"t":1,"user":"a","text":"x","currency":"JPY"}', /currency without paid/],
    ['paid youtube line without currency', '{"t":1,"user":"a","text":"x","paid":500,"platform":"youtube"}', /needs "currency"/],
    ['bits on youtube', '{"t":1,"user":"a","text":"x","paid":500,"currency":"bits","platform":"youtube"}', /youtube has no bits/],
    ['unknown platform', '{"t":1,"user":"a","text":"x","platform":"kick"}', /"platform"/],
    ['superchat kind without paid', '{"t":1,"user":"a","text":"x","kind":"superchat"}', /needs "paid"/],
    ['text over 20 000 characters', `{"t":1,"user":"a","text":"${'a'.repeat(20_001)}"}`, /"text"/],
  ])('%s', (_name, src, message) => {
    const good = '{"t":0,"user":"ok","text":"fine"}';
    const r = parseReplay(`${good}\n\n${src}\n${good}`);
    expect(r.lines).toHaveLength(2);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]!.line).toBe(3);
    expect(r.errors[0]!.message).toMatch(message);
  });
});

describe('parseReplay: file handling', () => {
  it('sorts by t and keeps file order for equal t', () => {
    const src = ['{"t":5,"user":"c","text":"3"}', '{"t":1,"user":"a","text":"1"}', '{"t":5,"user":"d","text":"4"}', '{"t":2.5,"user":"b","text":"2"}', '{"t":5,"user":"e","text":"5"}'].join('\n');
    expect(parseReplay(src).lines.map((l) => l.text)).toEqual(['1', '2', '3', '4', '5']);
  });

  it.each([
    ['CRLF line ends', '{"t":0,"user":"a","text":"x"}\r\n{"t":1,"user":"b","text":"y"}\r\n'],
    ['CR line ends', '{"t":0,"user":"a","text":"x"}\r{"t":1,"user":"b","text":"y"}'],
    ['a UTF-8 BOM', '\uFEFF{"t":0,"user":"a","text":"x"}\n{"t":1,"user":"b","text":"y"}'],
    ['blank and space-only lines', '\n   \n{"t":0,"user":"a","text":"x"}\n\t\n{"t":1,"user":"b","text":"y"}\n\n'],
  ])('reads %s', (_name, src) => {
    const r = parseReplay(src);
    expect(r.errors).toEqual([]);
    expect(r.lines.map((l) => l.user)).toEqual(['a', 'b']);
  });

  it('counts blank lines and CRLF lines when numbering errors', () => {
    const r = parseReplay('\r\n{"t":0,"user":"a","text":"x"}\r\n\r\nnope\r\n{"t":"x"}');
    expect(r.errors.map((e) => e.line)).toEqual([4, 5]);
  });

  it('returns nothing for an empty file', () => {
    expect(parseReplay('')).toEqual({ lines: [], errors: [] });
  });

  it('formatReplayLine writes a line parseReplay reads back the same', () => {
    const line: ReplayLine = { t: 1.23456, user: 'hana', name: 'はな', text: 'ぼたん👋 "quoted"\nnewline', badges: ['vip'], paid: 500, currency: 'JPY', platform: 'youtube', id: 'x1' };
    const text = formatReplayLine(line);
    expect(text).not.toContain('\n');
    expect(parseReplay(text).lines).toEqual([{ ...line, t: 1.235 }]);
  });
});

describe('lineToComment', () => {
  const base = { index: 7, channel: 'botan_ch', now: 1_714_561_200_123 };

  it.each<[string, ReplayLine, Parameters<typeof lineToComment>[1], Record<string, unknown>]>([
    [
      'plain chat: replay id, platform-scoped author id, lower-case login',
      { t: 1, user: 'Kenji_88', text: 'こんばんは' },
      base,
      { platform: 'twitch', channel: 'botan_ch', id: 'replay-7', author: { id: 'twitch:kenji_88', login: 'kenji_88', name: 'Kenji_88', badges: { moderator: false, owner: false, member: false, vip: false, verified: false }, firstMessage: false }, kind: 'chat', sentAt: base.now, receivedAt: base.now },
    ],
    [
      'display name, message id and badges',
      { t: 1, user: 'hana_vip', name: 'はな', id: 'c7d8e9f0', text: 'hi', badges: ['moderator', 'broadcaster', 'subscriber', 'vip', 'verified', 'first'] },
      base,
      { id: 'c7d8e9f0', author: { id: 'twitch:hana_vip', login: 'hana_vip', name: 'はな', badges: { moderator: true, owner: true, member: true, vip: true, verified: true }, firstMessage: true } },
    ],
    ['bits are a cheer', { t: 1, user: 'a', text: 'q', paid: 100 }, base, { kind: 'cheer', paid: { amount: 100, currency: 'bits' } }],
    ['a youtube amount is a super chat', { t: 1, user: 'a', text: 'q', paid: 500, currency: 'JPY', platform: 'youtube' }, base, { platform: 'youtube', kind: 'superchat', paid: { amount: 500, currency: 'JPY' }, author: { id: 'youtube:a' } }],
    ['a twitch amount in money (Hype Chat) is a super chat', { t: 1, user: 'a', text: 'q', paid: 5, currency: 'USD' }, base, { platform: 'twitch', kind: 'superchat' }],
    ['membership kind is kept', { t: 1, user: 'a', text: 'Welcome!', kind: 'membership', platform: 'youtube' }, base, { kind: 'membership' }],
    ['the replay platform overrides the line', { t: 1, user: 'Sam', text: 'x', platform: 'youtube' }, { ...base, platform: 'console' }, { platform: 'console', author: { id: 'console:sam', login: 'sam' } }],
    ['idPrefix keeps runs apart', { t: 1, user: 'a', text: 'x' }, { ...base, idPrefix: 'run42:' }, { id: 'run42:replay-7' }],
    ['a fractional clock is floored to whole ms', { t: 1, user: 'a', text: 'x' }, { ...base, now: 1000.9 }, { sentAt: 1000, receivedAt: 1000 }],
    ['RTL name and emoji text', { t: 1, user: 'layla_sky', name: 'ليلى', text: 'مرحبا 🌙' }, base, { text: 'مرحبا 🌙', author: { name: 'ليلى' } }],
  ])('%s', (_name, line, opts, expected) => {
    const c = lineToComment(line, opts);
    expect(c).toMatchObject(expected);
    expect(commentSchema.safeParse(c).success).toBe(true);
  });

  it('every line of the sample stream becomes a valid Comment', () => {
    const { lines } = parseReplay(readFileSync(SAMPLE, 'utf8'));
    lines.forEach((line, index) => {
      const parsed = commentSchema.safeParse(lineToComment(line, { index, channel: 'botan_ch', now: 1_714_561_200_000 + index }));
      expect(parsed.success, `line ${index}: ${parsed.success ? '' : parsed.error.message}`).toBe(true);
    });
  });
});

describe('sample stream (test/fixtures/chat/sample-stream.jsonl)', () => {
  const { lines, errors } = parseReplay(readFileSync(SAMPLE, 'utf8'));
  const botan = loadCharacter(new URL('../../characters/botan.yaml', import.meta.url).pathname);
  const names = [botan.name, ...botan.aliases];
  const isJa = (s: string): boolean => /[\u3040-\u30ff\u3400-\u9fff]/u.test(s);
  const isEn = (s: string): boolean => !isJa(s) && /[A-Za-z]{2,}/.test(s);
  /** Most lines in any window of `sec` seconds. */
  const peak = (sec: number): number => {
    let best = 0;
    for (let i = 0, j = 0; j < lines.length; j++) {
      while (lines[j]!.t - lines[i]!.t > sec) i++;
      best = Math.max(best, j - i + 1);
    }
    return best;
  };

  it('parses with zero errors, 250-400 lines over ten minutes', () => {
    expect(errors).toEqual([]);
    expect(lines.length).toBeGreaterThanOrEqual(250);
    expect(lines.length).toBeLessThanOrEqual(400);
    expect(lines[0]!.t).toBe(0);
    expect(lines.at(-1)!.t).toBeGreaterThanOrEqual(590);
    expect(lines.at(-1)!.t).toBeLessThanOrEqual(610);
  });

  it('has Japanese and English in about equal parts', () => {
    const ja = lines.filter((l) => isJa(l.text)).length;
    const en = lines.filter((l) => isEn(l.text)).length;
    expect(ja / (ja + en)).toBeGreaterThan(0.4);
    expect(ja / (ja + en)).toBeLessThan(0.6);
  });

  it('has complex questions for the deep model in both languages', () => {
    const slow = lines.filter((l) => {
      const t = analyzeTrigger(l.text, names);
      return (t.mention || t.question) && scoreComplexity(l.text).score >= DEFAULT_SETTINGS.slow_threshold;
    });
    expect(slow.filter((l) => isJa(l.text)).length).toBeGreaterThanOrEqual(4);
    expect(slow.filter((l) => isEn(l.text)).length).toBeGreaterThanOrEqual(4);
    expect(slow.some((l) => /RAG/.test(l.text) && /event/.test(l.text))).toBe(true);
  });

  it('is bursty: a raid burst, quiet stretches, and paced chat in between', () => {
    expect(peak(10)).toBeGreaterThanOrEqual(20);
    const gaps = lines.slice(1).map((l, i) => l.t - lines[i]!.t);
    expect(Math.max(...gaps)).toBeGreaterThanOrEqual(2.5);
  });

  it('has a copy-paste spam burst and one user repeating a question within seconds', () => {
    const byText = new Map<string, ReplayLine[]>();
    for (const l of lines) {
      const key = l.text.normalize('NFKC').toLowerCase();
      byText.set(key, [...(byText.get(key) ?? []), l]);
    }
    const pasta = [...byText.values()].find((ls) => ls.length >= 8 && new Set(ls.map((l) => l.user)).size >= 8);
    expect(pasta).toBeDefined();
    expect(pasta!.at(-1)!.t - pasta![0]!.t).toBeLessThanOrEqual(10);
    const repeated = [...byText.values()].some((ls) =>
      ls.some((a, i) => ls.slice(i + 1).filter((b) => b.user === a.user && b.t - a.t <= 10).length >= 2),
    );
    expect(repeated).toBe(true);
  });

  it('has commands, moderators, members, first-time chatters and paid messages', () => {
    expect(lines.filter((l) => l.text.startsWith('!')).length).toBeGreaterThanOrEqual(4);
    expect(new Set(lines.filter((l) => l.badges?.includes('moderator')).map((l) => l.user)).size).toBeGreaterThanOrEqual(2);
    expect(lines.some((l) => l.badges?.includes('subscriber'))).toBe(true);
    expect(lines.some((l) => l.badges?.includes('first'))).toBe(true);
    const paid = lines.filter((l) => l.paid !== undefined);
    expect(new Set(paid.map((l) => l.currency ?? 'bits'))).toEqual(new Set(['bits', 'JPY', 'USD']));
    expect(paid.every((l) => analyzeTrigger(l.text, names).question)).toBe(true);
  });
});
