/**
 * Pure helpers for Twitch IRC lines: tag escaping, safe outgoing lines, URL parsing,
 * duplicate-avoidance and NOTICE classification. No sockets, no clock: pass `now`.
 */
import { normalizeTwitchChannel } from './platform.js';

/** IRCv3 tag value escaping: `;` → `\:`, space → `\s`, `\` → `\\`, CR → `\r`, LF → `\n`. */
export function escapeTagValue(value: string): string {
  let out = '';
  for (const ch of value) {
    if (ch === ';') out += '\\:';
    else if (ch === ' ') out += '\\s';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\0') continue;
    else out += ch;
  }
  return out;
}

/** Inverse of {@link escapeTagValue}; an unknown escape yields the character itself. */
export function unescapeTagValue(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const next = value[i + 1];
    i++;
    if (next === undefined) break;
    out += next === ':' ? ';' : next === 's' ? ' ' : next === 'r' ? '\r' : next === 'n' ? '\n' : next;
  }
  return out;
}

/** Parse `@a=b;c=d` (without or with the leading `@`) into unescaped values. */
export function parseTags(raw: string): Record<string, string> {
  const tags: Record<string, string> = {};
  const body = raw.startsWith('@') ? raw.slice(1) : raw;
  if (body === '') return tags;
  for (const part of body.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) tags[part] = '';
    else tags[part.slice(0, eq)] = unescapeTagValue(part.slice(eq + 1));
  }
  return tags;
}

/**
 * Make chat text safe for one IRC line: CR and LF become spaces, NUL and other C0
 * controls (except tab → space) are removed, spaces collapse, and a leading `/`, `.` or
 * `\` is dropped so the text can never run as a chat command.
 */
export function sanitizeChatText(text: string): string {
  return text
    .replace(/[\r\n\t]+/g, ' ')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .replace(/ {2,}/g, ' ')
    .trim()
    .replace(/^[/.\\\s]+/, '');
}

const CHANNEL_RE = /^[a-z0-9_]{1,25}$/;

/** The channel normalised as everywhere (`normalizeTwitchChannel`); `null` when it is not a valid Twitch login. */
export function validTwitchChannel(channel: string): string | null {
  const c = normalizeTwitchChannel(channel);
  return CHANNEL_RE.test(c) ? c : null;
}

/** `@reply-parent-msg-id=<id> PRIVMSG #<channel> :<text>` (no tag when `parentId` is empty). */
export function buildPrivmsgLine(channel: string, text: string, parentId?: string): string {
  const id = parentId ? escapeTagValue(parentId) : '';
  const tag = id ? `@reply-parent-msg-id=${id} ` : '';
  return `${tag}PRIVMSG #${channel} :${text}`;
}

export interface IrcEndpoint {
  server: string;
  port: number;
  secure: boolean;
}

/** `wss://irc-ws.chat.twitch.tv:443` → {server, port, secure}. Throws on a non-ws URL. */
export function parseIrcUrl(url: string): IrcEndpoint {
  const u = new URL(url);
  if (u.protocol !== 'ws:' && u.protocol !== 'wss:') {
    throw new Error(`TWITCH_IRC_URL must be a ws:// or wss:// URL, got ${u.protocol}`);
  }
  const secure = u.protocol === 'wss:';
  const port = u.port ? Number(u.port) : secure ? 443 : 80;
  return { server: u.hostname.replace(/^\[|\]$/g, ''), port, secure };
}

/** Invisible tag character chat clients append to dodge Twitch's 30 s duplicate check. */
export const DUPLICATE_SUFFIX = ' \u{E0000}';
export const DUPLICATE_WINDOW_MS = 30_000;

export interface LastSent {
  /** Text before any suffix. */
  base: string;
  suffixed: boolean;
  at: number;
}

/**
 * Twitch drops a message identical to the bot's previous one in the channel within 30 s.
 * Returns the text to send (alternating an invisible suffix) and the new `LastSent`.
 */
export function avoidDuplicate(
  text: string,
  last: LastSent | undefined,
  now: number,
  maxChars: number,
): { text: string; last: LastSent } {
  const repeat = last !== undefined && last.base === text && now - last.at < DUPLICATE_WINDOW_MS;
  const suffixed = repeat && !last.suffixed;
  if (!suffixed) return { text, last: { base: text, suffixed: false, at: now } };
  const points = [...text];
  const room = maxChars - [...DUPLICATE_SUFFIX].length;
  const body = points.length > room ? points.slice(0, Math.max(0, room)).join('') : text;
  return { text: body + DUPLICATE_SUFFIX, last: { base: text, suffixed: true, at: now } };
}

/** What a NOTICE about our own posting means for a channel. */
export type NoticeEffect =
  | { kind: 'ratelimit' }
  | { kind: 'duplicate' }
  /** Posting there will fail for `ms`: post() answers `rejected`. */
  | { kind: 'blocked'; ms: number; reason: string }
  /** Posting there will fail for `ms`, then may work: post() throws retryable. */
  | { kind: 'paused'; ms: number; reason: string }
  | { kind: 'other' };

const HOUR = 3_600_000;

/** Seconds from "You are timed out for 583 more seconds." / "…talk again in 12 seconds." */
export function parseSeconds(text: string): number | null {
  const m = /(\d+)\s*(?:more\s+)?seconds?/i.exec(text);
  return m ? Number(m[1]) : null;
}

/** Classify a NOTICE `msg-id` (and its text, for durations). */
export function classifyNotice(msgId: string, text: string): NoticeEffect {
  switch (msgId) {
    case 'msg_ratelimit':
      return { kind: 'ratelimit' };
    case 'msg_duplicate':
      return { kind: 'duplicate' };
    case 'msg_timedout': {
      const s = parseSeconds(text);
      return { kind: 'blocked', ms: s !== null ? s * 1000 : 10 * 60_000, reason: 'timed out' };
    }
    case 'msg_banned':
    case 'tos_ban':
      return { kind: 'blocked', ms: HOUR, reason: 'banned' };
    case 'msg_channel_suspended':
    case 'msg_room_not_found':
      return { kind: 'blocked', ms: HOUR, reason: 'channel suspended or not found' };
    case 'msg_requires_verified_phone_number':
    case 'msg_verified_email':
      return { kind: 'blocked', ms: HOUR, reason: 'the bot account needs a verified phone number or e-mail' };
    case 'msg_channel_blocked':
    case 'msg_suspended':
      return { kind: 'blocked', ms: HOUR, reason: 'the bot account is blocked or suspended' };
    case 'msg_slowmode': {
      const s = parseSeconds(text);
      return { kind: 'paused', ms: (s ?? 5) * 1000, reason: 'slow mode' };
    }
    case 'msg_subsonly':
    case 'msg_followersonly':
    case 'msg_followersonly_zero':
    case 'msg_followersonly_followed':
    case 'msg_emoteonly':
      return { kind: 'blocked', ms: 60_000, reason: `room mode (${msgId})` };
    default:
      return { kind: 'other' };
  }
}

/** NOTICE/close texts that mean the credentials were refused. */
export function isLoginFailure(text: string): boolean {
  return /Login authentication failed|Login unsuccessful|Improperly formatted auth|Error logging in|Invalid NICK/i.test(text);
}
