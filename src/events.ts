import type { Redis } from 'ioredis';

/**
 * `<prefix>:events`: a capped Redis stream of what the bot does, for `botctl tail` and
 * `botctl status` (stream ids are millisecond timestamps, so "the last minute" is an XRANGE).
 * Fields are flat strings. type: comment | skip | escalate | reply | drop | filtered | command
 * (a moderator's chat command: `reason` is the command word).
 */
export const EVENTS_MAXLEN = 10_000;

export function eventsKey(prefix: string): string {
  return `${prefix}:events`;
}

export interface BotEvent {
  type: 'comment' | 'skip' | 'escalate' | 'reply' | 'drop' | 'filtered' | 'command';
  platform: string;
  channel: string;
  /** The comment's message id. */
  id: string;
  user?: string;
  /** The author's platform user id (so forgetting a viewer finds their events). */
  uid?: string;
  text?: string;
  route?: string;
  model?: string;
  reason?: string;
  latency_ms?: number;
  /** A reply: the background its prompt carried (thread, reply, context, stream, facts, chat, related), comma-separated. */
  memory?: string;
}

/** Append one event; never throws (events are best effort and must not stop a reply). */
export async function recordEvent(redis: Redis, prefix: string, ev: BotEvent): Promise<void> {
  const fields: string[] = [];
  for (const [k, v] of Object.entries(ev)) if (v !== undefined) fields.push(k, String(v));
  try {
    await redis.xadd(eventsKey(prefix), 'MAXLEN', '~', String(EVENTS_MAXLEN), '*', ...fields);
  } catch {
    // best effort: the caller's own log line already records the outcome
  }
}
