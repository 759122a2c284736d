import type { ChannelLimits } from '../port.js';

/**
 * A channel's chat modes (IRC ROOMSTATE tags, or Helix chat settings) and what they mean for
 * the bot's posting, decided before posting instead of learned from a refused message.
 * Pure: no sockets, no clock.
 */

export interface RoomModes {
  emoteOnly: boolean;
  /** Minutes a viewer must have followed; -1 = off, 0 = any follower. */
  followersOnlyMin: number;
  /** Seconds between one user's messages; 0 = off. */
  slowS: number;
  subsOnly: boolean;
}

export const NO_MODES: RoomModes = { emoteOnly: false, followersOnlyMin: -1, slowS: 0, subsOnly: false };

/** The bot's standing in a channel (USERSTATE badges). */
export interface BotStanding {
  /** Moderator or broadcaster: exempt from every chat mode. */
  moderator: boolean;
  vip: boolean;
  subscriber: boolean;
}

const num = (v: unknown): number | undefined => {
  if (v === true) return undefined;
  const n = Number(v);
  return typeof v === 'string' && v !== '' && Number.isFinite(n) ? n : undefined;
};

/**
 * Apply a ROOMSTATE line's tags. Twitch sends every tag on join and only the changed one
 * afterwards, so a missing tag keeps the previous value.
 */
export function applyRoomstate(prev: RoomModes | undefined, tags: Record<string, string | true | undefined>): RoomModes {
  const p = prev ?? NO_MODES;
  const emote = num(tags['emote-only']);
  const followers = num(tags['followers-only']);
  const slow = num(tags.slow);
  const subs = num(tags['subs-only']);
  return {
    emoteOnly: emote === undefined ? p.emoteOnly : emote === 1,
    followersOnlyMin: followers === undefined ? p.followersOnlyMin : followers,
    slowS: slow === undefined ? p.slowS : Math.max(0, slow),
    subsOnly: subs === undefined ? p.subsOnly : subs === 1,
  };
}

export type PostingVerdict =
  /** The bot cannot post at all in this mode: replies are dropped, never sent. */
  | { kind: 'blocked'; reason: string }
  /** The bot may post, at most once per `spacingMs` (slow mode). */
  | { kind: 'slow'; spacingMs: number }
  | { kind: 'open' };

/**
 * What the modes mean for the bot. Moderators and the broadcaster are exempt from every mode;
 * VIPs from slow, followers-only and subscribers-only; subscribers from subscribers-only.
 * Followers-only blocks a bot that is neither: whether it follows (and for how long) is not
 * known before posting, and a refused message is what this avoids.
 * Emote-only blocks everyone else (a reply in words is never only emotes).
 */
export function postingVerdict(m: RoomModes, bot: BotStanding): PostingVerdict {
  if (bot.moderator) return { kind: 'open' };
  if (m.emoteOnly) return { kind: 'blocked', reason: 'emote-only mode' };
  if (m.subsOnly && !bot.vip && !bot.subscriber) return { kind: 'blocked', reason: 'subscribers-only mode' };
  if (m.followersOnlyMin >= 0 && !bot.vip) return { kind: 'blocked', reason: `followers-only mode${m.followersOnlyMin > 0 ? ` (${m.followersOnlyMin} min)` : ''}` };
  if (m.slowS > 0 && !bot.vip) return { kind: 'slow', spacingMs: m.slowS * 1000 };
  return { kind: 'open' };
}

/** One line for the log: "slow mode 30 s", "emote-only mode", "no chat restrictions". */
export function describeVerdict(v: PostingVerdict): string {
  if (v.kind === 'blocked') return v.reason;
  if (v.kind === 'slow') return `slow mode ${v.spacingMs / 1000} s`;
  return 'no chat restrictions';
}

/** The bot's standing from a USERSTATE's raw tags (badges `moderator/1,vip/1,subscriber/12`). */
export function standingFromTags(tags: Record<string, string | true | undefined>): BotStanding {
  const badges = typeof tags.badges === 'string' ? tags.badges.split(',').map((b) => b.split('/')[0]) : [];
  return {
    moderator: tags.mod === '1' || tags['user-type'] === 'mod' || badges.includes('moderator') || badges.includes('broadcaster'),
    vip: tags.vip === '1' || badges.includes('vip'),
    subscriber: tags.subscriber === '1' || badges.includes('subscriber') || badges.includes('founder'),
  };
}

/**
 * A channel's posting limits under its modes: slow mode spaces the bot's messages by the slow
 * time (plus 250 ms for clocks and network), so the pacer never sends one Twitch would refuse.
 * `override` is TWITCH_RATE_LIMIT.
 */
export function limitsUnder(base: ChannelLimits, verdict: PostingVerdict, override?: { max: number; windowSeconds: number }): ChannelLimits {
  const minSpacingMs = verdict.kind === 'slow' ? Math.max(base.minSpacingMs, verdict.spacingMs + 250) : base.minSpacingMs;
  const max = override ? override.max : base.max;
  const windowMs = override ? override.windowSeconds * 1000 : base.windowMs;
  return { max, windowMs: Math.max(windowMs, minSpacingMs), minSpacingMs };
}
