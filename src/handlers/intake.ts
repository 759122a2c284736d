import { analyzeTrigger } from '../routing/trigger.js';
import { commentPriority } from '../routing/priority.js';
import { userKeys } from '../routing/decide.js';
import { commentJobId } from '../queues.js';
import { sanitizeComment } from '../reply/safety.js';
import { commentSchema, type CommentInput } from '../types.js';
import { event } from './common.js';
import type { HandlerContext } from './context.js';

/**
 * Gateway intake: normalise one chat event and add it to `comments`. A malformed event is
 * logged and skipped; it never throws into the adapter.
 */
export function createIntake(ctx: HandlerContext) {
  const log = ctx.logger.child({ component: 'intake' });
  return async function intake(input: CommentInput): Promise<'queued' | 'invalid'> {
    const parsed = commentSchema.safeParse({ ...input, text: sanitizeComment(String(input?.text ?? '')) });
    if (!parsed.success) {
      log.warn({ platform: input?.platform, issues: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`) }, 'malformed chat event skipped');
      return 'invalid';
    }
    const c = parsed.data;
    const controls = await ctx.controls.get(c.platform, c.channel);
    const vip = userKeys(c).some((k) => controls.vipUsers.has(k));
    const mention = analyzeTrigger(c.text, ctx.names).mention;
    await ctx.queues.comments.add('comment', { comment: c }, {
      jobId: commentJobId(c),
      priority: commentPriority(c, { mention, vip }),
      attempts: ctx.config.FAST_ATTEMPTS,
      backoff: { type: 'exponential', delay: ctx.config.RETRY_BACKOFF_MS },
    });
    log.debug({ platform: c.platform, channel: c.channel, commentId: c.id, chat: { user: c.author.name, text: c.text } }, 'comment queued');
    await event(ctx, c, { type: 'comment', user: c.author.name, text: c.text });
    return 'queued';
  };
}
