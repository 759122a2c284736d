import { describe, expect, it } from 'vitest';
import { commentSchema } from '../../src/types.js';
import type { YouTubeChatItem, YouTubeMessageRun } from '../../src/platforms/youtube/chat-item.external.js';
import { mapChatItem } from '../../src/platforms/youtube/map-chat-item.js';
import { parseSuperChatAmount, parseLocalisedNumber } from '../../src/platforms/youtube/superchat-amount.js';

const T = Date.UTC(2024, 5, 20, 12, 0, 0);

/** An item exactly as youtube-chat 2.2.0 emits it for a plain viewer. */
function item(over: Partial<YouTubeChatItem> & { runs?: YouTubeMessageRun[] } = {}): YouTubeChatItem {
  const { runs, ...rest } = over;
  return {
    id: 'ChwKGkNJbXNnLTE',
    author: { name: '@alice', thumbnail: { url: 'https://yt4.ggpht.com/p=s64', alt: '@alice' }, channelId: 'UCalice0000000000000000a' },
    message: runs ?? [{ text: 'hello' }],
    isMembership: false,
    isVerified: false,
    isOwner: false,
    isModerator: false,
    timestamp: new Date(T),
    ...rest,
  };
}

const emoji = (e: string): YouTubeMessageRun => ({ url: 'https://fonts.gstatic.com/e.png', alt: ':x:', emojiText: e, isCustomEmoji: false });
const custom = (shortcut: string): YouTubeMessageRun => ({ url: 'https://yt3.ggpht.com/c', alt: shortcut, emojiText: shortcut, isCustomEmoji: true });
const ctx = { liveId: 'fAkEliVe001', receivedAt: T + 1500 };

describe('mapChatItem', () => {
  it.each([
    ['plain text', item(), 'hello'],
    ['Japanese with a standard emoji run', item({ runs: [{ text: 'こんにちは' }, emoji('😀'), { text: '元気？' }] }), 'こんにちは😀元気？'],
    ['custom emoji as its shortcut', item({ runs: [{ text: 'hi ' }, custom(':_wave:')] }), 'hi :_wave:'],
    ['RTL Arabic', item({ runs: [{ text: 'مرحبا كيف حالك؟' }] }), 'مرحبا كيف حالك؟'],
    ['emoji only (ZWJ family)', item({ runs: [emoji('👨‍👩‍👧')] }), '👨‍👩‍👧'],
    ['empty message (sticker-like)', item({ runs: [] }), ''],
  ])('text: %s', (_name, it_, expected) => {
    const c = mapChatItem(it_, ctx);
    expect(c?.text).toBe(expected);
    expect(commentSchema.parse(c)).toMatchObject({ platform: 'youtube', channel: 'fAkEliVe001', kind: 'chat' });
  });

  it('lists the custom emoji (distinct), not the standard ones, as the comment\'s emotes', () => {
    const c = mapChatItem(item({ runs: [custom(':_ameHeh:'), custom(':_ameHeh:'), emoji('😀'), { text: 'what?' }, custom(':_wave:')] }), ctx);
    expect(c?.emotes).toEqual([':_ameHeh:', ':_wave:']);
    expect(mapChatItem(item({ runs: [emoji('😀'), { text: 'hi' }] }), ctx)?.emotes).toBeUndefined();
  });

  it.each([
    ['moderator', { isModerator: true }, { moderator: true, owner: false, member: false, verified: false }],
    ['owner', { isOwner: true }, { moderator: false, owner: true, member: false, verified: false }],
    ['member', { isMembership: true }, { moderator: false, owner: false, member: true, verified: false }],
    ['verified', { isVerified: true }, { moderator: false, owner: false, member: false, verified: true }],
    ['member moderator', { isMembership: true, isModerator: true }, { moderator: true, owner: false, member: true, verified: false }],
  ])('badges: %s', (_n, flags, badges) => {
    const c = commentSchema.parse(mapChatItem(item(flags), ctx));
    expect(c.author.badges).toEqual({ ...badges, vip: false });
  });

  it.each([
    ['¥500', 500, 'JPY'],
    ['$5.00', 5, 'USD'],
    ['€2,00', 2, 'EUR'],
    ['CA$10.00', 10, 'CAD'],
    ['₩1,000', 1000, 'KRW'],
    ['CHF 5.00', 5, 'CHF'],
  ])('super chat %s', (amount, value, currency) => {
    const c = commentSchema.parse(mapChatItem(item({ superchat: { amount, color: '#1DE9B6' }, runs: [{ text: 'なぜ空は青い？' }] }), ctx));
    expect(c.kind).toBe('superchat');
    expect(c.paid).toEqual({ amount: value, currency, display: amount });
    expect(c.text).toBe('なぜ空は青い？');
  });

  it('super sticker with no message: superchat, empty text', () => {
    const c = mapChatItem(item({ runs: [], superchat: { amount: '£3.00', color: '#FFCA28', sticker: { url: 'https://lh3/s', alt: 'cat' } } }), ctx);
    expect(c).toMatchObject({ kind: 'superchat', text: '', paid: { amount: 3, currency: 'GBP' } });
  });

  it('membership event: kind membership, header text, member badge', () => {
    const c = commentSchema.parse(
      mapChatItem(item({ isMembership: true, runs: [{ text: 'Welcome to ' }, { text: 'Fake Ch.' }, { text: '!' }] }), { ...ctx, membershipEvent: true }),
    );
    expect(c).toMatchObject({ kind: 'membership', text: 'Welcome to Fake Ch.!', author: { badges: { member: true } } });
  });

  it('a member chatting is a plain chat', () => {
    expect(mapChatItem(item({ isMembership: true }), ctx)?.kind).toBe('chat');
  });

  it('author: channel id, handle without its "@", sentAt and receivedAt', () => {
    const c = commentSchema.parse(mapChatItem(item(), ctx));
    expect(c.id).toBe('ChwKGkNJbXNnLTE');
    expect(c.author).toMatchObject({ id: 'UCalice0000000000000000a', name: 'alice', login: 'alice' });
    expect(c.sentAt).toBe(T);
    expect(c.receivedAt).toBe(T + 1500);
  });

  it('display name that is not a handle stays as is (Japanese)', () => {
    const c = mapChatItem(item({ author: { name: 'ぼたん推し', channelId: 'UCx' } }), ctx);
    expect(c?.author.name).toBe('ぼたん推し');
  });

  it.each([
    ['no author channel id', item({ author: { name: 'x', channelId: '' } })],
    ['no message id', item({ id: '' })],
  ])('returns null: %s', (_n, it_) => {
    expect(mapChatItem(it_, ctx)).toBeNull();
  });

  it('invalid timestamp: no sentAt', () => {
    expect(mapChatItem(item({ timestamp: new Date(Number.NaN) }), ctx)).not.toHaveProperty('sentAt');
  });
});

