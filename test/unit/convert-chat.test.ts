import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { convertTwitchIrc, looksLikeTwitchIrc } from '../../src/replay/convert-twitch.js';
import { convertChatDownloader, convertYtDlpLiveChat, detectYoutubeFormat, runsText } from '../../src/replay/convert-youtube.js';
import { formatReplayLine, parseReplay, replayLineSchema, type ConvertResult } from '../../src/replay/format.js';

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/chat/${name}`, import.meta.url), 'utf8');

function expectValid(r: ConvertResult): void {
  for (const l of r.lines) expect(replayLineSchema.safeParse(l).success, JSON.stringify(l)).toBe(true);
}

/** A PRIVMSG as Twitch sends it. */
function privmsg(login: string, text: string, tags: Record<string, string> = {}): string {
  const all: Record<string, string> = { badges: '', 'display-name': login, id: `id-${login}-${text.length}`, 'tmi-sent-ts': '1714561200000', 'user-id': '1', ...tags };
  const t = Object.entries(all).map(([k, v]) => `${k}=${v}`).join(';');
  return `@${t} :${login}!${login}@${login}.tmi.twitch.tv PRIVMSG #botan_ch :${text}`;
}

describe('convertTwitchIrc: fixture twitch-irc.txt (raw lines with tags, CRLF)', () => {
  const r = convertTwitchIrc(fixture('twitch-irc.txt'));

  it('converts every PRIVMSG and skips the other commands', () => {
    expect(r.errors).toEqual([]);
    // CAP, 001, JOIN, ROOMSTATE, PING, USERNOTICE (raid), CLEARCHAT
    expect(r.skipped).toBe(7);
    expect(r.lines.map((l) => [l.t, l.user])).toEqual([
      [0, 'kenji_88'],
      [1.75, 'nightowl_mod'],
      [2.9, 'sakura_mochi'],
      [5.67, 'first_timer_ray'],
      [7.92, 'tanuki_dev'],
      [10.28, 'kenji_88'],
      [11.805, 'layla_sky'],
      [15.2, 'yuzuch'],
      [16.79, 'sakura_mochi'],
      [19.05, 'hana_vip'],
      [22.4, 'nightowl_mod'],
    ]);
    expectValid(r);
  });

  it('maps tags: display name, badges, first message, ids', () => {
    expect(r.lines[0]).toEqual({ t: 0, user: 'kenji_88', name: 'Kenji_88', text: 'こんばんは！待機してた', platform: 'twitch', id: 'c3a7e4b2-5d1f-4f0a-9b6e-2a8d7c1e0f41' });
    expect(r.lines[1]!.badges).toEqual(['moderator']);
    expect(r.lines[2]).toMatchObject({ name: 'さくらもち', badges: ['subscriber'], text: 'ぼたんちゃん今日も可愛い〜 botanHeart botanHeart' });
    expect(r.lines[3]).toMatchObject({ badges: ['first'] });
    expect(r.lines[3]!.name).toBeUndefined();
    expect(r.lines[6]).toMatchObject({ name: 'ليلى', text: 'مرحبا Botan! hello from Cairo' });
    expect(r.lines[7]!.badges).toEqual(['verified']);
    expect(r.lines[10]!.text).toBe('!discord');
  });

  it('bits become paid/bits with the cheermote removed; a Hype Chat keeps its currency', () => {
    expect(r.lines[4]).toMatchObject({ text: 'Botan, is RAG or an event log better for remembering regulars?', paid: 100, currency: 'bits' });
    expect(r.lines[9]).toMatchObject({ paid: 500, currency: 'JPY', badges: ['vip', 'subscriber'] });
  });

  it('unwraps /me (CTCP ACTION)', () => {
    expect(r.lines[5]!.text).toBe('waves at Botan');
  });
});

