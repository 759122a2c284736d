import { describe, expect, it } from 'vitest';
import { cpLength, formatForChat, markdownToChat, removeLinks, sanitizeText, splitMessages } from '../../src/reply/format-chat.js';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const FAMILY = '👨‍👩‍👧‍👦'; // 7 code points, one grapheme
const FLAG = '🇯🇵'; // 2 code points, one grapheme

describe('markdownToChat', () => {
  it.each([
    ['heading', '# Title\nBody text.', 'Title: Body text.'],
    ['heading last', 'Intro.\n## Summary', 'Intro. Summary.'],
    ['Japanese heading and list', '## 手順\n1. インストール\n2. 実行する', '手順：インストール。実行する。'],
    ['bold and italic', 'This is **very** *nice* and __also__ _this_.', 'This is very nice and also this.'],
    ['bold-italic', '***wow***', 'wow'],
    ['snake_case stays', 'use my_var_name here', 'use my_var_name here'],
    ['strikethrough', '~~old~~ new', 'old new'],
    ['bullet list', 'Options:\n- apples\n- pears\n* plums', 'Options: apples. pears. plums.'],
    ['list items keep their punctuation', '- Yes!\n- No?', 'Yes! No?'],
    ['table', '| Name | Age |\n|---|:---:|\n| Ann | 3 |', 'Name, Age. Ann, 3.'],
    ['Japanese table', '| 名前 | 年齢 |\n| --- | --- |\n| 牡丹 | 1 |', '名前、年齢。牡丹、1。'],
    ['code fence inlined', 'Try:\n```js\nconst x = 1;\nconsole.log(x);\n```\nDone.', 'Try: const x = 1; console.log(x); Done.'],
    ['long code fence dropped', `Code:\n\`\`\`\n${'x = x + 1;\n'.repeat(30)}\`\`\`\nThat is all.`, 'Code: That is all.'],
    ['unclosed fence', 'See\n```\nrm -rf /', 'See rm -rf /'],
    ['inline code', 'Run `npm ci` first.', 'Run npm ci first.'],
    ['inline code keeps stars', 'Use `a*b*c` here', 'Use a*b*c here'],
    ['link', 'Read [the docs](https://example.com/docs "Docs") now', 'Read the docs now'],
    ['image dropped', 'Look ![a cat](https://x.com/cat.png) here', 'Look here'],
    ['reference link', 'See [docs][1].\n\n[1]: https://example.com', 'See docs.'],
    ['blockquote', '> quoted line\n> more', 'quoted line more'],
    ['horizontal rule', 'a\n\n---\n\nb', 'a b'],
    ['html', 'line<br>break <b>bold</b>', 'line break bold'],
    ['escapes', '\\*not italic\\*', '*not italic*'],
    ['entities', 'a &amp; b &lt;3', 'a & b <3'],
    ['plain text unchanged', 'Just a normal sentence, with 2 * 3 = 6.', 'Just a normal sentence, with 2 * 3 = 6.'],
    ['emoji and RTL pass through', 'مرحبا **بك** 😊', 'مرحبا بك 😊'],
    ['whitespace collapsed', 'a   b\n\n\nc\t d', 'a b c d'],
    // a line that is only bold text is how models write a heading: it keeps a separator
    ['bold heading, Japanese', '**RAGのメリット**\n柔軟に検索できる。\n**デメリット**\n遅い。', 'RAGのメリット：柔軟に検索できる。デメリット：遅い。'],
    ['bold heading with its colon, Japanese', '**RAGのメリット：**\n- 柔軟\n- 速い', 'RAGのメリット：柔軟。速い。'],
    ['bold heading, English', '**Pros**\nFlexible search.\n__Cons__\nSlow.', 'Pros: Flexible search. Cons: Slow.'],
    ['bold heading, RTL', '**المزايا**\nبحث مرن.', 'المزايا: بحث مرن.'],
    ['bold heading with emoji', '**メリット ✨**\n速い！', 'メリット ✨：速い！'],
    ['bold heading last stays a sentence', '速い。\n**以上**', '速い。以上。'],
    ['bold words inside a line are not a heading', '**RAG** は柔軟です。', 'RAG は柔軟です。'],
    ['a bold sentence is not a heading', '**Try it yourself!**\nIt is fun.', 'Try it yourself! It is fun.'],
  ])('%s', (_name, input, want) => {
    expect(markdownToChat(input)).toBe(want);
  });
});

