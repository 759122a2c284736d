import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import { z } from 'zod';
import { commentSchema, routeSchema, timingsSchema } from './types.js';

/** Queue names: the only place they are spelled. */
export const QUEUE = {
  comments: 'comments',
  slow: 'slow',
  outbox: 'outbox',
} as const;
export type QueueName = (typeof QUEUE)[keyof typeof QUEUE];

/** comments: one chat event, added by the gateway, consumed by the fast worker. */
export const commentJobSchema = z.object({
  comment: commentSchema,
});
export type CommentJob = z.infer<typeof commentJobSchema>;

/** slow: a comment the fast worker escalated, consumed by the slow pool. */
export const slowJobSchema = z.object({
  comment: commentSchema,
});
export type SlowJob = z.infer<typeof slowJobSchema>;

/** outbox: a chat-safe reply, consumed by the gateway, posted at most once. */
export const outboxJobSchema = z.object({
  comment: commentSchema,
  /** 'answer' is the one answer a comment gets; 'ack' is the slow route's acknowledgement. */
  kind: z.enum(['answer', 'ack']),
  /** Chat-safe messages, in order, each within the platform limit. */
  parts: z.array(z.string().min(1)).min(1).max(10),
  route: routeSchema,
  model: z.string(),
  timings: timingsSchema,
  /** Epoch ms after which the reply is dropped rather than posted late. */
  deadline: z.number().int().nonnegative(),
  /** Set when a moderator approved it (approval mode): post without holding again. */
  approved: z.boolean().optional(),
  /** Which background the answer's prompt carried (memory/render.ts MemoryUse), for events and the replay report. */
  memory: z.array(z.string().max(20)).max(10).optional(),
  /** Ollama prompt/eval token counts when known. */
  tokens: z
    .object({ prompt: z.number().int().nonnegative().optional(), eval: z.number().int().nonnegative().optional() })
    .optional(),
});
export type OutboxJob = z.infer<typeof outboxJobSchema>;

/** Bounded history so Redis does not grow with the stream. */
export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  removeOnComplete: { count: 500, age: 3600 },
  removeOnFail: { count: 5000, age: 24 * 3600 },
};

/** Job id from a comment: re-adding the same comment is a no-op while the job exists. */
export function commentJobId(c: { platform: string; id: string }): string {
  // BullMQ job ids may not contain ':' (it separates key parts)
  return `${c.platform}-${c.id}`.replace(/:/g, '_');
}

export interface Queues {
  comments: Queue<CommentJob>;
  slow: Queue<SlowJob>;
  outbox: Queue<OutboxJob>;
  close(): Promise<void>;
}

/**
 * BullMQ keeps a per-queue event stream (10,000 entries by default) that nothing here reads
 * (`botctl tail` follows the bot's own <prefix>:events): a short one keeps Redis flat.
 */
export const BULLMQ_EVENTS_MAXLEN = 1000;

export function createQueues(connection: ConnectionOptions, prefix: string): Queues {
  const opts = { connection, prefix, defaultJobOptions: DEFAULT_JOB_OPTIONS, streams: { events: { maxLen: BULLMQ_EVENTS_MAXLEN } } };
  const comments = new Queue<CommentJob>(QUEUE.comments, opts);
  const slow = new Queue<SlowJob>(QUEUE.slow, opts);
  const outbox = new Queue<OutboxJob>(QUEUE.outbox, opts);
  return {
    comments,
    slow,
    outbox,
    async close() {
      await Promise.allSettled([comments.close(), slow.close(), outbox.close()]);
    },
  };
}
