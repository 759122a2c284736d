import { platformFormat } from '../platforms/format.js';
import { commentJobId, outboxJobSchema, type OutboxJob } from '../queues.js';
import { formatForChat } from '../reply/format-chat.js';
import type { Comment } from '../types.js';
import { mentionPrefix } from './answer.js';
import type { HandlerContext } from './context.js';

/**
 * Hand a reply to the gateway. The job id makes a re-add of the same reply a no-op. With
 * `notBefore` (epoch ms) the outbox does not take it before then (a copypasta hold).
 */
export async function enqueueReply(ctx: HandlerContext, job: OutboxJob, notBefore = 0): Promise<void> {
  const data = outboxJobSchema.parse(job);
  const delay = Math.max(0, notBefore - ctx.now());
  await ctx.queues.outbox.add(data.kind, data, {
    ...(delay > 0 ? { delay } : {}),
    jobId: `${commentJobId(data.comment)}-${data.kind}`,
    attempts: 5,
    backoff: { type: 'exponential', delay: 1000 },
    // acknowledgements and answers to paid comments go out first
    priority: data.kind === 'ack' ? 1 : data.comment.paid ? 2 : 3,
  });
}

/** A fixed character line (acknowledgement, "cannot answer") made chat-safe for the platform. */
export function cannedParts(ctx: HandlerContext, c: Comment, line: string): string[] {
  const format = platformFormat(c.platform, ctx.config);
  const parts = formatForChat(line, { maxChars: format.maxChars, maxMessages: 1, prefix: mentionPrefix(c, format), allowedLinkDomains: [] });
  return parts.length ? parts : [line.slice(0, format.maxChars)];
}