describe('sanitizeText', () => {
  it.each([
    ['CR/LF become one space', 'a\r\nb\nc\rd', 'a b c d'],
    ['IRC injection stays one line', 'hi\r\nPRIVMSG #chan :evil', 'hi PRIVMSG #chan :evil'],
    ['NUL removed', 'a\u0000b', 'ab'],
    ['other C0 and DEL removed', '\u0001ACTION x\u0001\u007f', 'ACTION x'],
    ['C1 removed, NEL is a break', 'a\u0085b\u009bc', 'a bc'],
    ['IRC colour codes with digits', '\u000304,07red\u0003 \u0002bold\u0002', 'red bold'],
    ['U+202E removed', 'abc\u202Edef\u202C', 'abcdef'],
    ['bidi isolates and marks', '\u2066a\u2069\u200E\u200F\u061Cb', 'ab'],
    ['zero-width removed', 'h\u200Be\u200Cl\u2060l\uFEFFo', 'hello'],
    ['deprecated format controls and Khmer fillers', 'h\u206Ae\u206Fl\u17B4l\u17B5o', 'hello'],
    ['stray ZWJ removed', 'a\u200Db', 'ab'],
    ['ZWJ family emoji kept', `family ${FAMILY}`, `family ${FAMILY}`],
    ['lone high surrogate', 'x\uD800y', 'xy'],
    ['lone low surrogate', 'x\uDC00y', 'xy'],
    ['valid pair kept', 'x😀y', 'x😀y'],
    ['combining flood capped', `Z${'\u0301'.repeat(200)}`, `Z${'\u0301'.repeat(4)}`],
    ['accents kept', 'café naïve Ti\u1EBFng Vi\u1EC7t', 'café naïve Tiếng Việt'],
    ['tag characters removed', 'hi\u{E0049}\u{E0047}', 'hi'],
    ['flag with tags kept', '🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}', '🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}'],
    ['variation selector run collapsed', `x${'\u{E0100}'.repeat(50)}`, 'x\u{E0100}'],
    ['line/paragraph separators', 'a\u2028b\u2029c', 'a b c'],
    ['ideographic space collapsed', '日本\u3000\u3000語', '日本 語'],
    ['Hangul filler removed', '\u3164\u3164', ''],
    ['trim', '  x  ', 'x'],
    ['RTL text kept', 'שלום עולם', 'שלום עולם'],
  ])('%s', (_name, input, want) => {
    expect(sanitizeText(input)).toBe(want);
  });
});

describe('removeLinks', () => {
  it.each([
    ['https URL', 'see https://evil.com/x?a=1 now', [], 'see now'],
    ['keeps sentence punctuation', 'Go to https://evil.com/a.', [], 'Go to.'],
    ['www', 'visit www.free-robux.xyz today', [], 'visit today'],
    ['discord invite', 'join discord.gg/abc123 !', [], 'join!'],
    ['spelled-out invite', 'join discord . gg / abc123', [], 'join '],
    ['bare domain with path', 'try bit.ly/3xYz', [], 'try '],
    ['bare domain, common TLD', 'go example.com now', [], 'go now'],
    ['file names stay', 'node.js and README.md and v1.2', [], 'node.js and README.md and v1.2'],
    ['email stays', 'mail me@example.com', [], 'mail me@example.com'],
    ['IP with path', 'at 10.0.0.1/admin', [], 'at '],
    ['URL before Japanese', 'https://example.com/aを見て', [], 'を見て'],
    ['allowed domain', 'clip: https://clips.twitch.tv/abc', ['twitch.tv'], 'clip: https://clips.twitch.tv/abc'],
    ['allowed exact host', 'see youtube.com/watch?v=1', ['youtube.com'], 'see youtube.com/watch?v=1'],
    ['look-alike host not allowed', 'see https://twitch.tv.evil.com/x', ['twitch.tv'], 'see '],
    ['userinfo trick not allowed', 'https://twitch.tv@evil.com/x', ['twitch.tv'], ''],
    ['no links unchanged', 'こんにちは、元気？', [], 'こんにちは、元気？'],
  ])('%s', (_name, input, allow, want) => {
    expect(removeLinks(input, allow)).toBe(want);
  });
});

