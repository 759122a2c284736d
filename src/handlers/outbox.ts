import type { Job } from 'bullmq';
import { holdForApproval } from '../controls/approval.js';
import { BotError } from '../errors.js';
import type { AccountBudget } from '../platforms/account-budget.js';
import type { Pacer } from '../platforms/pacer.js';
import type { ChatAdapter } from '../platforms/port.js';
import { outboxJobSchema, type OutboxJob } from '../queues.js';
import { removalOf } from '../moderation/removals.js';
import { POSTED_TTL_S, runtimeKeys } from '../runtime-keys.js';
import type { Platform } from '../types.js';
import { ROUTE_NAMES } from '../llm/routes.js';
import { blockedWordIn, event, parseJob } from './common.js';
import type { HandlerContext, Outcome } from './context.js';

/** Replies a model wrote (kept in memory); acknowledgements and canned lines are not. */
const WRITTEN_BY_MODEL: ReadonlySet<string> = new Set([...ROUTE_NAMES, 'fallback']);

/**
 * How long before a reply's deadline its last message must be granted: the checks' round
 * trip and the write to the platform come after the grant (a few ms; more on a loaded host).
 */
export const DELIVERY_MARGIN_MS = 50;

/** The take id when this outbox has no account budget (nothing to give back). */
const NO_BUDGET = 'none';

/** Added to a platform's rate-limit window when pacing (delivery jitter; see the outbox handler). */
export const WINDOW_MARGIN_MS = 1000;

export class PlatformNotConnectedError extends BotError {
  constructor(platform: string) {
    super('BOT_ERR_PLATFORM_NOT_CONFIGURED', `no ${platform} connection in this gateway: configure ${platform} (see .env.example) or run a gateway that has it`, false);
  }
}

/**
 * The gateway's outbox consumer: posts each reply to the chat its comment came from, within
 * the platform's limits, at most once per comment (a Redis NX key claimed before posting),
 * and never late (a reply that cannot go out before its deadline is dropped).
 */
