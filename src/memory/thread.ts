/**
 * Threads, pure: which earlier exchange a comment follows up on, whether it asks for more depth,
 * and how recalled memory becomes quoted prompt text within a character budget. No I/O.
 */
import { normalizeText } from '../routing/trigger.js';
import type { Comment } from '../types.js';
import type { Recall } from './store.js';
import type { Exchange } from './types.js';

const MENTION = /^@\S+\s*/;

function norm(s: string): string {
  return normalizeText(s).replace(MENTION, '').replace(/\s+/g, ' ').trim();
}

/**
 * The bot's exchange a comment replies to (Twitch reply tags), from the channel's recent
 * exchanges, newest first. The parent must be one of the bot's own messages: matched by the
 * message id the platform gave for the bot's post, else by the thread's first message (the
 * comment the bot answered), else by the parent's text; with no id and no text to go on, the
 * bot's latest answer.
 */
export function resolveReplyTarget(c: Pick<Comment, 'replyTo'>, recent: readonly Exchange[], botLogins: readonly string[]): Exchange | undefined {
  const r = c.replyTo;
  if (!r) return undefined;
  const byId = r.id ? recent.find((e) => e.replyIds?.includes(r.id!)) : undefined;
  if (byId) return byId;
  const parentIsBot = r.login !== undefined && botLogins.includes(r.login.toLowerCase());
  if (!parentIsBot) return undefined;
  const byThread = r.threadId ? recent.find((e) => e.id === r.threadId) : undefined;
  if (byThread) return byThread;
  if (r.body) {
    const body = norm(r.body);
    const byBody = body ? recent.find((e) => norm(e.answer).startsWith(body.slice(0, 60)) || body.startsWith(norm(e.answer).slice(0, 60))) : undefined;
    if (byBody) return byBody;
  }
  // a reply to a bot message whose exchange was not kept (never stored, forgotten, expired):
  // no exchange at all rather than a wrong one
  return r.id || r.threadId || r.body ? undefined : recent[0];
}

const DEPTH_WHY = /^(but |and |so |ok(ay)? )?(why|how come|how so)( exactly| is that| so| not)?[\s?!.]*$/;
// ("why exactly?" ends in punctuation: that alternative is anchored at the end, not by \b)
const DEPTH_EN =
  /\bwhy( exactly| is that| so| not)?\s*[?!.]*$|\b(how (come|so|exactly|does that work)|explain( (it|that|more|further|in detail))?|elaborate|more detail(s)?|in (more )?detail|go deeper|tell me more|say more|what do you mean|can you expand|dig deeper|step by step|and the (second|third|other|last) one)\b/;
const DEPTH_JA = /(詳しく|くわしく|もっと(詳|教|説明|知)|なんで[?？]?$|なぜ[?？]?$|どうして[?？]?$|どういうこと|どういう意味|具体的に|掘り下げ|説明して|理由は|二つ目|2つ目|もう一つの方)/;

/** A follow-up that asks for more depth ("why exactly?", 「もっと詳しく」) rather than a reaction. */
export function asksForDepth(text: string): boolean {
  const t = normalizeText(text).trim();
  return DEPTH_WHY.test(t) || DEPTH_EN.test(t) || DEPTH_JA.test(t);
}

const FOLLOW_UP_EN = /^(why|how|and|but|so|what about|really|wait|huh|then|the (first|second|third|other|last) one|which one|explain|more|ok(ay)? (but|and|so)|thanks|thank you|ty|lol|haha|nice|cool|great)\b/;
const FOLLOW_UP_JA = /^(え|えっ|なんで|なぜ|どうして|じゃあ|それ|その|あと|もっと|詳しく|くわしく|ありがと|なるほど|へえ|ほんと|マジ|二つ目|2つ目)/;

/** Short text that only makes sense after an earlier answer ("why?", 「え、なんで？」, "and the second one?"). */
export function looksLikeFollowUp(text: string): boolean {
  const t = normalizeText(text).trim();
  if ([...t].length > 80) return false;
  return FOLLOW_UP_EN.test(t) || FOLLOW_UP_JA.test(t) || asksForDepth(t);
}

/** What routing learns from the thread (see decide()). */
export interface ThreadSignal {
  /** The exchange this comment follows: the one it replies to, else the viewer's latest. */
  last: Pick<Exchange, 'route' | 'at' | 'userId'>;
  /** It replies to one of the bot's messages (Twitch reply tags). */
  replyToBot: boolean;
  /** It reads as a follow-up of that exchange. */
  followUp: boolean;
  /** It asks for more depth. */
  depth: boolean;
  /** When the bot answered this viewer in the thread (epoch ms), newest last. */
  times: number[];
}

export function threadSignal(text: string, recall: Pick<Recall, 'thread' | 'replyTo'>): ThreadSignal | undefined {
  const last = recall.replyTo ?? recall.thread[recall.thread.length - 1];
  if (!last) return undefined;
  const replyToBot = recall.replyTo !== undefined;
  return {
    last: { route: last.route, at: last.at, userId: last.userId },
    replyToBot,
    followUp: replyToBot || looksLikeFollowUp(text),
    depth: asksForDepth(text),
    times: recall.thread.map((e) => e.at),
  };
}
