/**
 * What both Twitch transports (IRC, EventSub + Helix) check before a reply goes out, in one
 * order: the adapter is not stopped, the channel is one of TWITCH_CHANNELS, no hold (a ban or
 * timeout drops; a rate limit pauses), the room's chat modes allow it, the transport is
 * connected there, the text is not empty once cleaned, and a repeat is varied.
 */
import { BotError } from '../../errors.js';
import type { ChannelLimits, OutgoingMessage, PostResult } from '../port.js';
import type { TwitchAuthFailedError } from './auth.js';
import { avoidDuplicate, validTwitchChannel, sanitizeChatText, type LastSent } from './irc.js';
import type { RoomTracker } from './room-tracker.js';
import { limitsUnder } from './room-state.js';

export class TwitchNotConnectedError extends BotError {
  constructor(channel: string, cause?: unknown) {
    super(
      'BOT_ERR_TWITCH_NOT_CONNECTED',
      `not connected to Twitch chat in #${channel} right now; the reply is retried while fresh (if this lasts, check the network, TWITCH_IRC_URL and the earlier log lines)`,
      true,
      cause === undefined ? undefined : { cause },
    );
  }
}

export class TwitchPausedError extends BotError {
  constructor(channel: string, reason: string, readonly untilMs: number) {
    super('BOT_ERR_TWITCH_PAUSED', `posting to #${channel} is paused (${reason}) until ${new Date(untilMs).toISOString()}; retry after that`, true);
  }
}

// Twitch's per-channel limits, the same for IRC and Helix Send Chat Message.
const NON_MOD: ChannelLimits = { max: 20, windowMs: 30_000, minSpacingMs: 1000 };
const MOD: ChannelLimits = { max: 100, windowMs: 30_000, minSpacingMs: 100 };

/** A channel's posting limits now: the bot's standing there, the room's chat modes, TWITCH_RATE_LIMIT. */
export function postingLimits(channel: string, modIn: ReadonlyMap<string, boolean>, room: RoomTracker, rateLimit?: { max: number; windowSeconds: number }): ChannelLimits {
  const ch = validTwitchChannel(channel) ?? channel;
  return limitsUnder(modIn.get(ch) ? MOD : NON_MOD, room.verdict(ch), rateLimit);
}

/** Posting in a channel is held until `until` (epoch ms). */
export interface Hold {
  until: number;
  reason: string;
}

/** A transport's posting state per channel. */
export interface PostState {
  /** Replies are dropped (the bot is banned or timed out there). */
  readonly blocked: Map<string, Hold>;
  /** Replies wait (rate limit, …): TwitchPausedError, retried by the outbox. */
  readonly paused: Map<string, Hold>;
  /** The last message sent per channel, to vary an identical repeat. */
  readonly lastSent: Map<string, LastSent>;
}

export function createPostState(): PostState {
  return { blocked: new Map(), paused: new Map(), lastSent: new Map() };
}

/** The hold on a channel now, if any (an expired one is forgotten). */
export function holdFor(map: Map<string, Hold>, channel: string, now: number): Hold | undefined {
  const h = map.get(channel);
  if (h && h.until <= now) map.delete(channel);
  return h && h.until > now ? h : undefined;
}

export interface PostGateInput<T> {
  stopped: TwitchAuthFailedError | undefined;
  channels: readonly string[];
  room: RoomTracker;
  maxChars: number;
  /** What the transport posts through in this channel, or undefined when it cannot post there now. */
  ready: (channel: string) => T | undefined;
}

/** Cleared to post: the text to send (and the lastSent entry once it is sent) through `via`. */
export interface PostClearance<T> {
  channel: string;
  text: string;
  last: LastSent;
  via: T;
}

/**
 * The checks before a post. Returns the rejection (`{ status: 'rejected' }`) or the clearance;
 * throws TwitchPausedError (held or slow mode) and TwitchNotConnectedError (not ready), both retryable.
 */
export function gatePost<T>(state: PostState, msg: OutgoingMessage, input: PostGateInput<T>, now: number): PostResult | PostClearance<T> {
  if (input.stopped) return { status: 'rejected', reason: `Twitch chat is stopped: ${input.stopped.code} (see the error logged at the time)` };
  const channel = validTwitchChannel(msg.channel);
  if (!channel) return { status: 'rejected', reason: 'not a valid Twitch channel login' };
  if (!input.channels.includes(channel)) return { status: 'rejected', reason: `#${channel} is not in TWITCH_CHANNELS` };
  const block = holdFor(state.blocked, channel, now);
  if (block) return { status: 'rejected', reason: `${block.reason} in #${channel}` };
  const pause = holdFor(state.paused, channel, now);
  if (pause) throw new TwitchPausedError(channel, pause.reason, pause.until);
  // chat modes, known before posting (ROOMSTATE, chat settings): nothing is sent that Twitch would refuse
  const mode = input.room.verdict(channel);
  if (mode.kind === 'blocked') return { status: 'rejected', reason: `${mode.reason} in #${channel}` };
  const prev = state.lastSent.get(channel);
  if (mode.kind === 'slow' && prev && now - prev.at < mode.spacingMs) throw new TwitchPausedError(channel, 'slow mode', prev.at + mode.spacingMs);
  const via = input.ready(channel);
  if (via === undefined) throw new TwitchNotConnectedError(channel);
  const clean = [...sanitizeChatText(msg.text)].slice(0, input.maxChars).join('').trim();
  if (!clean) return { status: 'rejected', reason: 'empty message after removing control characters' };
  const { text, last } = avoidDuplicate(clean, prev, now, input.maxChars);
  return { channel, text, last, via };
}
