/**
 * A viewer's `!forgetme`: delete everything kept about them (memory/forget.ts) and confirm in
 * one short line. Nothing of the command is recorded first (no event with its text, no chat
 * line), the confirmation's job carries no comment text, and a viewer repeating the command
 * within FORGET_ME_COOLDOWN_S is not answered again (one deletion is running or just ran).
 */
import { forgetDoneLine } from '../character.js';
import { forgetViewer } from '../memory/forget.js';
import type { Comment } from '../types.js';
import type { HandlerContext } from './context.js';
import { cannedParts, enqueueReply } from './outbox-enqueue.js';

export const FORGET_ME_COOLDOWN_S = 30;

export async function forgetMe(ctx: HandlerContext, c: Comment, log: HandlerContext['logger']): Promise<'forgotten'> {
  const who = { platform: c.platform, userId: c.author.id };
  const base = { platform: c.platform, channel: c.channel, commentId: c.id };
  const guard = `${ctx.prefix}:forgetme:${c.platform}:${c.author.id}`;
  if ((await ctx.redis.set(guard, '1', 'EX', FORGET_ME_COOLDOWN_S, 'NX')) !== 'OK') {
    log.info({ ...base, outcome: 'skipped', reason: 'forgetme_repeat' }, 'comment skipped');
    return 'forgotten';
  }
  const bare: Comment = { ...c, text: '', replyTo: undefined };
  const report = await forgetViewer(ctx.redis, ctx.redis, ctx.prefix, who, { names: [c.author.name, c.author.login], waitActiveMs: 5_000 });
  log.info({ ...base, outcome: 'forgotten', ...report }, 'viewer memory deleted (!forgetme)');
  await enqueueReply(ctx, {
    comment: bare,
    kind: 'answer',
    parts: cannedParts(ctx, bare, forgetDoneLine(ctx.character)),
    route: 'canned',
    model: 'character',
    timings: { queueWaitMs: 0, ttftMs: 0, modelMs: 0, totalMs: ctx.now() - c.receivedAt },
    deadline: ctx.now() + 60_000,
  });
  return 'forgotten';
}
