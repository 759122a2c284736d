import { createHash } from 'node:crypto';
import { judgeAudience } from '../routing/audience.js';
import { isIgnoredCommand } from '../routing/commands.js';
import { analyzeTrigger, isTriggered } from '../routing/trigger.js';
import { commentPriority } from '../routing/priority.js';
import { shouldShed } from '../routing/shedding.js';
import { isVip, userKeys } from '../routing/decide.js';
import { isForgetMe } from '../memory/guard.js';
import { forgetMe } from './forget-me.js';
import { recordsAsLatest } from '../viewer-state.js';
import { commentJobId } from '../queues.js';
import { findBlockedWord, normalizeForMatch, sanitizeComment } from '../reply/safety.js';
import { commentSchema, type CommentInput } from '../types.js';
import { event } from './common.js';
import type { HandlerContext } from './context.js';

export type IntakeResult = 'queued' | 'invalid' | 'shed' | 'duplicate' | 'copypasta' | 'forgotten' | 'command';

/** How long a measured queue depth is reused at intake (one Redis call per this, not per comment). */
const DEPTH_CACHE_MS = 100;
const SUMMARY_EVERY_MS = 5_000;
/** Platform send times further from the receipt time than these are not believed. */
const MAX_SENT_AHEAD_MS = 5_000;
const MAX_SENT_BEHIND_MS = 60_000;

/**
 * Gateway intake: normalise one chat event and add it to `comments`, with its priority.
 * Sheds low-priority comments when the queue is past its budget, and lets BullMQ drop the
 * same text repeated in a channel (copy-paste spam). Never throws into the adapter.
 */