describe('convertTwitchIrc: timestamp prefixes', () => {
  it('fixture twitch-irc-prefixed.txt: [HH:MM:SS] on tagless lines, across midnight', () => {
    const r = convertTwitchIrc(fixture('twitch-irc-prefixed.txt'));
    expect(r.errors).toEqual([]);
    expect(r.skipped).toBe(3);
    expect(r.lines.map((l) => [l.t, l.user, l.text])).toEqual([
      [0, 'kenji_88', 'まだ起きてる人〜'],
      [8, 'mika_en', 'almost midnight lol'],
      [13, 'kenji_88', '日付変わった！'],
      [20.25, 'mika_en', 'Botan what time is it in Tokyo now?'],
    ]);
  });

  const tagless = (login: string, text: string): string => `:${login}!${login}@${login}.tmi.twitch.tv PRIVMSG #botan_ch :${text}`;
  it.each<[string, string[], number[]]>([
    ['[YYYY-MM-DD HH:MM:SS]', ['[2024-05-01 20:00:01] ' + tagless('a', 'x'), '[2024-05-01 20:00:04] ' + tagless('b', 'y')], [0, 3]],
    ['ISO with Z and fractions', ['2024-05-01T11:00:01.250Z ' + tagless('a', 'x'), '2024-05-01T11:00:02.000Z ' + tagless('b', 'y')], [0, 0.75]],
    ['ISO with an offset', ['[2024-05-01T20:00:00+09:00] ' + tagless('a', 'x'), '[2024-05-01T11:00:30Z] ' + tagless('b', 'y')], [0, 30]],
    ['date rollover across days', ['[2024-05-01 23:59:59] ' + tagless('a', 'x'), '[2024-05-02 00:00:01] ' + tagless('b', 'y')], [0, 2]],
    ['tmi-sent-ts wins over the prefix', ['[20:00:00] ' + privmsg('a', 'x', { 'tmi-sent-ts': '1714561200000' }), '[20:00:59] ' + privmsg('b', 'y', { 'tmi-sent-ts': '1714561201500' })], [0, 1.5]],
    ['mixed: prefix times shifted onto the tmi clock', ['[20:00:00] ' + privmsg('a', 'x', { 'tmi-sent-ts': '1714561200000' }), '[20:00:05] ' + tagless('b', 'y')], [0, 5]],
    ['out-of-order log: t counts from the earliest', [privmsg('a', 'x', { 'tmi-sent-ts': '1714561205000' }), privmsg('b', 'y', { 'tmi-sent-ts': '1714561200000' })], [0, 5]],
  ])('%s', (_name, input, ts) => {
    const r = convertTwitchIrc(input.join('\n'));
    expect(r.errors).toEqual([]);
    expect(r.lines.map((l) => l.t)).toEqual(ts);
  });

  it.each<[string, string, RegExp]>([
    ['no time at all', tagless('a', 'x'), /no time/],
    ['PRIVMSG without a channel', '@tmi-sent-ts=1 :a!a@a.tmi.twitch.tv PRIVMSG', /malformed/],
    ['bits that are not a number', privmsg('a', 'cheer', { bits: 'lots' }), /bad paid amount/],
  ])('reports %s with its line number', (_name, bad, message) => {
    const r = convertTwitchIrc(`${privmsg('ok', 'fine')}\n${bad}`);
    expect(r.lines.map((l) => l.user)).toEqual(['ok']);
    expect(r.errors).toEqual([{ line: 2, message: expect.stringMatching(message) }]);
  });

  it('unescapes tag values and keeps emoji, RTL and a colon-leading text', () => {
    const r = convertTwitchIrc(privmsg('a', ':) 👋 שלום', { 'display-name': 'Ａ\\sＢ' }));
    expect(r.lines[0]).toMatchObject({ name: 'Ａ Ｂ', text: ':) 👋 שלום' });
  });

  it('founder and partner badges, mod tag without a badge', () => {
    const r = convertTwitchIrc(privmsg('a', 'x', { badges: 'founder/0,partner/1,glhf-pledge/1', mod: '1' }));
    expect(r.lines[0]!.badges).toEqual(['subscriber', 'verified', 'moderator']);
  });
});

