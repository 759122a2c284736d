/**
 * Twitch IRC log → replay lines. Input: raw IRC lines as Twitch sends them (IRCv3 tags,
 * `PRIVMSG`), each optionally prefixed by a logger's timestamp. Pure: text in, lines out.
 *
 *   @badge-info=;badges=moderator/1;…;tmi-sent-ts=1700000000000;… :user!user@user.tmi.twitch.tv PRIVMSG #chan :text
 *   [2024-05-01 20:00:01] @badges=…;… :user!user@user.tmi.twitch.tv PRIVMSG #chan :text
 */
import { parseTags } from '../platforms/twitch/irc.js';
import { stripCheermotes } from '../platforms/twitch/map.js';
import type { ConvertResult, ReplayBadge, ReplayLine } from './format.js';

/** Logger prefixes: `[2024-05-01 20:00:01] `, `[20:00:01] `, `2024-05-01T11:00:01.123Z `. */
const PREFIX =
  /^\[?(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,6})?(?:Z|[+-]\d{2}:?\d{2})?|\d{1,2}:\d{2}:\d{2}(?:[.,]\d{1,6})?)\]?\s+(?=[@:])/;

const DAY_MS = 86_400_000;

/** Badge set name (Twitch `badges` tag) → replay badge. Others (turbo, premium, bits…) carry no role. */
const BADGE_MAP: Readonly<Record<string, ReplayBadge>> = {
  broadcaster: 'broadcaster',
  moderator: 'moderator',
  subscriber: 'subscriber',
  founder: 'subscriber',
  vip: 'vip',
  partner: 'verified',
};

interface Stamp {
  /** Epoch ms from a date-time prefix (naive date-times are read as UTC), or ms into the day. */
  ms: number;
  timeOnly: boolean;
}

function parsePrefix(raw: string): Stamp | undefined {
  const s = raw.replace(',', '.');
  const timeOnly = /^\d{1,2}:\d{2}:\d{2}(?:\.\d+)?$/.exec(s);
  if (timeOnly) {
    const [hms, frac = '0'] = s.split('.');
    const [h, m, sec] = hms!.split(':').map(Number) as [number, number, number];
    if (h > 23 || m > 59 || sec > 60) return undefined;
    return { ms: ((h * 60 + m) * 60 + sec) * 1000 + Math.round(Number(`0.${frac}`) * 1000), timeOnly: true };
  }
  const iso = s.replace(' ', 'T');
  const zoned = /(?:Z|[+-]\d{2}:?\d{2})$/.test(iso) ? iso : `${iso}Z`;
  const ms = Date.parse(zoned);
  return Number.isFinite(ms) ? { ms, timeOnly: false } : undefined;
}

interface Privmsg {
  lineNo: number;
  tags: Record<string, string>;
  login: string;
  text: string;
  sentTs?: number;
  prefix?: Stamp;
}

