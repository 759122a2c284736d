import type { ControlSnapshot } from '../controls/types.js';
import type { ThreadSignal } from '../memory/thread.js';
import type { Comment } from '../types.js';
import { judgeAudience, type AudienceVerdict } from './audience.js';
import type { RouteName } from '../llm/routes.js';
import { bandOf, scoreComplexity, type Band, type RuleHit } from './classify.js';
import { analyzeTrigger, isTriggered, type TriggerInfo } from './trigger.js';

export type SkipReason =
  | 'paused'
  | 'empty'
  | 'command'
  | 'blocked_user'
  | 'blocked_word'
  | 'not_trigger'
  | 'cooldown'
  | 'stale'
  | 'overflow_drop'
  | 'abuse'
  | 'not_for_me'
  | 'copypasta';

/**
 * A conversation is not spam: a viewer's follow-up to the bot's answer to them ("why?") is
 * answered within their cooldown, while fewer than this many answers to them fall in it.
 */
export const MAX_FOLLOW_UPS = 3;

interface Scored {
  score: number;
  rules: RuleHit[];
  band: Band;
  mention: boolean;
  question: boolean;
  /** "Is this for me?" (src/routing/audience.ts): who the comment is for, and why. */
  audience: AudienceVerdict;
}

export type Decision =
  | ({ answer: false; reason: SkipReason; detail?: string } & Partial<Scored>)
  | ({
      answer: true;
      route: RouteName;
      /** Fast route in the uncertain band: the fast model may escalate with the triage marker. */
      triage: boolean;
      /** A complex comment answered fast because the slow pool was full. */
      overflow: boolean;
      vip: boolean;
      /** A follow-up in the viewer's own thread answered within their cooldown (see MAX_FOLLOW_UPS). */
      pastCooldown: boolean;
    } & Scored);

export interface DecisionInput {
  comment: Comment;
  controls: ControlSnapshot;
  /** Character name, aliases and the bot's own login(s). */
  names: readonly string[];
  now: number;
  /** When this user was last answered (epoch ms), if within the cooldown key's life. */
  lastAnsweredAt?: number;
  /** Slow jobs currently waiting. */
  slowWaiting: number;
  /** Score band in which the fast model triages. */
  triageBand: readonly [number, number];
  /** Whether the fast model may triage at all (config TRIAGE). */
  triageEnabled: boolean;
  /** The user is being ignored for abuse until this time (epoch ms). */
  abuseUntil?: number;
  /** A blocked word found in the comment (matching lives in reply/safety so both sides agree). */
  blockedWord?: string;
  /** The exchange this comment follows up on, from memory (absent: none, or memory off). */
  thread?: ThreadSignal;
  /** The comment is a platform reply to one of the bot's own messages: addressed to the character. */
  repliesToBot?: boolean;
  /** The same or nearly the same text came from another viewer within the window (src/copypasta.ts). */
  copypasta?: boolean;
  /** Emote names added to the shipped list (EMOTES_FILE). */
  extraEmotes?: ReadonlySet<string>;
  /** `analyzeTrigger(comment.text, names)` where the caller has it already (computed here otherwise). */
  trigger?: TriggerInfo;
}

/** The keys under which a user may appear in the blocked/vip sets. */
export function userKeys(c: { platform: string; author: { id: string; login?: string } }): string[] {
  const p = c.platform;
  return [`${p}:${c.author.id}`.toLowerCase(), ...(c.author.login !== undefined ? [`${p}:${c.author.login}`.toLowerCase()] : [])];
}

/** Whether the comment's author is in the vip_users set (by id or by login). */
export function isVip(c: Comment, controls: Pick<ControlSnapshot, 'vipUsers'>): boolean {
  return userKeys(c).some((k) => controls.vipUsers.has(k));
}

/** How old a comment is: from when the viewer sent it where the platform says, else from receipt. */
export function commentAge(c: Comment, now: number): number {
  return now - (c.sentAt ?? c.receivedAt);
}

