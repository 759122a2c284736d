import { UnrecoverableError, type Job } from 'bullmq';
import type { z } from 'zod';
import { recordEvent, type BotEvent } from '../events.js';
import { findBlockedWord } from '../reply/safety.js';
import type { Comment } from '../types.js';
import type { HandlerContext, Outcome } from './context.js';

/** Re-validate a job's payload; a bad one fails permanently, never retried. */
export function parseJob<S extends z.ZodType>(job: Job, schema: S): z.infer<S> {
  const r = schema.safeParse(job.data);
  if (!r.success) {
    throw new UnrecoverableError(`bad ${job.queueName} payload (job ${job.id}): ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return r.data;
}

/** Record one event (events stream) and count it (metrics). */
export function event(ctx: HandlerContext, c: Comment, ev: Omit<BotEvent, 'platform' | 'channel' | 'id'>): Promise<void> {
  if (ev.type === 'comment') ctx.metrics.commentIn(c.platform);
  else ctx.metrics.event(ev.type, c.platform, ev.reason, ev.route);
  return recordEvent(ctx.redis, ctx.prefix, { platform: c.platform, channel: c.channel, id: c.id, uid: c.author.id, ...ev });
}

/** Count a filter strike against a user; the key lives ABUSE_IGNORE_S after the last strike. */
export async function strike(ctx: HandlerContext, c: Comment, why: string): Promise<void> {
  const n = await ctx.viewers.addStrike({ platform: c.platform, userId: c.author.id, login: c.author.login }, ctx.config.ABUSE_IGNORE_S);
  if (n === ctx.config.ABUSE_STRIKES) {
    ctx.logger.warn({ component: 'abuse', platform: c.platform, userId: c.author.id, strikes: n, ignoreS: ctx.config.ABUSE_IGNORE_S, why }, 'user ignored for repeated filter hits');
  }
}

/** A model answer the output filter stopped: a strike for the viewer, one log line, one event. */
export async function replyFiltered(ctx: HandlerContext, c: Comment, reason: string, route: string, log: HandlerContext['logger'], base: Record<string, unknown>): Promise<Outcome> {
  await strike(ctx, c, reason);
  log.warn({ ...base, outcome: 'filtered', reason, route }, 'reply filtered, not posted');
  await event(ctx, c, { type: 'filtered', reason, route });
  return { outcome: 'filtered', reason };
}

/** A blocked word in the comment, if any (matching lives in reply/safety so comment and reply agree). */
export function blockedWordIn(text: string, words: readonly string[]): string | undefined {
  return words.length ? findBlockedWord(text, words) : undefined;
}

/** Deterministic pick from a list (same comment → same line). */
export function pick<T>(items: readonly T[], seed: string): T {
  let h = 0;
  for (const ch of seed) h = (h * 31 + ch.codePointAt(0)!) >>> 0;
  return items[h % items.length]!;
}
