/**
 * Moderation events from tmi.js 1.8.5, mapped to the port's ModerationEvent. Twitch sends
 * CLEARMSG (one message deleted: tag target-msg-id) and CLEARCHAT (a viewer banned or timed
 * out: tag target-user-id, ban-duration for a timeout; no user: the whole chat cleared), see
 * dev.twitch.tv/docs/irc/commands. tmi.js emits them as messagedeleted, ban, timeout and
 * clearchat. AutoMod holding the bot's own message arrives as NOTICE msg_rejected /
 * msg_rejected_mandatory (tmi.js `automod`): the reply was not shown, which is logged.
 */
import type tmi from 'tmi.js';
import type { Logger } from '../../log.js';
import type { Bucket } from '../account-budget.js';
import type { ModerationEvent } from '../port.js';
import { validTwitchChannel } from './irc.js';

type Tags = object | null | undefined;

const tagString = (tags: Tags, name: string): string | undefined => {
  const v = (tags as Record<string, unknown> | null | undefined)?.[name];
  return typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined;
};

export function attachModeration(c: tmi.Client, log: Logger, emit: (ev: ModerationEvent) => void): void {
  const channelOf = (raw: unknown) => validTwitchChannel(String(raw ?? ''));
  const safe = (fn: () => void) => {
    try {
      fn();
    } catch (err) {
      log.warn({ err }, 'a Twitch moderation event could not be handled');
    }
  };
  c.on('messagedeleted', (channel: string, _login: string, _text: string, tags: Tags) =>
    safe(() => {
      const ch = channelOf(channel);
      const messageId = tagString(tags, 'target-msg-id');
      if (ch && messageId) emit({ kind: 'message_deleted', platform: 'twitch', channel: ch, messageId });
    }),
  );
  const removed = (channel: string, tags: Tags, durationS?: number) =>
    safe(() => {
      const ch = channelOf(channel);
      const authorId = tagString(tags, 'target-user-id');
      if (ch && authorId) emit({ kind: 'author_removed', platform: 'twitch', channel: ch, authorId, ...(durationS !== undefined ? { durationS } : {}) });
    });
  c.on('ban', (channel: string, _login: string, _reason: unknown, tags: Tags) => removed(channel, tags));
  c.on('timeout', (channel: string, _login: string, _reason: unknown, duration: number, tags: Tags) => removed(channel, tags, Number(duration) || undefined));
  c.on('clearchat', (channel: string) =>
    safe(() => {
      const ch = channelOf(channel);
      if (ch) emit({ kind: 'chat_cleared', platform: 'twitch', channel: ch });
    }),
  );
  c.on('automod', (channel: string, msgId: string) =>
    safe(() => {
      const ch = channelOf(channel) ?? String(channel);
      log.warn(
        { channel: ch, msgId },
        msgId === 'msg_rejected'
          ? `AutoMod is holding the bot's reply in #${ch} for the channel's moderators: viewers do not see it unless a moderator allows it`
          : `AutoMod blocked the bot's reply in #${ch} (the channel's moderation settings): viewers do not see it`,
      );
    }),
  );
}

/**
 * The account's message buckets for one channel (pajbot/tmi-rate-limits; Twitch counts per
 * account, across channels): every message takes from `<login>:all` (100/30 s), one sent
 * where the bot is neither moderator nor broadcaster also from `<login>:user` (20/30 s).
 * TWITCH_RATE_LIMIT (known/verified bots) replaces the user bucket and raises the other.
 */
export function twitchBuckets(login: string, privileged: boolean, override?: { max: number; windowSeconds: number }): Bucket[] {
  const user = override ? { max: override.max, windowMs: override.windowSeconds * 1000 } : { max: 20, windowMs: 30_000 };
  const all: Bucket = { name: `twitch:${login}:all`, max: Math.max(100, override?.max ?? 0), windowMs: Math.max(30_000, user.windowMs) };
  return privileged ? [all] : [all, { name: `twitch:${login}:user`, ...user }];
}
