import { commentSchema, type CommentInput } from '../../types.js';
import type { TmiRawMessage, TmiTagValue, TmiUserstate } from './twitch.external.js';

/**
 * The one place tmi.js's userstate shape is read: a PRIVMSG or cheer → `CommentInput`,
 * or the reason it is not one. Pure: pass the clock reading and the rules.
 */
export interface TwitchWireMessage {
  /** As tmi.js gives it: `#channel`. */
  channel: string;
  userstate: TmiUserstate;
  text: string;
  kind: 'chat' | 'cheer';
  /** tmi.js's `self` flag (messages the client itself sent). */
  self?: boolean;
}

export interface MapRules {
  /** The bot's own login, lower case. */
  botLogin: string;
  /** Lower-case logins never answered. */
  ignoredBots: ReadonlySet<string>;
  receivedAt: number;
}

export type SkipReason = 'self' | 'ignored-bot';
export type MalformedKind = 'no-channel' | 'no-id' | 'no-user' | 'bad-bits' | 'invalid';

export type MapResult =
  | { ok: true; comment: CommentInput }
  | { ok: false; skip: SkipReason }
  | { ok: false; malformed: MalformedKind; detail?: string };

/** A tag as a string: tmi.js turns "1"/"0" into booleans and "" into null. */
function tagString(v: TmiTagValue): string | undefined {
  if (typeof v === 'string') return v;
  if (v === true) return '1';
  if (v === false) return '0';
  return undefined;
}

function tagFlag(v: TmiTagValue): boolean {
  return v === true || v === '1';
}

function tagBadges(v: TmiTagValue): Record<string, string | null> {
  if (v && typeof v === 'object') {
    const out: Record<string, string | null> = {};
    for (const [k, val] of Object.entries(v)) out[k] = typeof val === 'string' ? val : null;
    return out;
  }
  if (typeof v === 'string') {
    const out: Record<string, string | null> = {};
    for (const part of v.split(',')) {
      const [k, val] = part.split('/');
      if (k) out[k] = val ?? null;
    }
    return out;
  }
  return {};
}

/** Global cheermote prefixes; channel-specific ones are matched by their bits sum. */
const CHEERMOTE_PREFIXES = new Set(
  [
    'cheer', 'doodlecheer', 'biblethump', 'cheerwhal', 'corgo', 'scoops', 'uni', 'showlove', 'party',
    'seemsgood', 'pride', 'kappa', 'frankerz', 'heyguys', 'dansgame', 'elegiggle', 'trihard', 'kreygasm',
    '4head', 'swiftrage', 'notlikethis', 'failfish', 'vohiyo', 'pjsalt', 'mrdestructoid', 'bday', 'ripcheer',
    'shamrock', 'bitboss', 'streamlabs', 'muxy', 'holidaycheer', 'goal', 'anon', 'charity',
  ],
);
const CHEER_TOKEN = /^([a-z0-9]*?[a-z])(\d+)$/i;

/**
 * Remove cheermote tokens ("cheer100", "Kappa50") from a cheer's text. Global prefixes are
 * always removed; other `word123` tokens only when, with them, the amounts add up to `bits`
 * exactly (a channel's custom cheermote), so "gpt4" in a normal sentence stays.
 */
export function stripCheermotes(text: string, bits: number): string {
  const tokens = text.split(/\s+/).filter(Boolean);
  const known = new Set<number>();
  const custom = new Set<number>();
  let knownSum = 0;
  let customSum = 0;
  tokens.forEach((t, i) => {
    const m = CHEER_TOKEN.exec(t);
    if (!m) return;
    const amount = Number(m[2]);
    if (!(amount > 0)) return;
    if (CHEERMOTE_PREFIXES.has(m[1]!.toLowerCase())) {
      known.add(i);
      knownSum += amount;
    } else {
      custom.add(i);
      customSum += amount;
    }
  });
  const dropCustom = knownSum < bits && customSum > 0 && knownSum + customSum === bits;
  return tokens.filter((_, i) => !known.has(i) && !(dropCustom && custom.has(i))).join(' ');
}

/** The most emote names kept for one comment. */
const MAX_EMOTES = 50;

/**
 * Distinct emote names from the `emotes` tag: as tmi.js parses it (`{ "25": ["0-4"] }`) or
 * raw (`25:0-4,6-10/1902:12-16`). Ranges count code points, inclusive; a range outside the
 * text or not on a whole word is ignored (the tag describes the text as sent).
 */
export function emoteNamesFromTag(tag: unknown, text: string): string[] {
  const ranges: string[] = [];
  if (typeof tag === 'string') {
    for (const group of tag.split('/')) ranges.push(...(group.split(':')[1] ?? '').split(','));
  } else if (tag && typeof tag === 'object') {
    for (const v of Object.values(tag)) if (Array.isArray(v)) for (const r of v) if (typeof r === 'string') ranges.push(r);
  }
  if (ranges.length === 0) return [];
  const chars = Array.from(text);
  const names = new Set<string>();
  for (const r of ranges) {
    const m = /^(\d+)-(\d+)$/.exec(r);
    if (!m) continue;
    const a = Number(m[1]);
    const b = Number(m[2]);
    if (b < a || b >= chars.length) continue;
    const name = chars.slice(a, b + 1).join('');
    if (/\s/u.test(name) || name.length > 100) continue;
    names.add(name);
    if (names.size >= MAX_EMOTES) break;
  }
  return [...names];
}