export function createOutboxHandler(ctx: HandlerContext, adapters: ReadonlyMap<Platform, ChatAdapter>, pacer: Pacer, budget?: AccountBudget) {
  const log = ctx.logger.child({ component: 'outbox' });
  return async function handleOutbox(job: Job<OutboxJob>, _token?: string, signal?: AbortSignal): Promise<Outcome> {
    const r = parseJob(job, outboxJobSchema);
    const c = r.comment;
    const base = { platform: c.platform, channel: c.channel, commentId: c.id, kind: r.kind, route: r.route, model: r.model };
    const drop = async (reason: string): Promise<Outcome> => {
      log.info({ ...base, outcome: 'dropped', reason }, 'reply dropped');
      await event(ctx, c, { type: 'drop', reason, route: r.route, model: r.model });
      return { outcome: 'dropped', reason };
    };
    const adapter = adapters.get(c.platform);
    if (!adapter) throw new PlatformNotConnectedError(c.platform);
    const controls = await ctx.controls.get(c.platform, c.channel);
    // an acknowledgement queued before approval was turned on is not worth a moderator's time
    if (r.kind === 'ack' && controls.settings.approval) return drop('approval_on');
    if (r.kind === 'answer' && controls.settings.approval && !r.approved) {
      const id = await holdForApproval(ctx.redis, ctx.prefix, r, ctx.config.APPROVAL_TTL_S);
      log.info({ ...base, outcome: 'held', approvalId: id }, 'reply waiting for a moderator (approval on)');
      return { outcome: 'held', reason: id };
    }
    const word = blockedWordIn(r.parts.join(' '), controls.blockedWords);
    if (word) {
      log.warn({ ...base, outcome: 'filtered', reason: 'blocked_word' }, 'reply filtered, not posted');
      await event(ctx, c, { type: 'filtered', reason: 'blocked_word', route: r.route });
      return { outcome: 'filtered', reason: 'blocked_word' };
    }
    const postKey = runtimeKeys.posted(ctx.prefix, c.platform, c.id, r.kind);
    // a message granted right at the deadline reaches chat a little after it: the last
    // grant is DELIVERY_MARGIN_MS before it
    const postBy = r.deadline - DELIVERY_MARGIN_MS;
    if (ctx.now() > postBy) return drop('late');
    const texts = adapter.wholeReplies ? [r.parts.join(' ')] : r.parts;
    // the platform counts a message when it receives it, a little after it was granted: keep a
    // margin so jitter never puts one message too many in the platform's window
    const limitsNow = () => {
      const l = adapter.limits(c.channel);
      return { ...l, windowMs: l.windowMs + WINDOW_MARGIN_MS };
    };
    // the account's budget, shared by every gateway (Twitch counts per account across channels)
    const buckets = budget && adapter.buckets ? adapter.buckets(c.channel).map((b) => ({ ...b, windowMs: b.windowMs + WINDOW_MARGIN_MS })) : [];
    // the take's id, or undefined when the budget would only allow it past the deadline
    const takeBudget = (): Promise<string | undefined> => (budget ? budget.take(buckets, postBy, signal) : Promise.resolve(NO_BUDGET));
    const key = `${c.platform}:${c.channel}`;
    const started = ctx.now();
    let posted = 0;
    let claimedHere = false;
    try {
      for (const text of texts) {
        const waitFrom = ctx.now();
        // per-channel spacing first (in process), then the account's budget (a Redis round trip)
        const grantedAt = await pacer.acquireAt(key, limitsNow(), postBy, signal);
        if (grantedAt === undefined) return drop(signal?.aborted ? 'shutdown' : 'late');
        // dropped after its turn was granted: the turn goes back to the channel, and a token
        // taken from the account's budget goes back to the account (nothing was sent)
        const dropUnsent = async (reason: string, taken?: string) => {
          pacer.giveBack(key, grantedAt);
          if (budget && taken !== undefined) {
            await budget.giveBack(buckets, taken).catch((err: unknown) => log.warn({ ...base, err }, 'could not give back the account budget of a dropped reply'));
          }
          return drop(reason);
        };
        if (posted === 0) {
          // The first message: in the budget's round trip, three checks: another viewer posted
          // the same text after this reply was made (a copypasta is never answered); a moderator
          // removed the comment (or its author, or the chat) while its answer was on the way;
          // and the posted-once claim, given back when one of the first two says no. A reply
          // dropped here gives its spacing back to the channel and its token back to the
          // account's budget: a copypasta's ack kept it spent before, and in a busy chat with
          // the bot not a moderator (20 messages per 30 s) that held other answers back by
          // seconds (BENCHMARKS.md, session 7).
          const [flagged, removed, claimed, taken] = await Promise.all([
            c.paid ? false : ctx.copypasta.isFlagged(c),
            removalOf(ctx.redis, ctx.prefix, c),
            ctx.redis.set(postKey, String(ctx.now()), 'EX', POSTED_TTL_S, 'NX').then((v) => ((claimedHere = v === 'OK'), v)),
            takeBudget(),
          ]);
          ctx.metrics.pacerWait(c.platform, c.channel, ctx.now() - waitFrom);
          if (flagged || removed) {
            if (claimed === 'OK') await ctx.redis.del(postKey);
            return dropUnsent(flagged ? 'copypasta' : removed!, taken);
          }
          if (claimed !== 'OK') return dropUnsent('already_posted', taken);
          if (taken === undefined) {
            await ctx.redis.del(postKey);
            return dropUnsent(signal?.aborted ? 'shutdown' : 'late');
          }
        } else {
          const taken = await takeBudget();
          ctx.metrics.pacerWait(c.platform, c.channel, ctx.now() - waitFrom);
          if (taken === undefined) return dropUnsent(signal?.aborted ? 'shutdown' : 'late');
        }
        const res = await adapter.post({ platform: c.platform, channel: c.channel, text, replyTo: { id: c.id, author: c.author }, meta: { route: r.route, model: r.model, timings: r.timings, kind: r.kind } });
        if (res.status === 'rejected') return drop(res.reason);
        posted++;
      }
    } catch (err) {
      // nothing went out: let BullMQ retry while the reply is still fresh
      if (posted === 0 && claimedHere) await ctx.redis.del(postKey);
      throw err;
    }
    const postMs = ctx.now() - started;
    const totalMs = ctx.now() - c.receivedAt;
    ctx.metrics.posted({ platform: c.platform, channel: c.channel, route: r.route, kind: r.kind, parts: posted, queueWaitMs: r.timings.queueWaitMs, ttftMs: r.timings.ttftMs, modelMs: r.timings.modelMs, postMs, totalMs });
    log.info(
      {
        ...base,
        outcome: 'posted',
        parts: posted,
        paid: c.paid,
        timings: { queueWaitMs: Math.round(r.timings.queueWaitMs), ttftMs: Math.round(r.timings.ttftMs), modelMs: Math.round(r.timings.modelMs), postMs, totalMs },
        tokens: r.tokens,
      },
      'reply posted',
    );
    log.debug({ ...base, chat: { user: c.author.name, comment: c.text, reply: r.parts } }, 'reply text');
    await event(ctx, c, { type: 'reply', route: r.route, model: r.model, latency_ms: totalMs, text: r.parts.join(' '), user: c.author.name, ...(r.memory?.length ? { memory: r.memory.join(',') } : {}) });
    if (r.kind === 'answer' && WRITTEN_BY_MODEL.has(r.route) && controls.settings.memory) {
      // the thread and the viewer's memory: only what was really posted (never a filtered reply)
      await ctx.memory
        .afterPosted({
          id: c.id,
          platform: c.platform,
          channel: c.channel,
          userId: c.author.id,
          login: c.author.login,
          name: c.author.name,
          comment: c.text,
          answer: r.parts.map((p) => p.replace(/^@\S+\s+/, '')).join(' '),
          route: r.route,
          at: ctx.now(),
        })
        .catch((err: unknown) => log.warn({ ...base, err }, 'could not keep the exchange in memory (the reply was posted)'));
    }
    return { outcome: 'posted', parts: posted };
  };
}
