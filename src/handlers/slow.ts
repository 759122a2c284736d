import type { Job } from 'bullmq';
import { BotError } from '../errors.js';
import { slowJobSchema, type SlowJob } from '../queues.js';
import { removalOf } from '../moderation/removals.js';
import { commentAge } from '../routing/decide.js';
import { platformFormat } from '../platforms/format.js';
import type { Comment } from '../types.js';
import { screenRecall } from '../memory/store.js';
import { generateAnswer, memoryBackground, memoryLog, type AnswerOutcome, type EmptyReason, type ModelRoute } from './answer.js';
import { event, parseJob, replyFiltered } from './common.js';
import type { HandlerContext, Outcome } from './context.js';
import { cannedParts, enqueueReply } from './outbox-enqueue.js';

const EMPTY_WHY: Record<EmptyReason, string> = {
  unclosed_reasoning: 'reasoning it never closed',
  only_reasoning: 'only reasoning, no answer after it',
  answer_in_thinking: 'text only in its thinking field (never posted: it may be reasoning)',
  truncated: 'an answer cut for length before its first sentence ended (raise SLOW_NUM_CTX)',
  no_text: 'no answer text',
};

/** The slow model left nothing to post (see EmptyReason); retried, then the fast model answers. */
export class EmptyAnswerError extends BotError {
  constructor(
    model: string,
    readonly reason: EmptyReason,
  ) {
    super('BOT_ERR_EMPTY_ANSWER', `${model} returned ${EMPTY_WHY[reason]}; retrying (raise SLOW_TIMEOUT_MS if the model runs out of time while thinking)`, true);
  }
}

/**
 * The slow pool's job: answer an escalated comment with the reasoning model at the current
 * think level, keep only the answer, and hand it to the outbox. When every attempt failed
 * (or the fault is permanent) the fast model answers instead; failing that, the character's
 * "cannot answer" line is posted: an accepted comment is never dropped silently.
 */
export function createSlowHandler(ctx: HandlerContext) {
  const log = ctx.logger.child({ component: 'slow' });
  return async function handleSlow(job: Job<SlowJob>, _token?: string, signal?: AbortSignal): Promise<Outcome> {
    const data = parseJob(job, slowJobSchema);
    const c = data.comment;
    const pickedAt = ctx.now();
    const controls = await ctx.controls.get(c.platform, c.channel);
    const s = controls.settings;
    const base = { platform: c.platform, channel: c.channel, commentId: c.id, attempt: job.attemptsMade + 1 };
    if (s.mode === 'off') {
      log.info({ ...base, outcome: 'dropped', reason: 'paused' }, 'slow answer dropped: bot paused');
      await event(ctx, c, { type: 'drop', reason: 'paused', route: 'slow' });
      return { outcome: 'dropped', reason: 'paused' };
    }
    // another viewer posted the same text: a copypasta is not worth minutes of the slow model
    if (!c.paid && (await ctx.copypasta.isFlagged(c))) {
      log.info({ ...base, outcome: 'dropped', reason: 'copypasta' }, 'slow answer dropped: copypasta');
      await event(ctx, c, { type: 'drop', reason: 'copypasta', route: 'slow' });
      return { outcome: 'dropped', reason: 'copypasta' };
    }
    const removed = await removalOf(ctx.redis, ctx.prefix, c);
    if (removed) {
      log.info({ ...base, outcome: 'dropped', reason: removed }, 'slow answer dropped: removed by a moderator');
      await event(ctx, c, { type: 'drop', reason: removed, route: 'slow' });
      return { outcome: 'dropped', reason: removed };
    }
    if (commentAge(c, pickedAt) > s.slow_max_age_s * 1000) {
      log.info({ ...base, outcome: 'dropped', reason: 'stale' }, 'slow answer dropped: comment too old');
      await event(ctx, c, { type: 'drop', reason: 'stale', route: 'slow' });
      return { outcome: 'dropped', reason: 'stale' };
    }
    const common = {
      character: ctx.character,
      comment: c,
      format: platformFormat(c.platform, ctx.config),
      maxMessages: ctx.config.MAX_MESSAGES_PER_REPLY,
      allowedLinkDomains: ctx.config.ALLOWED_LINK_DOMAINS,
      blockedWords: controls.blockedWords,
      slurs: ctx.slurs,
      secrets: ctx.secrets,
      signal,
    };
    const deadline = (c.sentAt ?? c.receivedAt) + s.slow_max_age_s * 1000;
    // the thread as it is now (a follow-up that asked for depth comes with the answer it follows)
    const [unscreened, relatedAll] = await Promise.all([ctx.memory.store.recall(c, s.memory), ctx.memory.related(c, s.memory, [])]);
    const { recall, related } = screenRecall(unscreened, controls, c.platform, relatedAll);
    const background = memoryBackground(ctx, 'slow', c, s.context, recall, related);
    let out: AnswerOutcome;
    try {
      out = await generateAnswer({ ...common, background, route: 'slow', model: ctx.slow, think: s.think });
      if (out.kind === 'empty') throw new EmptyAnswerError(ctx.slow.model, out.reason);
    } catch (err) {
      const retryable = err instanceof BotError ? err.retryable : true;
      const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (signal?.aborted || (retryable && !lastAttempt)) {
        log.warn({ ...base, err }, 'slow answer failed; will retry');
        throw err;
      }
      log.warn({ ...base, err, outcome: 'fallback' }, 'slow model failed for good; answering with the fast model instead');
      return fallback(ctx, c, { ...common, background: memoryBackground(ctx, 'fast', c, s.context, recall, related) }, deadline, pickedAt, log, base);
    }
    return finish(ctx, c, out, 'slow', ctx.slow, deadline, pickedAt, log, { ...base, ...memoryLog(background) });
  };
}