/** Text of a `/me` line without the CTCP ACTION wrapper (tmi.js strips well-formed ones). */
function plainText(text: string): string {
  const m = /^\u0001ACTION (.*?)\u0001?$/s.exec(text);
  return (m ? m[1]! : text).replace(/\u0001/g, '');
}

/** IRCv3 tag value escapes (`\s` space, `\:` semicolon, `\\` backslash), where tmi.js left them. */
function unescapeTag(v: string): string {
  return v.replace(/\\(s|:|\\|r|n)/g, (_m, c: string) => (c === 's' ? ' ' : c === ':' ? ';' : c === '\\' ? '\\' : ' '));
}

/** Twitch's reply tags: the message this one replies to, and the thread's first message. */
function replyTags(us: Record<string, TmiTagValue>): Pick<CommentInput, 'replyTo'> {
  const id = tagString(us['reply-parent-msg-id']);
  const threadId = tagString(us['reply-thread-parent-msg-id']);
  if (!id && !threadId) return {};
  const userId = tagString(us['reply-parent-user-id']);
  const login = tagString(us['reply-parent-user-login'])?.toLowerCase();
  const body = tagString(us['reply-parent-msg-body']);
  return {
    replyTo: {
      ...(id ? { id } : {}),
      ...(userId ? { userId } : {}),
      ...(login ? { login } : {}),
      ...(body ? { body: unescapeTag(body).slice(0, 2000) } : {}),
      ...(threadId ? { threadId } : {}),
    },
  };
}

export function mapTwitchMessage(wire: TwitchWireMessage, rules: MapRules): MapResult {
  const us = wire.userstate ?? {};
  const channel = typeof wire.channel === 'string' ? wire.channel.replace(/^#/, '').toLowerCase() : '';
  if (!channel) return { ok: false, malformed: 'no-channel' };
  const login = tagString(us.username)?.toLowerCase();
  const userId = tagString(us['user-id']);
  if (!login || !userId) return { ok: false, malformed: 'no-user' };

  if (wire.self === true || login === rules.botLogin) return { ok: false, skip: 'self' };
  if (rules.ignoredBots.has(login)) return { ok: false, skip: 'ignored-bot' };

  const id = tagString(us.id);
  if (!id) return { ok: false, malformed: 'no-id' };

  let text = plainText(typeof wire.text === 'string' ? wire.text : '');
  const emotes = emoteNamesFromTag(us.emotes, text);
  let paid: CommentInput['paid'];
  if (wire.kind === 'cheer') {
    const bits = Number(tagString(us.bits));
    if (!Number.isInteger(bits) || bits < 0) return { ok: false, malformed: 'bad-bits' };
    paid = { amount: bits, currency: 'bits' };
    text = stripCheermotes(text, bits);
  }

  const badges = tagBadges(us.badges);
  const sent = Number(tagString(us['tmi-sent-ts']));
  const candidate: CommentInput = {
    platform: 'twitch',
    channel,
    id,
    author: {
      id: userId,
      login,
      name: tagString(us['display-name']) || login,
      badges: {
        moderator: tagFlag(us.mod) || 'moderator' in badges,
        owner: 'broadcaster' in badges,
        member: tagFlag(us.subscriber) || 'subscriber' in badges || 'founder' in badges,
        vip: tagFlag(us.vip) || 'vip' in badges,
        verified: false,
      },
      firstMessage: tagFlag(us['first-msg']),
    },
    text,
    ...(emotes.length ? { emotes } : {}),
    kind: wire.kind,
    ...(paid ? { paid } : {}),
    ...replyTags(us),
    ...(Number.isSafeInteger(sent) && sent >= 0 ? { sentAt: sent } : {}),
    receivedAt: rules.receivedAt,
  };
  const parsed = commentSchema.safeParse(candidate);
  if (!parsed.success) {
    return { ok: false, malformed: 'invalid', detail: parsed.error.issues.map((i) => i.path.join('.')).join(',') };
  }
  return { ok: true, comment: candidate };
}

/** The channel of the bot's own JOIN echo (`:login!login@login.tmi.twitch.tv JOIN #channel`), else null. */
export function selfJoinChannel(raw: TmiRawMessage, botLogin: string): string | null {
  if (raw.command !== 'JOIN') return null;
  const nick = (raw.prefix ?? '').split('!')[0]?.toLowerCase();
  if (!nick || nick !== botLogin.toLowerCase()) return null;
  return raw.params?.[0]?.replace(/^#/, '').toLowerCase() || null;
}

/** The bot's own state in a channel, from a USERSTATE line (tags still raw). */
export function botStateFromUserstate(raw: TmiRawMessage): { channel: string; moderator: boolean } | null {
  if (raw.command !== 'USERSTATE') return null;
  const channel = raw.params?.[0]?.replace(/^#/, '').toLowerCase();
  if (!channel) return null;
  const tags = raw.tags ?? {};
  const badges = tagBadges(typeof tags.badges === 'string' ? tags.badges : null);
  const moderator = tags.mod === '1' || tags['user-type'] === 'mod' || 'moderator' in badges || 'broadcaster' in badges;
  return { channel, moderator };
}