describe('parseSuperChatAmount', () => {
  it.each([
    ['¥500', 500, 'JPY'],
    ['￥1,000', 1000, 'JPY'],
    ['$5.00', 5, 'USD'],
    ['$1,234.56', 1234.56, 'USD'],
    ['€2,00', 2, 'EUR'],
    ['€1.000,50', 1000.5, 'EUR'],
    ['5,00 €', 5, 'EUR'],
    ['£3.00', 3, 'GBP'],
    ['CA$10.00', 10, 'CAD'],
    ['A$2.00', 2, 'AUD'],
    ['NT$75', 75, 'TWD'],
    ['HK$40.00', 40, 'HKD'],
    ['MX$100.00', 100, 'MXN'],
    ['R$10,00', 10, 'BRL'],
    ['₩1,000', 1000, 'KRW'],
    ['₩10,000,000', 10_000_000, 'KRW'],
    ['₹100.00', 100, 'INR'],
    ['₱100.00', 100, 'PHP'],
    ['CHF 5.00', 5, 'CHF'],
    ['SEK 50.00', 50, 'SEK'],
    ['PLN\u00a020,00', 20, 'PLN'],
    ['⁂7', 7, 'XXX'],
  ])('%s → %d %s', (display, amount, currency) => {
    expect(parseSuperChatAmount(display)).toEqual({ amount, currency, display });
  });

  it.each([[''], ['free'], ['$'], ['1.2.3']])('unparseable %j', (display) => {
    expect(parseSuperChatAmount(display)).toBeUndefined();
  });

  it.each([
    ['10', 10],
    ['2,5', 2.5],
    ['1.000', 1000],
    ['1,000.5', 1000.5],
    ['12 345,67', 12345.67],
  ])('number %s', (raw, n) => {
    expect(parseLocalisedNumber(raw)).toBe(n);
  });
});