describe('convertYtDlpLiveChat', () => {
  it('fixture yt-dlp.live_chat.json (chat replay): text, emoji, super chats, stickers, memberships', () => {
    const r = convertYtDlpLiveChat(fixture('yt-dlp.live_chat.json'));
    expect(r.errors).toEqual([]);
    // viewer engagement message, ticker item, deleted-message action
    expect(r.skipped).toBe(3);
    expect(r.lines).toEqual([
      { t: 0, user: 'Kenji Tanaka', text: 'こんぼたん〜！:_botanWave:', platform: 'youtube', id: 'ChwKGkNLLWp4NmZJOTRVREZRckR3Z1FkZWZJQjZ3' },
      { t: 2.565, user: '@mika_en', text: 'hi Botan 😂 the new outfit is so cute', platform: 'youtube', id: 'ChwKGkNQR0F5NmZJOTRVREZhOEV3Z1FkR2xvQ3hn' },
      { t: 4.81, user: 'ねこまる', text: 'ボタンってどうやってコメント読んでるの？', badges: ['moderator'], platform: 'youtube', id: 'ChwKGkNNS3ZfNmZJOTRVREZiTVJ3Z1FkLUJnQk5n' },
      { t: 7.29, user: 'Sam Rivera', text: 'Botan, should I learn Python or TypeScript first for making bots?', badges: ['member'], platform: 'youtube', id: 'ChwKGkNKN21fNmZJOTRVREZTRVJ3Z1FkZVNFSVhR' },
      { t: 10.09, user: 'たぬき開発', text: 'ぼたん、RAGとイベントログ型の記憶ってどう違うの？', badges: ['member'], paid: 500, currency: 'JPY', platform: 'youtube', id: 'ChwKGkNOcVdtNmZJOTRVREZmN0V3Z1FkRDB3QWR3' },
      { t: 12.741, user: 'Alex W.', text: '', paid: 5, currency: 'USD', platform: 'youtube', id: 'ChwKGkNMZWp4NmZJOTRVREZUX0R3Z1FkYmZnSnZB' },
      { t: 15.39, user: 'ゆきな', text: 'Welcome to 牡丹 Botan Ch.!', badges: ['member'], kind: 'membership', platform: 'youtube', id: 'ChwKGkNJbXB4NmZJOTRVREZYN0R3Z1FkV1RvTkdn' },
      { t: 17.67, user: 'Sam Rivera', text: '6 months already! thanks for every stream :_botanHeart:', badges: ['member'], kind: 'membership', platform: 'youtube', id: 'ChwKGkNPX2J4NmZJOTRVREZXN0R3Z1FkSnhzSzN3' },
      { t: 19.03, user: '牡丹 Botan Ch.', text: 'みんな来てくれてありがとう〜！', badges: ['owner'], platform: 'youtube', id: 'ChwKGkNKaWV4NmZJOTRVREZhOFd3Z1FkcjBRRG5B' },
      { t: 21.59, user: 'מיכל', text: 'שלום Botan! 👋', badges: ['verified'], platform: 'youtube', id: 'ChwKGkNPNnd4NmZJOTRVREZWREl3Z1FkX3BJQ0Z3' },
    ]);
    expectValid(r);
  });

  it('fixture yt-dlp-live.live_chat.json (recorded live, offset beside the wrapper)', () => {
    const r = convertYtDlpLiveChat(fixture('yt-dlp-live.live_chat.json'));
    expect(r.errors).toEqual([]);
    expect(r.lines.map((l) => [l.t, l.user, l.text])).toEqual([
      [0, 'Kenji Tanaka', 'live now!! こんぼたん'],
      [0.77, '@mika_en', 'hello hello'],
      [2.89, 'ねこまる', '今日の配信何時まで？'],
    ]);
  });

  it('falls back to videoOffsetTimeMsec when an item has no timestampUsec', () => {
    const item = (off: number, name: string): string =>
      JSON.stringify({ replayChatItemAction: { actions: [{ addChatItemAction: { item: { liveChatTextMessageRenderer: { message: { runs: [{ text: 'x' }] }, authorName: { simpleText: name } } } } }], videoOffsetTimeMsec: String(off) } });
    const r = convertYtDlpLiveChat([item(61_000, 'a'), item(64_500, 'b')].join('\n'));
    expect(r.lines.map((l) => [l.t, l.user])).toEqual([[0, 'a'], [3.5, 'b']]);
  });

  it('reports a broken line and an unreadable super chat amount by line number', () => {
    const good = fixture('yt-dlp.live_chat.json').split('\n')[1]!;
    const badAmount = good.replace('liveChatTextMessageRenderer', 'liveChatPaidMessageRenderer');
    const r = convertYtDlpLiveChat([good, '{"replayChatItemAction": {', badAmount].join('\n'));
    expect(r.lines).toHaveLength(1);
    expect(r.errors.map((e) => e.line)).toEqual([2, 3]);
    expect(r.errors[1]!.message).toMatch(/super chat amount/);
  });

  it.each<[string, unknown, string]>([
    ['plain text', { runs: [{ text: 'hello ' }, { text: 'world' }] }, 'hello world'],
    ['simpleText', { simpleText: '￥500' }, '￥500'],
    ['standard emoji as the character', { runs: [{ emoji: { emojiId: '😂', shortcuts: [':face_with_tears_of_joy:'], isCustomEmoji: false } }] }, '😂'],
    ['custom emoji as its shortcut', { runs: [{ text: 'a' }, { emoji: { emojiId: 'UCx/abc', shortcuts: [':_botanHeart:'], isCustomEmoji: true } }] }, 'a:_botanHeart:'],
    ['custom emoji without shortcuts as its id', { runs: [{ emoji: { emojiId: 'UCx/abc', isCustomEmoji: true } }] }, 'UCx/abc'],
    ['missing', undefined, ''],
  ])('runsText: %s', (_name, message, expected) => {
    expect(runsText(message)).toBe(expected);
  });
});