/** Whether and how to answer one comment, and why. Pure: every input is passed in. */
export function decide(input: DecisionInput): Decision {
  const { comment: c, controls, now } = input;
  const s = controls.settings;
  const keys = userKeys(c);
  if (s.mode === 'off') return { answer: false, reason: 'paused' };
  if (keys.some((k) => controls.blockedUsers.has(k))) return { answer: false, reason: 'blocked_user' };
  if (input.abuseUntil !== undefined && input.abuseUntil > now) return { answer: false, reason: 'abuse' };
  const text = c.text.trim();
  if (text === '') return { answer: false, reason: 'empty' };
  if (input.blockedWord) return { answer: false, reason: 'blocked_word', detail: input.blockedWord };

  const trig = input.trigger ?? analyzeTrigger(text, input.names);
  if (trig.command) return { answer: false, reason: 'command' };
  // A reply to the bot, or a follow-up right after the bot answered this viewer, is addressed
  // to the character ("why?", 「もっと詳しく」); one that asks for more depth on a slow answer
  // goes slow with its thread (a trivial follow-up stays fast).
  const t = input.thread;
  const followUp = t !== undefined && t.followUp;
  const mention = trig.mention || followUp;
  // A paid comment is an explicit request for attention: answer it whatever the trigger.
  // (Most chat stops here: neither its audience nor its complexity is needed; botctl explain works them out.)
  if (!c.paid && !isTriggered({ ...trig, mention }, s.trigger, text)) return { answer: false, reason: 'not_trigger', mention, question: trig.question };
  const audience = judgeAudience({ text, mention, repliesToBot: input.repliesToBot || followUp, platformEmotes: c.emotes, extraEmotes: input.extraEmotes });
  const cx = scoreComplexity(text, { slowKeywords: controls.slowKeywords });
  let band = bandOf(cx, s.slow_threshold, input.triageBand);
  const rules = [...cx.rules];
  if (followUp) rules.push({ name: t.replyToBot ? 'thread_reply_to_bot' : 'thread_follow_up', weight: 0 });
  if (followUp && t.depth && (t.last.route === 'slow' || t.last.route === 'fallback')) {
    rules.push({ name: 'thread_depth_on_slow_answer', weight: 1 });
    band = 'slow';
  }
  // not for the character: never slow and never triaged, whatever the score
  const scored: Scored = { score: band === 'slow' ? Math.max(cx.score, s.slow_threshold) : cx.score, rules, band: audience.forMe ? band : 'fast', mention, question: trig.question, audience };
  if (input.copypasta && !c.paid) return { answer: false, reason: 'copypasta', ...scored };
  // trigger=all answers every comment (fast); otherwise chat that is not for the character is left alone
  if (!audience.forMe && !c.paid && s.trigger !== 'all') return { answer: false, reason: 'not_for_me', ...scored };

  let route: RouteName = !audience.forMe || s.mode === 'fast' ? 'fast' : s.mode === 'slow' ? 'slow' : band === 'slow' ? 'slow' : 'fast';
  const maxAge = (route === 'slow' ? s.slow_max_age_s : s.fast_max_age_s) * 1000;
  const age = commentAge(c, now);
  if (age > maxAge) return { answer: false, reason: 'stale', detail: `${Math.round(age / 1000)}s old`, ...scored };

  const vip = isVip(c, controls);
  const cooling = input.lastAnsweredAt !== undefined && now - input.lastAnsweredAt < s.user_cooldown_s * 1000;
  const ownThread = followUp && t.last.userId === c.author.id && t.times.filter((at) => now - at < s.user_cooldown_s * 1000).length < MAX_FOLLOW_UPS;
  const pastCooldown = cooling && !vip && !c.paid && ownThread;
  if (pastCooldown) rules.push({ name: 'thread_follow_up_in_cooldown', weight: 0 });
  // VIPs and paid comments are not held back by the cooldown
  if (!vip && !c.paid && cooling && !pastCooldown) {
    return { answer: false, reason: 'cooldown', ...scored };
  }

  let overflow = false;
  if (route === 'slow' && input.slowWaiting > s.slow_max_waiting && s.mode !== 'slow') {
    if (s.overflow === 'drop') return { answer: false, reason: 'overflow_drop', ...scored };
    route = 'fast';
    overflow = true;
  }
  const triage = route === 'fast' && !overflow && s.mode === 'auto' && input.triageEnabled && scored.band === 'uncertain';
  return { answer: true, route, triage, overflow, vip, pastCooldown, ...scored };
}
