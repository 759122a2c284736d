import { describe, expect, it } from 'vitest';
import { commentSchema } from '../../src/types.js';
import { mapTwitchMessage, stripCheermotes, botStateFromUserstate, type MapRules, type TwitchWireMessage } from '../../src/platforms/twitch/map.js';
import {
  avoidDuplicate,
  buildPrivmsgLine,
  classifyNotice,
  escapeTagValue,
  isLoginFailure,
  parseIrcUrl,
  parseTags,
  sanitizeChatText,
  unescapeTagValue,
  DUPLICATE_SUFFIX,
} from '../../src/platforms/twitch/irc.js';
import type { TmiUserstate } from '../../src/platforms/twitch/twitch.external.js';

const rules: MapRules = { botLogin: 'botan_bot', ignoredBots: new Set(['nightbot', 'streamelements']), receivedAt: 1_700_000_000_500 };

/** A userstate as tmi.js 1.8.5 emits it for a plain viewer ("1"/"0" already booleans, "" → null). */
function us(over: TmiUserstate = {}): TmiUserstate {
  return {
    'badge-info': null,
    badges: null,
    color: '#1E90FF',
    'display-name': 'Viewer',
    emotes: null,
    'first-msg': false,
    flags: null,
    id: 'b34ccfc7-4977-403a-8a94-33c6bac34fb8',
    mod: false,
    'returning-chatter': false,
    'room-id': '1337',
    subscriber: false,
    'tmi-sent-ts': '1700000000000',
    turbo: false,
    'user-id': '12345',
    'user-type': null,
    username: 'viewer',
    'message-type': 'chat',
    ...over,
  };
}

const wire = (over: Partial<TwitchWireMessage> = {}): TwitchWireMessage => ({
  channel: '#SomeChan',
  userstate: us(),
  text: 'hello',
  kind: 'chat',
  self: false,
  ...over,
});

describe('mapTwitchMessage: comments', () => {
  it.each([
    ['plain English', wire({ text: 'is this the new build?' }), { text: 'is this the new build?' }],
    ['Japanese text and name', wire({ text: 'ぼたんちゃん、こんにちは！', userstate: us({ 'display-name': 'ぼたんファン', username: 'botan_fan' }) }), { text: 'ぼたんちゃん、こんにちは！', author: { name: 'ぼたんファン', login: 'botan_fan' } }],
    ['emoji', wire({ text: '🎉🎉 gg 👏🏽' }), { text: '🎉🎉 gg 👏🏽' }],
    ['RTL text', wire({ text: 'مرحبا بالجميع שלום' }), { text: 'مرحبا بالجميع שלום' }],
    ['a /me line tmi.js left wrapped', wire({ text: '\u0001ACTION waves' }), { text: 'waves' }],
    // `!` commands reach the gateway: a moderator's `!botan pause` is run there, the rest skipped at intake
    ["a moderator's command", wire({ text: '!botan pause', userstate: us({ mod: true, badges: { moderator: '1' } }) }), { text: '!botan pause', author: { badges: { moderator: true } } }],
    ['a viewer command', wire({ text: '!forgetme' }), { text: '!forgetme' }],
    ['empty display name falls back to login', wire({ userstate: us({ 'display-name': null }) }), { author: { name: 'viewer' } }],
    ['user id "1" turned into true by tmi.js', wire({ userstate: us({ 'user-id': true }) }), { author: { id: '1' } }],
    ['no tmi-sent-ts: no sentAt', wire({ userstate: us({ 'tmi-sent-ts': undefined }) }), { sentAt: undefined }],
    ['500-character message', wire({ text: 'あ'.repeat(500) }), { text: 'あ'.repeat(500) }],
  ])('%s', (_name, input, expected) => {
    const r = mapTwitchMessage(input, rules);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(commentSchema.parse(r.comment)).toBeTruthy();
    expect(r.comment).toMatchObject({ platform: 'twitch', channel: 'somechan', id: 'b34ccfc7-4977-403a-8a94-33c6bac34fb8', kind: 'chat', receivedAt: rules.receivedAt });
    const { author, sentAt: _s, ...rest } = expected as { author?: object; sentAt?: number };
    expect(r.comment).toMatchObject(rest);
    if ('sentAt' in expected) expect(r.comment.sentAt).toBeUndefined();
    else expect(r.comment.sentAt).toBe(1_700_000_000_000);
    if (author) expect(r.comment.author).toMatchObject(author);
  });

  it.each([
    ['mod tag', { mod: true }, { moderator: true }],
    ['moderator badge only', { badges: { moderator: '1' } }, { moderator: true }],
    ['broadcaster', { badges: { broadcaster: '1' } }, { owner: true, moderator: false }],
    ['subscriber tag', { subscriber: true, badges: { subscriber: '12' } }, { member: true }],
    ['founder badge', { badges: { founder: '0' } }, { member: true }],
    ['vip tag', { vip: true }, { vip: true }],
    ['vip badge', { badges: { vip: '1' } }, { vip: true }],
    ['nothing', {}, { moderator: false, owner: false, member: false, vip: false }],
  ])('badges: %s', (_n, tags, badges) => {
    const r = mapTwitchMessage(wire({ userstate: us(tags as TmiUserstate) }), rules);
    expect(r.ok && r.comment.author.badges).toMatchObject(badges);
  });

  it('first-time chatter', () => {
    const r = mapTwitchMessage(wire({ userstate: us({ 'first-msg': true }) }), rules);
    expect(r.ok && r.comment.author.firstMessage).toBe(true);
  });
});