describe('splitMessages', () => {
  const ja = 'これはテストの文です。'; // 11 code points
  it.each([
    ['fits in one', 'short text', 500, 2, '', ['short text']],
    ['exactly the limit', 'a'.repeat(200), 200, 2, '', ['a'.repeat(200)]],
    ['limit + 1 hard cut', 'a'.repeat(201), 200, 2, '', ['a'.repeat(200), 'a']],
    ['prefix counted, exactly fits', 'b'.repeat(194), 200, 1, '@name ', [`@name ${'b'.repeat(194)}`]],
    ['prefix counted, one over', `${'b'.repeat(190)} cccc`, 200, 2, '@name ', [`@name ${'b'.repeat(190)}`, '@name cccc']],
    ['sentence boundary', `${'x'.repeat(120)}. ${'y'.repeat(100)}.`, 200, 2, '', [`${'x'.repeat(120)}.`, `${'y'.repeat(100)}.`]],
    ['empty text', '   ', 200, 2, '@a ', []],
  ])('%s', (_name, text, maxChars, maxMessages, prefix, want) => {
    expect(splitMessages(text, { maxChars, maxMessages, prefix })).toEqual(want);
  });

  it.each([
    ['Japanese without spaces, 200', ja.repeat(40), 200, 3, '@viewer '],
    ['Japanese without spaces, 500', ja.repeat(100), 500, 2, '@viewer '],
    ['Japanese without any punctuation', 'あ'.repeat(1000), 200, 3, ''],
    ['emoji surrogate pairs', '😀'.repeat(450), 200, 3, '@a '],
    ['ZWJ family emoji', FAMILY.repeat(100), 200, 4, '@a '],
    ['flags', FLAG.repeat(300), 200, 2, ''],
    ['Arabic', 'مرحبا بالجميع في البث. '.repeat(40), 200, 3, '@name '],
    ['Hebrew', 'שלום לכולם מה שלומכם היום? '.repeat(40), 500, 2, '@name '],
    ['English words', 'the quick brown fox jumps. '.repeat(60), 500, 2, '@someone '],
  ])('%s: parts within the limit, prefix on each, no broken characters', (_name, text, maxChars, maxMessages, prefix) => {
    const parts = splitMessages(text, { maxChars, maxMessages, prefix });
    expect(parts.length).toBeGreaterThan(0);
    expect(parts.length).toBeLessThanOrEqual(maxMessages);
    for (const p of parts) {
      expect(cpLength(p)).toBeLessThanOrEqual(maxChars);
      expect(p.startsWith(prefix)).toBe(true);
      expect(p).not.toMatch(LONE_SURROGATE);
    }
  });

  it('cuts Japanese at 。 and fills each part', () => {
    const parts = splitMessages(ja.repeat(40), { maxChars: 200, maxMessages: 2, prefix: '@viewer ' });
    expect(parts).toHaveLength(2);
    for (const p of parts) expect(p.endsWith('。')).toBe(true);
    // 192 code points of room: 17 sentences of 11 fit (187)
    expect(cpLength(parts[0]!)).toBe(8 + 187);
  });

  it('never splits a ZWJ family emoji or a flag', () => {
    for (const p of splitMessages(FAMILY.repeat(100), { maxChars: 200, maxMessages: 5 })) expect(p.replaceAll(FAMILY, '')).toBe('');
    for (const p of splitMessages(`x${FLAG.repeat(150)}`, { maxChars: 200, maxMessages: 3 })) expect(p.replace(/^x/, '').replaceAll(FLAG, '')).toBe('');
  });

  it('cuts one over-long grapheme at a code point boundary', () => {
    const parts = splitMessages(`a${'\u0301'.repeat(300)}`, { maxChars: 200, maxMessages: 2 });
    expect(parts.map(cpLength)).toEqual([200, 101]);
  });

  it('last part ends at a sentence when the text does not fit', () => {
    const parts = splitMessages('One sentence here. '.repeat(60), { maxChars: 200, maxMessages: 2 });
    expect(parts).toHaveLength(2);
    expect(parts[1]!.endsWith('here.')).toBe(true);
    expect(parts[1]).not.toContain('…');
  });

  it('last part gets … only when cut mid-sentence', () => {
    const parts = splitMessages('word '.repeat(300), { maxChars: 200, maxMessages: 2, prefix: '@n ' });
    expect(parts[1]!.endsWith('word…')).toBe(true);
    expect(cpLength(parts[1]!)).toBeLessThanOrEqual(200);
  });

  it('throws RangeError when the prefix leaves no room', () => {
    expect(() => splitMessages('x', { maxChars: 5, maxMessages: 1, prefix: '@abcde' })).toThrow(RangeError);
  });
});