/** Parse one IRC message (after any logger prefix): PRIVMSG → fields, other commands → null. */
function parseIrc(msg: string): { tags: Record<string, string>; login: string; text: string } | null | 'bad' {
  let rest = msg;
  let tags: Record<string, string> = {};
  if (rest.startsWith('@')) {
    const sp = rest.indexOf(' ');
    if (sp === -1) return 'bad';
    tags = parseTags(rest.slice(0, sp));
    rest = rest.slice(sp + 1).trimStart();
  }
  let source = '';
  if (rest.startsWith(':')) {
    const sp = rest.indexOf(' ');
    if (sp === -1) return 'bad';
    source = rest.slice(1, sp);
    rest = rest.slice(sp + 1).trimStart();
  }
  const m = /^(\S+)\s+(#\S+)\s+:?([\s\S]*)$/.exec(rest);
  const command = rest.split(' ', 1)[0] ?? '';
  if (command.toUpperCase() !== 'PRIVMSG') return null;
  if (!m) return 'bad';
  const login = (source.split('!', 1)[0] ?? '').toLowerCase() || (tags.login ?? '').toLowerCase();
  return { tags, login, text: m[3] ?? '' };
}

/** Text of a `/me` line without the CTCP ACTION wrapper. */
function actionText(text: string): string {
  const m = /^\u0001ACTION (.*?)\u0001?$/s.exec(text);
  return (m ? m[1]! : text).replace(/\u0001/g, '');
}

function badgesOf(tags: Record<string, string>): ReplayBadge[] {
  const out = new Set<ReplayBadge>();
  for (const part of (tags.badges ?? '').split(',')) {
    const name = part.split('/', 1)[0] ?? '';
    const b = BADGE_MAP[name];
    if (b) out.add(b);
  }
  if (tags.mod === '1') out.add('moderator');
  if (tags.vip === '1') out.add('vip');
  if (tags.subscriber === '1') out.add('subscriber');
  if (tags['first-msg'] === '1') out.add('first');
  return [...out];
}

/** Bits (`bits` tag) or a Hype Chat (`pinned-chat-paid-*` tags). */
function paidOf(tags: Record<string, string>): { paid: number; currency: string } | undefined | 'bad' {
  if (tags.bits !== undefined && tags.bits !== '') {
    const bits = Number(tags.bits);
    return Number.isInteger(bits) && bits >= 0 ? { paid: bits, currency: 'bits' } : 'bad';
  }
  const amount = tags['pinned-chat-paid-amount'];
  if (amount !== undefined && amount !== '') {
    const exponent = Number(tags['pinned-chat-paid-exponent'] ?? '0');
    const value = Number(amount) / 10 ** (Number.isInteger(exponent) ? exponent : 0);
    const currency = (tags['pinned-chat-paid-currency'] ?? '').toUpperCase();
    return Number.isFinite(value) && value >= 0 && currency ? { paid: value, currency } : 'bad';
  }
  return undefined;
}

/** Convert a Twitch IRC log. Times come from `tmi-sent-ts`, else from the logger prefix. */
export function convertTwitchIrc(input: string): ConvertResult {
  const body = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const errors: ConvertResult['errors'] = [];
  const msgs: Privmsg[] = [];
  let skipped = 0;
  let dayOffset = 0;
  let lastTimeOnly: number | undefined;

  body.split(/\r\n|\n|\r/).forEach((raw, i) => {
    const lineNo = i + 1;
    let line = raw.trim();
    if (line === '') return;
    let prefix: Stamp | undefined;
    const pm = PREFIX.exec(line);
    if (pm) {
      prefix = parsePrefix(pm[1]!);
      line = line.slice(pm[0].length);
      // Time-only prefixes roll over at midnight: a jump back of more than 12 h is the next day.
      if (prefix?.timeOnly) {
        if (lastTimeOnly !== undefined && prefix.ms + dayOffset < lastTimeOnly - DAY_MS / 2) dayOffset += DAY_MS;
        prefix = { ms: prefix.ms + dayOffset, timeOnly: true };
        lastTimeOnly = prefix.ms;
      }
    }
    const parsed = parseIrc(line);
    if (parsed === null) {
      skipped++;
      return;
    }
    if (parsed === 'bad') {
      errors.push({ line: lineNo, message: 'malformed IRC PRIVMSG: expected "@tags :nick!user@host PRIVMSG #channel :text"' });
      return;
    }
    if (!parsed.login) {
      errors.push({ line: lineNo, message: 'PRIVMSG without a sender (no ":nick!user@host" source)' });
      return;
    }
    const ts = Number(parsed.tags['tmi-sent-ts']);
    msgs.push({
      lineNo,
      tags: parsed.tags,
      login: parsed.login,
      text: parsed.text,
      ...(Number.isFinite(ts) && ts > 0 ? { sentTs: ts } : {}),
      ...(prefix ? { prefix } : {}),
    });
  });

  // One clock for the whole file: tmi-sent-ts when every message has it, else the prefix when
  // every message has one; mixed files use tmi-sent-ts and shift prefix times onto that clock.
  const allTs = msgs.every((m) => m.sentTs !== undefined);
  const allPrefix = msgs.every((m) => m.prefix !== undefined);
  const both = msgs.find((m) => m.sentTs !== undefined && m.prefix !== undefined);
  const shift = both ? both.sentTs! - both.prefix!.ms : undefined;
  const timed: { ms: number; m: Privmsg }[] = [];
  for (const m of msgs) {
    let ms: number | undefined;
    if (allTs || (!allPrefix && m.sentTs !== undefined)) ms = m.sentTs;
    else if (allPrefix) ms = m.prefix!.ms;
    else if (m.prefix && shift !== undefined) ms = m.prefix.ms + shift;
    if (ms === undefined) {
      errors.push({ line: m.lineNo, message: 'no time for this message: no tmi-sent-ts tag and no timestamp prefix on the same clock' });
      continue;
    }
    timed.push({ ms, m });
  }

  const start = timed.reduce((min, x) => Math.min(min, x.ms), Infinity);
  const lines: { line: ReplayLine; order: number }[] = [];
  for (const { ms, m } of timed) {
    const paid = paidOf(m.tags);
    if (paid === 'bad') {
      errors.push({ line: m.lineNo, message: 'bad paid amount: the bits or pinned-chat-paid-* tags are not numbers' });
      continue;
    }
    let text = actionText(m.text);
    if (paid?.currency === 'bits') text = stripCheermotes(text, paid.paid);
    const display = m.tags['display-name'];
    const badges = badgesOf(m.tags);
    const line: ReplayLine = {
      t: Math.round(ms - start) / 1000,
      user: m.login,
      ...(display && display !== m.login ? { name: display } : {}),
      text,
      ...(badges.length ? { badges } : {}),
      ...(paid ? { paid: paid.paid, currency: paid.currency } : {}),
      platform: 'twitch',
      ...(m.tags.id ? { id: m.tags.id } : {}),
    };
    lines.push({ line, order: lines.length });
  }
  lines.sort((a, b) => a.line.t - b.line.t || a.order - b.order);
  return { lines: lines.map((l) => l.line), errors, skipped };
}

/** Whether text looks like a Twitch IRC log (for format auto-detection). */
export function looksLikeTwitchIrc(input: string): boolean {
  return /^(?:\S+\s+)?(?:\[[^\]]*\]\s+)?(?:@\S*\s+)?:\S+\s+(?:PRIVMSG|JOIN|PART|USERNOTICE|CLEARCHAT|ROOMSTATE|USERSTATE|NOTICE)\s+#/m.test(
    input.slice(0, 64_000),
  );
}
