/**
 * Moderation after the fact, one home: what moderators removed from chat (a deleted message,
 * a banned or timed-out viewer, a cleared chat) and whether a comment is covered by it. The
 * gateway records what the platform reports; the fast and slow workers check before asking a
 * model, and the outbox checks right before posting, so an answer still on its way is dropped.
 */
import type { Redis } from 'ioredis';
import type { ModerationEvent } from '../platforms/port.js';
import type { Comment } from '../types.js';

/** How long a removal is remembered: longer than any answer may take (slow_max_age_s tops out well below). */
export const REMOVAL_TTL_S = 3600;

export type RemovalReason = 'deleted_by_moderator' | 'author_removed_by_moderator' | 'chat_cleared_by_moderator';

export const removalKeys = {
  /** A deleted message: exists. */
  message: (prefix: string, platform: string, messageId: string) => `${prefix}:removed:msg:${platform}:${messageId}`,
  /** A banned or timed-out viewer in a channel: epoch ms of the action (their comments before it are gone). */
  author: (prefix: string, platform: string, channel: string, authorId: string) => `${prefix}:removed:author:${platform}:${channel}:${authorId}`,
  /** A cleared chat: epoch ms of the action. */
  chat: (prefix: string, platform: string, channel: string) => `${prefix}:removed:chat:${platform}:${channel}`,
};

/** Record a moderator's action, as the gateway saw it at `now` (epoch ms). */
export async function recordRemoval(redis: Redis, prefix: string, ev: ModerationEvent, now: number): Promise<void> {
  switch (ev.kind) {
    case 'message_deleted':
      await redis.set(removalKeys.message(prefix, ev.platform, ev.messageId), String(now), 'EX', REMOVAL_TTL_S);
      return;
    case 'author_removed':
      await redis.set(removalKeys.author(prefix, ev.platform, ev.channel, ev.authorId), String(now), 'EX', REMOVAL_TTL_S);
      return;
    case 'chat_cleared':
      await redis.set(removalKeys.chat(prefix, ev.platform, ev.channel), String(now), 'EX', REMOVAL_TTL_S);
      return;
  }
}

/** Why a comment must not be answered any more, or undefined. One round trip. */
export async function removalOf(redis: Redis, prefix: string, c: Comment): Promise<RemovalReason | undefined> {
  const [msg, author, chat] = await redis.mget(
    removalKeys.message(prefix, c.platform, c.id),
    removalKeys.author(prefix, c.platform, c.channel, c.author.id),
    removalKeys.chat(prefix, c.platform, c.channel),
  );
  return removalVerdict(c, { msg, author, chat });
}

/** Pure: the stored values against the comment's receipt time. */
export function removalVerdict(c: Pick<Comment, 'receivedAt'>, v: { msg?: string | null; author?: string | null; chat?: string | null }): RemovalReason | undefined {
  if (v.msg) return 'deleted_by_moderator';
  // a ban or timeout removes what the viewer said before it; after a timeout they may speak again
  if (v.author && c.receivedAt <= Number(v.author)) return 'author_removed_by_moderator';
  if (v.chat && c.receivedAt <= Number(v.chat)) return 'chat_cleared_by_moderator';
  return undefined;
}
