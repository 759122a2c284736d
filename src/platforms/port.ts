import type { Comment, CommentInput, Platform, Timings } from '../types.js';
import type { Bucket } from './account-budget.js';

/** A message to post, already chat-safe and within the platform's length limit. */
export interface OutgoingMessage {
  platform: Platform;
  channel: string;
  text: string;
  /** The comment it answers: Twitch threads on its id; other platforms @mention the author. */
  replyTo: Pick<Comment, 'id' | 'author'>;
  /** How the reply was made, for adapters that show it (console, replay). */
  meta?: { route: string; model: string; timings: Timings; kind: 'answer' | 'ack' };
}

export type PostResult =
  | { status: 'posted'; at: number }
  /** Will never post (banned, chat ended, duplicate, quota gone): drop, do not retry. */
  | { status: 'rejected'; reason: string };

/** Posting limits for one channel, as the platform enforces them. */
export interface ChannelLimits {
  /** Messages allowed per window. */
  max: number;
  windowMs: number;
  /** Least spacing between two messages. */
  minSpacingMs: number;
}

/**
 * A moderator acted on chat after the fact: one message deleted, a viewer banned or timed out
 * (their messages removed), or the whole chat cleared. Comments it covers are not answered.
 */
export type ModerationEvent =
  | { kind: 'message_deleted'; platform: Platform; channel: string; messageId: string }
  | { kind: 'author_removed'; platform: Platform; channel: string; authorId: string; durationS?: number }
  | { kind: 'chat_cleared'; platform: Platform; channel: string };

/**
 * A chat platform behind a port. Each adapter owns its connection; nothing outside
 * `src/platforms/<name>/` imports the platform's client library.
 */
export interface ChatAdapter {
  readonly platform: Platform;
  /** Connect and begin delivering comments. Resolves once connected (or definitively read-only). */
  start(onComment: (c: CommentInput) => void, onModeration?: (m: ModerationEvent) => void): Promise<void>;
  /**
   * Post one message. Resolves `posted` or `rejected`; throws for a transient fault
   * (not connected, rate-limited by the server) so the outbox job is retried while fresh.
   */
  post(msg: OutgoingMessage): Promise<PostResult>;
  /** Current posting limits for a channel (e.g. Twitch moderator status from USERSTATE). */
  limits(channel: string): ChannelLimits;
  /**
   * Budgets the platform counts per account across channels (shared by every gateway through
   * Redis); a message to `channel` takes a token from each. Absent: channel limits only.
   */
  buckets?(channel: string): Bucket[];
  /** Max characters in one message (code points). */
  readonly maxChars: number;
  /** Whether replies start with @name (no threads on this platform). */
  readonly mentionsAuthor: boolean;
  /** A reply goes out as one message whatever its length (the console: one line per reply). */
  readonly wholeReplies?: boolean;
  /** Stop reading; close the connection. Idempotent. */
  close(): Promise<void>;
}