describe('formatForChat', () => {
  const opts = { maxChars: 200, maxMessages: 2, allowedLinkDomains: [] as string[] };
  it.each([
    ['slash command', '/ban x', '', ['ban x']],
    ['dot command', '.timeout y 600', '', ['timeout y 600']],
    ['command after prefix', '/ban someone', '@name ', ['@name ban someone']],
    ['several leading marks', ' ./ /clear', '@n ', ['@n clear']],
    ['bang command', '!addcom !x hi', '', ['addcom !x hi']],
    ['markdown and link', '**Sure!** See [docs](https://evil.com) ok', '@v ', ['@v Sure! See docs ok']],
    ['bare link removed', 'Join discord.gg/xyz now!', '', ['Join now!']],
    ['CRLF injection', 'hi\r\nPRIVMSG #chan :evil', '', ['hi PRIVMSG #chan :evil']],
    ['bidi and zero-width', 'a\u202Eb\u200Bc', '@x ', ['@x abc']],
    ['link hidden by zero-width', 'see example\u200B.com', '', ['see']],
    ['nothing left', '```\n' + 'x'.repeat(400) + '\n```', '@x ', []],
    ['only a link', 'https://evil.com', '', []],
    ['Japanese', '## 答え\n- はい！', '@牡丹 ', ['@牡丹 答え：はい！']],
    ['prefix with control chars is cleaned', 'hi', '@a\u202Eb\r\n ', ['@ab hi']],
    ['mass mentions do not ping', '@a @b @c @d hi', '@v ', ['@v @a @b c d hi']],
    ['emails are not mentions', 'mail x@y.jp @a @b @c', '', ['mail x@y.jp @a @b c']],
    ['space after a removed link', 'Follow: twitter.com/streamer !socials', '', ['Follow: !socials']],
  ])('%s', (_name, raw, prefix, want) => {
    expect(formatForChat(raw, { ...opts, prefix })).toEqual(want);
  });

  it('splits a long answer with the prefix on every part', () => {
    const parts = formatForChat('This is a sentence. '.repeat(30), { ...opts, prefix: '@viewer ' });
    expect(parts).toHaveLength(2);
    for (const p of parts) {
      expect(p.startsWith('@viewer ')).toBe(true);
      expect(cpLength(p)).toBeLessThanOrEqual(200);
    }
  });

  it('a part never starts with a command after a split', () => {
    const text = `${'x'.repeat(160)}. /ban everyone ${'y'.repeat(50)}. .timeout all`;
    const parts = formatForChat(text, { maxChars: 170, maxMessages: 3, allowedLinkDomains: [] });
    expect(parts).toEqual([`${'x'.repeat(160)}.`, `ban everyone ${'y'.repeat(50)}. .timeout all`]);
    const prefixed = formatForChat(text, { maxChars: 176, maxMessages: 3, prefix: '@name ', allowedLinkDomains: [] });
    expect(prefixed[1]).toBe(`@name ban everyone ${'y'.repeat(50)}. .timeout all`);
  });
});

describe('cpLength', () => {
  it.each([
    ['', 0],
    ['abc', 3],
    ['日本語', 3],
    ['😀', 1],
    [FAMILY, 7],
    [FLAG, 2],
    ['\uD800', 1],
  ])('%j has %i code points', (s, n) => {
    expect(cpLength(s)).toBe(n);
  });
});
