import type { Comment } from '../types.js';

/** Priority of a comment that the channel's trigger would not answer (greetings, emotes, chatter). */
const UNTRIGGERED_PRIORITY = 50;

/**
 * BullMQ priority for a comment (1 = first; larger = later). Order: paid comments by amount,
 * then moderators/owner and VIPs, then comments that mention the character, then first-time
 * chatters, then the rest; comments the channel's trigger would not answer (`triggered`
 * false: greetings, emotes, chatter under trigger=question) come last, so that while the
 * model slots are busy the worker decides the comments it may answer first and the others
 * wait behind them (or are shed).
 */
export function commentPriority(c: Comment, opts: { mention: boolean; vip: boolean; triggered: boolean }): number {
  if (c.paid && c.paid.amount > 0) {
    // bigger amounts first, within 1..9 (bits and currencies are compared roughly by magnitude)
    const magnitude = Math.min(8, Math.floor(Math.log10(Math.max(1, c.paid.amount))));
    return 9 - magnitude;
  }
  if (!opts.triggered) return UNTRIGGERED_PRIORITY;
  if (c.author.badges.moderator || c.author.badges.owner || opts.vip || c.author.badges.vip) return 10;
  if (opts.mention) return 20;
  if (c.author.firstMessage) return 30;
  return 40;
}