describe('mapTwitchMessage: cheers', () => {
  it.each([
    ['cheer100 great stream!', '100', 'great stream!', 100],
    ['Kappa50 cheer50 がんばって', '100', 'がんばって', 100],
    ['cheer1', '1', '', 1],
    ['botanCheer100 custom cheermote', '100', 'custom cheermote', 100],
    ['is gpt4 smart? cheer10', '10', 'is gpt4 smart?', 10],
  ])('%j with bits %s', (text, bits, expectedText, amount) => {
    const r = mapTwitchMessage(wire({ kind: 'cheer', text, userstate: us({ bits }) }), rules);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.comment).toMatchObject({ kind: 'cheer', text: expectedText, paid: { amount, currency: 'bits' } });
    expect(commentSchema.parse(r.comment).paid).toEqual({ amount, currency: 'bits' });
  });

  it.each([
    ['cheer100 hi', 100, 'hi'],
    ['Cheer100', 100, ''],
    ['R2D2 says hi cheer5', 5, 'R2D2 says hi'],
    ['uni10 my10 tokens', 20, 'tokens'],
    ['uni10 my10 tokens', 10, 'my10 tokens'],
    ['no cheermote here', 10, 'no cheermote here'],
  ])('stripCheermotes(%j, %d)', (text, bits, expected) => {
    expect(stripCheermotes(text, bits)).toBe(expected);
  });
});

describe('mapTwitchMessage: ignored and malformed', () => {
  it.each([
    ['its own login', wire({ userstate: us({ username: 'botan_bot' }) }), 'self'],
    ["tmi.js's self flag", wire({ self: true }), 'self'],
    ['a known bot', wire({ userstate: us({ username: 'nightbot' }) }), 'ignored-bot'],
  ])('skips %s', (_n, input, skip) => {
    expect(mapTwitchMessage(input, rules)).toEqual({ ok: false, skip });
  });

  it.each([
    ['no id', wire({ userstate: us({ id: undefined }) }), 'no-id'],
    ['no username', wire({ userstate: us({ username: undefined }) }), 'no-user'],
    ['no user id', wire({ userstate: us({ 'user-id': null }) }), 'no-user'],
    ['no channel', wire({ channel: '' }), 'no-channel'],
    ['bits not a number', wire({ kind: 'cheer', userstate: us({ bits: 'lots' }) }), 'bad-bits'],
    ['text beyond 20,000 characters', wire({ text: 'x'.repeat(20_001) }), 'invalid'],
    ['userstate missing entirely', wire({ userstate: undefined as unknown as TmiUserstate }), 'no-user'],
  ])('reports %s', (_n, input, malformed) => {
    expect(mapTwitchMessage(input, rules)).toMatchObject({ ok: false, malformed });
  });
});

describe('botStateFromUserstate', () => {
  it.each([
    [{ mod: '1', badges: 'moderator/1', 'user-type': 'mod' }, true],
    [{ mod: '0', badges: 'broadcaster/1' }, true],
    [{ mod: '0', badges: true, 'user-type': true }, false],
  ] as const)('%j → moderator %s', (tags, moderator) => {
    expect(botStateFromUserstate({ command: 'USERSTATE', params: ['#Chan'], tags: { ...tags } })).toEqual({ channel: 'chan', moderator });
  });
  it('ignores other commands', () => {
    expect(botStateFromUserstate({ command: 'PRIVMSG', params: ['#c', 'x'], tags: {} })).toBeNull();
  });
});