async function fallback(
  ctx: HandlerContext,
  c: Comment,
  common: Omit<Parameters<typeof generateAnswer>[0], 'route' | 'model'>,
  deadline: number,
  pickedAt: number,
  log: HandlerContext['logger'],
  base: Record<string, unknown>,
): Promise<Outcome> {
  try {
    const out = await generateAnswer({ ...common, route: 'fast', model: ctx.fast });
    if (out.kind === 'answer' || out.kind === 'filtered') return await finish(ctx, c, out, 'fallback', ctx.fast, deadline, pickedAt, log, base);
  } catch (err) {
    log.warn({ ...base, err }, 'fast model fallback failed too');
  }
  await enqueueReply(ctx, {
    comment: c,
    kind: 'answer',
    parts: cannedParts(ctx, c, ctx.character.cannot_answer),
    route: 'canned',
    model: 'character',
    timings: { queueWaitMs: pickedAt - c.receivedAt, ttftMs: 0, modelMs: 0, totalMs: ctx.now() - c.receivedAt },
    deadline,
  });
  log.warn({ ...base, outcome: 'replied', route: 'canned' }, 'no model could answer; posted the character\'s "cannot answer" line');
  return { outcome: 'replied', route: 'canned', parts: 1 };
}

async function finish(
  ctx: HandlerContext,
  c: Comment,
  out: AnswerOutcome,
  route: 'slow' | 'fallback',
  model: ModelRoute,
  deadline: number,
  pickedAt: number,
  log: HandlerContext['logger'],
  base: Record<string, unknown>,
): Promise<Outcome> {
  if (out.kind === 'filtered') return replyFiltered(ctx, c, out.verdict.reason, route, log, base);
  if (out.kind !== 'answer') return { outcome: 'dropped', reason: out.kind };
  await enqueueReply(ctx, {
    comment: c,
    kind: 'answer',
    parts: out.parts,
    route,
    model: model.model,
    timings: { queueWaitMs: pickedAt - c.receivedAt, ttftMs: out.result.ttftMs, modelMs: out.result.modelMs, totalMs: ctx.now() - c.receivedAt },
    deadline,
    tokens: { prompt: out.result.promptEvalCount, eval: out.result.evalCount },
    ...(out.memory ? { memory: out.memory } : {}),
  });
  log.info(
    { ...base, outcome: 'replied', route, model: model.model, thinkingChars: out.result.thinking.length, promptEvalCount: out.result.promptEvalCount, ...(out.cut ? { cutForLength: true } : {}) },
    'slow answer ready',
  );
  return { outcome: 'replied', route, parts: out.parts.length };
}