describe('convertChatDownloader', () => {
  it('fixture chat-downloader.json: messages, super chats, stickers, memberships; tickers and deletions skipped', () => {
    const r = convertChatDownloader(fixture('chat-downloader.json'));
    expect(r.errors).toEqual([]);
    expect(r.skipped).toBe(3);
    expect(r.lines.map((l) => [l.t, l.user, l.text, l.badges ?? [], l.paid, l.currency, l.kind])).toEqual([
      [0, 'Kenji Tanaka', 'こんぼたん〜！:_botanWave:', [], undefined, undefined, undefined],
      [1.538, 'ねこまる', 'ボタンってどうやってコメント読んでるの？', ['moderator'], undefined, undefined, undefined],
      [4.368, 'Sam Rivera', 'Botan, should I learn Python or TypeScript first for making bots?', ['member'], undefined, undefined, undefined],
      [6.718, 'たぬき開発', 'ぼたん、RAGとイベントログ型の記憶ってどう違うの？', [], 500, 'JPY', undefined],
      [9.868, 'Alex W.', '', [], 5, 'USD', undefined],
      [11.478, 'ゆきな', 'Welcome to 牡丹 Botan Ch.!', ['member'], undefined, undefined, 'membership'],
      [13.068, '牡丹 Botan Ch.', 'みんな来てくれてありがとう〜！', ['owner'], undefined, undefined, undefined],
      [16.218, 'מיכל', 'שלום Botan! 👋', ['verified'], undefined, undefined, undefined],
    ]);
    expect(r.lines.every((l) => l.platform === 'youtube' && l.id)).toBe(true);
    expectValid(r);
  });

  it('uses time_in_seconds when there is no timestamp, and reports items without a time', () => {
    const r = convertChatDownloader(
      JSON.stringify([
        { message: 'a', message_type: 'text_message', author: { name: 'x' }, time_in_seconds: -3.5 },
        { message: 'b', message_type: 'text_message', author: { name: 'y' }, time_in_seconds: 10 },
        { message: 'c', message_type: 'text_message', author: { name: 'z' } },
      ]),
    );
    expect(r.lines.map((l) => [l.t, l.text])).toEqual([[0, 'a'], [13.5, 'b']]);
    expect(r.errors).toEqual([{ line: 3, message: expect.stringMatching(/time/) }]);
  });

  it.each([
    ['not JSON', '[{', /not valid JSON/],
    ['not an array', '{"message":"x"}', /JSON array/],
  ])('rejects %s', (_name, input, message) => {
    expect(convertChatDownloader(input)).toEqual({ lines: [], errors: [{ line: 1, message: expect.stringMatching(message) }], skipped: 0 });
  });
});

describe('format detection', () => {
  it.each<[string, 'twitch' | 'yt-dlp' | 'chat-downloader' | 'none']>([
    ['twitch-irc.txt', 'twitch'],
    ['twitch-irc-prefixed.txt', 'twitch'],
    ['yt-dlp.live_chat.json', 'yt-dlp'],
    ['yt-dlp-live.live_chat.json', 'yt-dlp'],
    ['chat-downloader.json', 'chat-downloader'],
    ['sample-stream.jsonl', 'none'],
  ])('%s', (name, expected) => {
    const text = fixture(name);
    const got = detectYoutubeFormat(text) ?? (looksLikeTwitchIrc(text) ? 'twitch' : 'none');
    expect(got).toBe(expected);
  });
});
