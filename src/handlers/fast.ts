import type { Job } from 'bullmq';
import { commentJobId, commentJobSchema, type CommentJob } from '../queues.js';
import { copypastaHoldMs } from '../copypasta.js';
import { decide, isVip, type DecisionInput } from '../routing/decide.js';
import { removalOf } from '../moderation/removals.js';
import { runtimeKeys } from '../runtime-keys.js';
import { lastAnsweredAt, recordsAsLatest } from '../viewer-state.js';
import { analyzeTrigger } from '../routing/trigger.js';
import { platformFormat } from '../platforms/format.js';
import type { Comment } from '../types.js';
import { asksForDepth, looksLikeFollowUp, threadSignal, type ThreadSignal } from '../memory/thread.js';
import { screenRecall } from '../memory/store.js';
import { generateAnswer, memoryBackground, memoryLog } from './answer.js';
import { pickInLanguage } from '../reply/ack.js';
import { blockedWordIn, event, parseJob, replyFiltered, strike } from './common.js';
import type { HandlerContext, Outcome } from './context.js';
import { cannedParts, enqueueReply } from './outbox-enqueue.js';

/**
 * The fast worker's job: decide whether to answer, answer simple comments with the fast
 * model, escalate complex ones to the slow pool.
 */
export function createFastHandler(ctx: HandlerContext) {
  const log = ctx.logger.child({ component: 'fast' });
  return async function handleComment(job: Job<CommentJob>, _token?: string, signal?: AbortSignal): Promise<Outcome> {
    const { comment: c } = parseJob(job, commentJobSchema);
    const pickedAt = ctx.now();
    const controls = await ctx.controls.get(c.platform, c.channel);
    const viewer = { platform: c.platform, userId: c.author.id, login: c.author.login };
    const blockedWord = blockedWordIn(c.text, controls.blockedWords);
    // once per comment: both decisions below and the latest-question rule use it
    const trigger = analyzeTrigger(c.text, ctx.names);
    const decideWith = (state: Partial<Pick<DecisionInput, 'lastAnsweredAt' | 'slowWaiting' | 'abuseUntil' | 'thread' | 'copypasta'>>) =>
      decide({ comment: c, controls, names: ctx.names, now: pickedAt, slowWaiting: 0, triageBand: ctx.config.triageBand, triageEnabled: ctx.config.TRIAGE, blockedWord, extraEmotes: ctx.config.extraEmotes, trigger, ...state });
    // the cooldown holds this viewer back (not VIPs, paid comments, or cooldown 0)
    const cooled = !c.paid && controls.settings.user_cooldown_s > 0 && !isVip(c, controls);
    const base = { platform: c.platform, channel: c.channel, commentId: c.id, attempt: job.attemptsMade + 1 };
    // A comment nobody answers must not hold back the same text sent again (after a cooldown,
    // a superseded question): its deduplication key goes (BullMQ removes it only while this
    // job is still the one that set it).
    const releaseDedup = () => job.removeDeduplicationKey().catch((err: unknown) => log.warn({ ...base, err }, 'could not release the duplicate-text key'));
    const skip = async (reason: string, score?: number): Promise<Outcome> => {
      log.info({ ...base, outcome: 'skipped', reason, score }, 'comment skipped');
      await Promise.all([event(ctx, c, { type: 'skip', reason }), releaseDedup()]);
      return { outcome: 'skipped', reason };
    };
    const notForState = async (d: { reason: string; score?: number }): Promise<Outcome> => {
      if (d.reason === 'blocked_word') await strike(ctx, c, 'blocked word in comment');
      log.debug({ ...base, chat: { user: c.author.name, text: c.text } }, 'skipped comment text');
      return skip(d.reason, d.score);
    };
    // Without the viewer's state the decision is the most permissive one (no cooldown, no
    // strikes, an empty slow queue; a follow-up of the viewer's own thread, fast or slow, where
    // the comment may be one): a comment not answered here is not answered below either. Most
    // chat stops here, before any Redis read (a busy chat is mostly not for the character).
    const mayFollowUp = controls.settings.memory && (c.replyTo !== undefined || looksLikeFollowUp(c.text));
    const ownThread = (route: 'fast' | 'slow'): ThreadSignal => ({ last: { route, at: pickedAt, userId: c.author.id }, replyToBot: true, followUp: true, depth: asksForDepth(c.text), times: [] });
    const possible = (() => {
      if (!mayFollowUp) return decideWith({});
      const asFast = decideWith({ thread: ownThread('fast') });
      return asFast.answer ? asFast : decideWith({ thread: ownThread('slow') });
    })();
    if (!possible.answer) return notForState(possible);
    // A comment that will be answered unless the viewer's state says otherwise claims the
    // viewer's cooldown in the same round trip as the reads (released below if it is not
    // answered after all). The value carries the comment id, so a retry keeps its claim.
    const claimAhead = cooled;
    const claim = { commentId: c.id, at: pickedAt, ttlS: controls.settings.user_cooldown_s };
    const [state, slowWaiting, roomBlocked, copypasta, recall, related, removed] = await Promise.all([
      ctx.viewers.read(viewer, { commentId: c.id, ...(claimAhead ? { claim } : {}) }),
      ctx.queues.slow.getWaitingCount(),
      // a chat mode that keeps the bot from posting in this channel (set by the gateway from ROOMSTATE / chat settings)
      ctx.redis.get(runtimeKeys.roomBlocked(ctx.prefix, c.platform, c.channel)),
      ctx.copypasta.isFlagged(c),
      ctx.memory.store.recall(c, controls.settings.memory),
      ctx.memory.related(c, controls.settings.memory, []),
      removalOf(ctx.redis, ctx.prefix, c),
    ]);
    const thread = controls.settings.memory ? threadSignal(c.text, recall) : undefined;
    const releaseClaim = () => ctx.viewers.releaseCooldown(viewer, state);
    const notAnswered = async (reason: string, score?: number): Promise<Outcome> => {
      await releaseClaim();
      return skip(reason, score);
    };
    // a redelivery of a comment already answered: its first run recorded the outcome
    if (state.answered) {
      await releaseClaim();
      log.info({ ...base, outcome: 'skipped', reason: 'already_answered' }, 'comment skipped');
      return { outcome: 'skipped', reason: 'already_answered' };
    }
    // a moderator deleted it, or removed its author, or cleared the chat since it was sent
    if (removed) return notAnswered(removed);
    // several questions in a row from one viewer: the latest one is answered (where the
    // cooldown would hold the others back anyway)
    // (intake records mentions and questions only: a follow-up such as 「もっと詳しく」 is not in the list)
    if (state.latestQuestion && state.latestQuestion !== c.id && cooled && recordsAsLatest(trigger)) return notAnswered('superseded');
    const decision = decideWith({
      // a retry of the comment that set the cooldown is not held back by it
      lastAnsweredAt: lastAnsweredAt(state, c.id),
      slowWaiting,
      abuseUntil: state.strikes >= ctx.config.ABUSE_STRIKES ? pickedAt + 1 : undefined,
      thread,
      copypasta,
    });
    if (!decision.answer) {
      await releaseClaim();
      return notForState(decision);
    }
    // no answer is generated that the channel's chat mode would not let the bot post
    if (roomBlocked) return notAnswered('room_mode');
    // the claim above failed: held by another comment of this viewer, or by this one's earlier attempt
    if (decision.pastCooldown) await ctx.viewers.setCooldown(viewer, claim);
    else if (claimAhead && !state.claimed && !(await ctx.viewers.holdsCooldown(viewer, c.id))) return skip('cooldown');
    const reasons = decision.rules.map((r) => r.name);
    // with approval on nothing reaches chat before a moderator approves it: no acknowledgement
    const ack = controls.settings.ack && !controls.settings.approval;
    // long enough to be a copypasta: the reply waits until a copy from another viewer could have flagged it
    const holdUntil = c.receivedAt + copypastaHoldMs(c, { holdMs: ctx.config.COPYPASTA_WINDOW_S > 0 ? ctx.config.COPYPASTA_HOLD_MS : 0, vip: decision.vip });
    if (decision.route === 'slow') return escalate(ctx, c, decision.score, reasons, ack, log, base, holdUntil);

    const queueWaitMs = pickedAt - c.receivedAt;
    const deadline = (c.sentAt ?? c.receivedAt) + controls.settings.fast_max_age_s * 1000;
    const format = platformFormat(c.platform, ctx.config);
    const screened = screenRecall(recall, controls, c.platform, related);
    const background = memoryBackground(ctx, 'fast', c, controls.settings.context, screened.recall, screened.related);
    const leave = ctx.memory.slots.enter();
    const out = await generateAnswer({
      background,
      route: 'fast',
      model: ctx.fast,
      character: ctx.character,
      comment: c,
      format,
      maxMessages: ctx.config.MAX_MESSAGES_PER_REPLY,
      allowedLinkDomains: ctx.config.ALLOWED_LINK_DOMAINS,
      blockedWords: controls.blockedWords,
      slurs: ctx.slurs,
      secrets: ctx.secrets,
      triage: decision.triage,
      deadline,
      signal,
    }).finally(leave);
    if (out.kind === 'escalate') {
      log.info({ ...base, ttftMs: Math.round(out.result.ttftMs) }, 'fast model escalated the comment (triage marker)');
      return escalate(ctx, c, decision.score, [...reasons, 'triage_marker'], ack, log, base, holdUntil);
    }
    if (out.kind === 'not_for_me') {
      log.info({ ...base, ttftMs: Math.round(out.result.ttftMs) }, 'fast model triage: not for the character');
      return notAnswered('not_for_me', decision.score);
    }
    if (out.kind === 'empty') {
      log.warn({ ...base, outcome: 'dropped', reason: 'empty_answer', detail: out.reason, doneReason: out.result.doneReason }, 'fast answer had nothing to post');
      await Promise.all([event(ctx, c, { type: 'drop', reason: 'empty_answer', route: 'fast' }), releaseDedup()]);
      return { outcome: 'dropped', reason: 'empty_answer' };
    }
    if (out.kind === 'filtered') return replyFiltered(ctx, c, out.verdict.reason, 'fast', log, base);
    const route = 'fast';
    await enqueueReply(ctx, {
      comment: c,
      kind: 'answer',
      parts: out.parts,
      route,
      model: ctx.fast.model,
      timings: { queueWaitMs, ttftMs: out.result.ttftMs, modelMs: out.result.modelMs, totalMs: ctx.now() - c.receivedAt },
      deadline,
      tokens: { prompt: out.result.promptEvalCount, eval: out.result.evalCount },
      ...(out.memory ? { memory: out.memory } : {}),
    }, holdUntil);
    log.info(
      { ...base, outcome: 'replied', route, overflow: decision.overflow, score: decision.score, stoppedEarly: out.result.stoppedEarly, promptEvalCount: out.result.promptEvalCount, ...(out.cut ? { cutForLength: true } : {}), ...memoryLog(background) },
      'fast answer ready',
    );
    return { outcome: 'replied', route, parts: out.parts.length };
  };
}