export function createIntake(ctx: HandlerContext) {
  const log = ctx.logger.child({ component: 'intake' });
  let depth = 0;
  let depthAt = 0;
  let shedCount = 0;
  let dupCount = 0;
  let lastSummary = ctx.now();
  const skewWarned = new Set<string>();
  async function refreshDepth(): Promise<void> {
    const now = ctx.now();
    if (now - depthAt > DEPTH_CACHE_MS) {
      depthAt = now;
      // prioritized jobs are kept apart from the plain wait list in BullMQ: count both
      depth = await ctx.queues.comments.getJobCountByTypes('waiting', 'prioritized');
    }
  }
  function summary() {
    const now = ctx.now();
    if ((shedCount || dupCount) && now - lastSummary >= SUMMARY_EVERY_MS) {
      log.warn({ shed: shedCount, duplicates: dupCount, waiting: depth, overSeconds: Math.round((now - lastSummary) / 1000) }, 'busy chat: comments shed at intake');
      shedCount = 0;
      dupCount = 0;
      lastSummary = now;
    }
  }

  let seq = 0;
  return async function intake(input: CommentInput): Promise<IntakeResult> {
    // arrival order, taken before any await: concurrent intakes may finish out of order
    const arrival = ctx.now() * 1000 + (seq++ % 1000);
    const parsed = commentSchema.safeParse({ ...input, text: sanitizeComment(String(input?.text ?? '')) });
    if (!parsed.success) {
      log.warn({ platform: input?.platform, issues: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`) }, 'malformed chat event skipped');
      return 'invalid';
    }
    const c = parsed.data;
    // A send time that disagrees with this machine's clock by a lot (a skewed clock here or
    // there) would make every comment look stale or brand new: ages then count from receipt.
    if (c.sentAt !== undefined && (c.sentAt - c.receivedAt > MAX_SENT_AHEAD_MS || c.receivedAt - c.sentAt > MAX_SENT_BEHIND_MS)) {
      if (!skewWarned.has(c.platform)) {
        skewWarned.add(c.platform);
        log.warn({ platform: c.platform, skewS: Math.round((c.receivedAt - c.sentAt) / 1000) }, `${c.platform} send times disagree with this machine's clock; comment ages are measured from receipt (check the clock)`);
      }
      delete c.sentAt;
    }
    // a viewer's own privacy command: nothing of it is recorded before their memory is gone
    if (isForgetMe(c.text)) return forgetMe(ctx, c, log);
    // `!song`, another bot's command, a viewer's `!botan pause`: never answered (moderators'
    // commands never reach intake)
    if (isIgnoredCommand(c.text)) {
      log.debug({ platform: c.platform, channel: c.channel, commentId: c.id, outcome: 'skipped', reason: 'command', chat: { user: c.author.name, text: c.text } }, 'chat command not answered');
      await Promise.all([event(ctx, c, { type: 'comment', user: c.author.name, text: c.text }), event(ctx, c, { type: 'skip', reason: 'command' })]);
      return 'command';
    }
    // every long comment is fingerprinted, a shed one too: its copies are still copies
    const [controls, copy] = await Promise.all([ctx.controls.get(c.platform, c.channel), ctx.copypasta.check(c, ctx.now())]);
    if (copy.copypasta && !c.paid) {
      log.info({ platform: c.platform, channel: c.channel, commentId: c.id, outcome: 'skipped', reason: 'copypasta', sameAs: copy.sameAs.slice(0, 5) }, 'comment skipped');
      await Promise.all([event(ctx, c, { type: 'comment', user: c.author.name, text: c.text }), event(ctx, c, { type: 'skip', reason: 'copypasta' })]);
      return 'copypasta';
    }
    const vip = isVip(c, controls);
    // recent chat and the viewer's last visit (memory on; never blocked users or words)
    const noted =
      controls.settings.memory && !userKeys(c).some((k) => controls.blockedUsers.has(k)) && !(controls.blockedWords.length && findBlockedWord(c.text, controls.blockedWords))
        ? ctx.memory.store.noteChat(c).catch((err: unknown) => log.warn({ err, platform: c.platform }, 'could not note the chat line in memory'))
        : undefined;
    const trig = analyzeTrigger(c.text, ctx.names);
    // chat that is not for the character is not answered (under trigger=all only fast): it waits last and is shed first
    const triggered = isTriggered(trig, controls.settings.trigger, c.text) && (controls.settings.trigger === 'all' || judgeAudience({ text: c.text.trim(), mention: trig.mention, platformEmotes: c.emotes, extraEmotes: ctx.config.extraEmotes }).forMe);
    const priority = commentPriority(c, { mention: trig.mention, vip, triggered });
    // Commands on one connection run in order, so the intake's writes are pipelined and
    // awaited together: about one round trip per comment instead of four.
    const seen = event(ctx, c, { type: 'comment', user: c.author.name, text: c.text });
    // a stale depth far below the budget is good enough: refresh it in the background
    const refreshing = refreshDepth();
    if (depth >= ctx.config.SHED_MAX_WAITING / 2) await refreshing;
    // read and reserve without an await in between: concurrent intakes see each other
    if (shouldShed(priority, depth, ctx.config.SHED_MAX_WAITING)) {
      shedCount++;
      summary();
      log.debug({ platform: c.platform, channel: c.channel, commentId: c.id, priority, outcome: 'skipped', reason: 'shed' }, 'comment shed at intake');
      await Promise.all([seen, noted, event(ctx, c, { type: 'skip', reason: 'shed' })]);
      return 'shed';
    }
    depth++;
    const jobId = commentJobId(c);
    const norm = normalizeForMatch(c.text);
    // the viewer's latest question is recorded before the job exists, so a worker that picks
    // the job up at once already sees it
    const viewer = { platform: c.platform, userId: c.author.id };
    const asLatest = recordsAsLatest(trig);
    const latest = asLatest ? ctx.viewers.recordLatest(viewer, c.id, arrival) : undefined;
    const job = await ctx.queues.comments.add('comment', { comment: c }, {
      jobId,
      priority,
      attempts: ctx.config.FAST_ATTEMPTS,
      backoff: { type: 'exponential', delay: ctx.config.RETRY_BACKOFF_MS },
      ...(ctx.config.DEDUP_WINDOW_S > 0 && norm && !c.paid && !c.replyTo
        ? { deduplication: { id: `${c.platform}:${c.channel}:${createHash('sha1').update(norm).digest('hex')}`, ttl: ctx.config.DEDUP_WINDOW_S * 1000 } }
        : {}),
    });
    await Promise.all([seen, latest, refreshing, noted]);
    if (job.id !== jobId) {
      depth--;
      dupCount++;
      summary();
      log.info({ platform: c.platform, channel: c.channel, commentId: c.id, outcome: 'skipped', reason: 'duplicate_text', sameAs: job.id }, 'comment skipped');
      await Promise.all([event(ctx, c, { type: 'skip', reason: 'duplicate_text' }), asLatest && ctx.viewers.dropLatest(viewer, c.id)]);
      return 'duplicate';
    }
    log.debug({ platform: c.platform, channel: c.channel, commentId: c.id, priority, chat: { user: c.author.name, text: c.text } }, 'comment queued');
    return 'queued';
  };
}
