import { describe, expect, it } from 'vitest';
import { analyzeTrigger, isTriggered, type TriggerInfo } from '../../src/routing/trigger.js';

const NAMES = ['牡丹', 'ぼたん', 'ボタン', 'Botan', 'botan', '牡丹ちゃん', 'ぼたんちゃん', 'botan_ai'] as const;

describe('analyzeTrigger: mention', () => {
  it.each([
    ['牡丹ちゃん好きな食べ物は？', true],
    ['ぼたん、歌って！', true],
    ['おはようボタンちゃん', true],
    ['ﾎﾞﾀﾝちゃんおはよう', true], // half-width katakana
    ['@Botan hi', true],
    ['ＢＯＴＡＮ！', true], // full-width Latin
    ['BOTAN!!!', true],
    ['hello Botan-chan', true],
    ['hey @botan_ai what game is this', true],
    ['🌸botan🌸', true],
    ['مرحبا botan', true], // RTL text around the name
    ['botanical garden vibes', false],
    ['robotanist', false],
    ['hi chat', false],
    ['مرحبا بالجميع', false],
    ['', false],
    ['a'.repeat(10_000), false],
    [`${'a '.repeat(5_000)}botan`, true],
  ])('%j -> %s', (text, mention) => {
    expect(analyzeTrigger(text, NAMES).mention).toBe(mention);
  });

  it('uses only the names it is given', () => {
    expect(analyzeTrigger('hi nova', NAMES).mention).toBe(false);
    expect(analyzeTrigger('hi nova', ['Nova']).mention).toBe(true);
    expect(analyzeTrigger('牡丹ちゃん', []).mention).toBe(false);
  });
});

describe('analyzeTrigger: question', () => {
  it.each([
    // こいつ/あいつ contain いつ (when) and 書いてある contains 書いて (write…): neither is a question
    ['こいつ下手だな', false],
    ['あいつまた死んでる', false],
    ['ルールは概要欄に書いてある', false],
    ['いつ寝るの', true],
    ['コード書いて', true],
    ['好きな食べ物は？', true],
    ['what game is this?', true],
    ['what game is this', true],
    ['whats your favorite anime', true],
    ['why did you jump there lol', true],
    ['should I go left or right', true],
    ['is this your first playthrough', true],
    ['can you sing', true],
    ['do you like cats', true],
    ['次の配信はいつですか', true],
    ['明日晴れるかな', true],
    ['富士山って何メートルだっけ', true],
    ['なんで今死んだのｗ', true],
    ['おすすめのラーメン屋教えて', true],
    ['ビットコインの仕組みを説明して', true],
    ['Explain the difference between TCP and UDP', true],
    ['Compare React, Vue and Svelte', true],
    ['so how does this work', true],
    ['هل تتكلم العربية?', true], // RTL with an ASCII question mark
    ['草', false],
    ['かわいい', false],
    ['まじか', false],
    ['そっか', false],
    ['いつもありがとう', false],
    ['誰か一緒にやろう', false],
    ['何とかなったね', false],
    ['what a play', false],
    ['how cute', false],
    ['this song slaps', false],
    ['LUL LUL LUL', false],
    ['❤️❤️❤️', false],
    ['', false],
    ['あ'.repeat(10_000), false],
  ])('%j -> %s', (text, question) => {
    expect(analyzeTrigger(text, NAMES).question).toBe(question);
  });
});

describe('analyzeTrigger: command', () => {
  it.each([
    ['!discord', true],
    ['！ぽいんと', true],
    ['  !uptime', true],
    ['!so @someone can you?', true],
    ['!!!', false],
    ['hey !discord', false],
    ['', false],
  ])('%j -> %s', (text, command) => {
    const info = analyzeTrigger(text, NAMES);
    expect(info.command).toBe(command);
    if (command) expect(info.question).toBe(false);
  });
});

describe('isTriggered', () => {
  const info = (mention: boolean, question: boolean, command = false): TriggerInfo => ({ mention, question, command });
  it.each([
    ['mention', info(true, false), 'botan hi', true],
    ['mention', info(false, true), 'why?', false],
    ['question', info(false, true), 'why?', true],
    ['question', info(true, false), 'botan hi', true],
    ['question', info(false, false), 'nice', false],
    ['all', info(false, false), 'nice', true],
    ['all', info(false, false), '   ', false],
    ['all', info(false, false), '', false],
    ['all', info(true, true, true), '!botan why', false],
    ['mention', info(true, false, true), '!botan', false],
  ] as const)('%s %j %j -> %s', (mode, i, text, expected) => {
    expect(isTriggered(i, mode, text)).toBe(expected);
  });

  it('from text: a command that mentions the character is still ignored', () => {
    const text = '!botan';
    expect(isTriggered(analyzeTrigger(text, NAMES), 'question', text)).toBe(false);
  });
});

describe('analyzeTrigger: long input', () => {
  it.each([
    ['Japanese', 'ねえ、これってどう思う？'],
    ['laughter', 'ｗ'],
    ['punctuation', '!?'],
    ['emoji', '😂'],
  ])('10,000 characters of %s: no catastrophic backtracking (< 20 ms a call)', (_kind, unit) => {
    const text = `x${unit.repeat(Math.ceil(10_000 / unit.length))}`.slice(0, 10_000);
    analyzeTrigger(text, NAMES);
    const t0 = performance.now();
    for (let i = 0; i < 10; i++) analyzeTrigger(text, NAMES);
    expect((performance.now() - t0) / 10).toBeLessThan(20);
  });
});