async function escalate(
  ctx: HandlerContext,
  c: Comment,
  score: number,
  reasons: string[],
  ack: boolean,
  log: HandlerContext['logger'],
  base: Record<string, unknown>,
  holdUntil: number,
): Promise<Outcome> {
  const now = ctx.now();
  await ctx.queues.slow.add(
    'answer',
    { comment: c },
    {
      jobId: commentJobId(c),
      // held like a fast reply: the slow pool then sees whether a copy flagged it meanwhile
      ...(holdUntil > now ? { delay: holdUntil - now } : {}),
      attempts: ctx.config.SLOW_ATTEMPTS,
      backoff: { type: 'exponential', delay: ctx.config.RETRY_BACKOFF_MS },
    },
  );
  if (ack) {
    await enqueueReply(ctx, {
      comment: c,
      kind: 'ack',
      parts: cannedParts(ctx, c, pickInLanguage(ctx.character.acks, c.text, ctx.character.language, c.id)),
      route: 'ack',
      model: 'character',
      timings: { queueWaitMs: now - c.receivedAt, ttftMs: 0, modelMs: 0, totalMs: now - c.receivedAt },
      deadline: (c.sentAt ?? c.receivedAt) + 30_000,
    }, holdUntil);
  }
  log.info({ ...base, outcome: 'escalated', score, reasons, ack }, 'comment escalated to the slow pool');
  await event(ctx, c, { type: 'escalate', reason: reasons.join(','), route: 'slow' });
  return { outcome: 'escalated', score };
}