describe('irc helpers', () => {
  it.each([
    ['line\r\nbreak', 'line break'],
    ['evil\r\nPRIVMSG #chan :pwned', 'evil PRIVMSG #chan :pwned'],
    ['nul\0byte', 'nulbyte'],
    ['/ban someone', 'ban someone'],
    ['.timeout someone 600', 'timeout someone 600'],
    ['\n/me does a thing', 'me does a thing'],
    ['\u0001ACTION x\u0001', 'ACTION x'],
    ['こんにちは\n世界 🌸', 'こんにちは 世界 🌸'],
    ['\u202Eevil RTL override', '\u202Eevil RTL override'],
    ['tabs\tand   spaces', 'tabs and spaces'],
  ])('sanitizeChatText(%j)', (input, expected) => {
    const out = sanitizeChatText(input);
    expect(out).toBe(expected);
    expect(out).not.toMatch(/[\r\n\0]/);
  });

  it.each(['plain', 'a b;c\\d', 'ends with \\', 'ｊａｐａｎ 日本;語', 'line\r\nbreak', '🎉 party'])('tag escaping round-trips %j', (v) => {
    const esc = escapeTagValue(v);
    expect(esc).not.toMatch(/[ ;\r\n]/);
    expect(unescapeTagValue(esc)).toBe(v);
    expect(parseTags(`@k=${esc};other=1`)).toEqual({ k: v, other: '1' });
  });

  it('builds the threaded reply line with an escaped parent id', () => {
    expect(buildPrivmsgLine('chan', 'hi there', 'abc-123')).toBe('@reply-parent-msg-id=abc-123 PRIVMSG #chan :hi there');
    expect(buildPrivmsgLine('chan', 'x', 'a b;c')).toBe('@reply-parent-msg-id=a\\sb\\:c PRIVMSG #chan :x');
    expect(buildPrivmsgLine('chan', 'x')).toBe('PRIVMSG #chan :x');
  });

  it.each([
    ['wss://irc-ws.chat.twitch.tv:443', { server: 'irc-ws.chat.twitch.tv', port: 443, secure: true }],
    ['wss://irc-ws.chat.twitch.tv', { server: 'irc-ws.chat.twitch.tv', port: 443, secure: true }],
    ['ws://127.0.0.1:40123', { server: '127.0.0.1', port: 40123, secure: false }],
    ['ws://localhost', { server: 'localhost', port: 80, secure: false }],
  ])('parseIrcUrl(%s)', (url, expected) => {
    expect(parseIrcUrl(url)).toEqual(expected);
  });
  it('parseIrcUrl rejects http', () => expect(() => parseIrcUrl('http://x')).toThrow(/ws:\/\//));

  it('alternates an invisible suffix for repeats within 30 s', () => {
    const a = avoidDuplicate('same', undefined, 0, 500);
    expect(a.text).toBe('same');
    const b = avoidDuplicate('same', a.last, 10_000, 500);
    expect(b.text).toBe('same' + DUPLICATE_SUFFIX);
    const c = avoidDuplicate('same', b.last, 20_000, 500);
    expect(c.text).toBe('same');
    const d = avoidDuplicate('same', c.last, 50_000, 500);
    expect(d.text).toBe('same');
    expect(avoidDuplicate('other', d.last, 50_001, 500).text).toBe('other');
  });
  it('keeps a suffixed repeat within the length limit (code points)', () => {
    const full = '🌸'.repeat(500);
    const a = avoidDuplicate(full, undefined, 0, 500);
    const b = avoidDuplicate(full, a.last, 1, 500);
    expect([...b.text].length).toBe(500);
    expect(b.text).not.toBe(full);
  });

  it.each([
    ['msg_timedout', 'You are timed out for 583 more seconds.', { kind: 'blocked', ms: 583_000 }],
    ['msg_timedout', 'You are timed out.', { kind: 'blocked', ms: 600_000 }],
    ['msg_banned', 'You are permanently banned from talking in chan.', { kind: 'blocked', reason: 'banned' }],
    ['msg_channel_suspended', 'This channel does not exist or has been suspended.', { kind: 'blocked' }],
    ['msg_requires_verified_phone_number', 'A verified phone number is required to chat in this channel.', { kind: 'blocked' }],
    ['msg_ratelimit', 'Your message was not sent because you are sending messages too quickly.', { kind: 'ratelimit' }],
    ['msg_duplicate', 'Your message was not sent because it is identical…', { kind: 'duplicate' }],
    ['msg_slowmode', 'This room is in slow mode and you are sending messages too quickly. You will be able to talk again in 12 seconds.', { kind: 'paused', ms: 12_000 }],
    ['emote_only_on', 'This room is now in emote-only mode.', { kind: 'other' }],
  ])('classifyNotice(%s)', (id, text, expected) => {
    expect(classifyNotice(id, text)).toMatchObject(expected);
  });

  it.each([
    ['Login authentication failed', true],
    ['Improperly formatted auth', true],
    ['Connection closed.', false],
    ['Unable to connect.', false],
  ])('isLoginFailure(%j) = %s', (text, expected) => expect(isLoginFailure(text)).toBe(expected));
});

describe('emote names from the emotes tag', () => {
  const wire = (text: string, emotes: unknown): TwitchWireMessage => ({ channel: '#ch', userstate: us({ emotes }), text, kind: 'chat' });
  it.each([
    // as tmi.js parses it, and raw; ranges count code points (an emoji before an emote shifts UTF-16 offsets)
    ['Kappa Keepo Kappa', { '25': ['0-4', '12-16'], '1902': ['6-10'] }, ['Kappa', 'Keepo']],
    ['Kappa Keepo Kappa', '25:0-4,12-16/1902:6-10', ['Kappa', 'Keepo']],
    ['🔥 botanHype what?', { '300': ['2-10'] }, ['botanHype']],
    // out of range, reversed, not a whole word, garbage: ignored, never a crash
    ['hi', { '25': ['0-40'] }, undefined],
    ['hi there', { '25': ['5-1', 'x-y', '1-3'] }, undefined],
    ['hi', true, undefined],
    ['hi', null, undefined],
  ])('%s with %j → %j', (text, emotes, expected) => {
    const r = mapTwitchMessage(wire(text, emotes), rules);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.comment.emotes).toEqual(expected);
  });
});
