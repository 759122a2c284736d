import type { ControlSnapshot } from '../controls/types.js';
import type { Comment } from '../types.js';
import { judgeAudience, type AudienceVerdict } from './audience.js';
import { bandOf, scoreComplexity, type RuleHit } from './classify.js';
import { analyzeTrigger, isTriggered } from './trigger.js';

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

export type Band = 'fast' | 'uncertain' | 'slow';

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
      route: 'fast' | 'slow';
      /** Fast route in the uncertain band: the fast model may escalate with the triage marker. */
      triage: boolean;
      /** A complex comment answered fast because the slow pool was full. */
      overflow: boolean;
      vip: boolean;
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
  /** The comment is a platform reply to one of the bot's own messages: addressed to the character. */
  repliesToBot?: boolean;
  /** The same or nearly the same text came from another viewer within the window (src/copypasta.ts). */
  copypasta?: boolean;
  /** Emote names added to the shipped list (EMOTES_FILE). */
  extraEmotes?: ReadonlySet<string>;
}

/** The keys under which a user may appear in the blocked/vip sets. */
export function userKeys(c: Comment): string[] {
  const p = c.platform;
  return [`${p}:${c.author.id}`.toLowerCase(), `${p}:${c.author.login}`.toLowerCase()];
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

  const trig = analyzeTrigger(text, input.names);
  if (trig.command) return { answer: false, reason: 'command' };
  // A paid comment is an explicit request for attention: answer it whatever the trigger.
  // (Most chat stops here: neither its audience nor its complexity is needed; botctl explain works them out.)
  if (!c.paid && !isTriggered(trig, s.trigger, text)) return { answer: false, reason: 'not_trigger', mention: trig.mention, question: trig.question };
  const audience = judgeAudience({ text, mention: trig.mention, repliesToBot: input.repliesToBot, platformEmotes: c.emotes, extraEmotes: input.extraEmotes });
  const cx = scoreComplexity(text, { slowKeywords: controls.slowKeywords });
  const band = bandOf(cx, s.slow_threshold, input.triageBand);
  // not for the character: never slow and never triaged, whatever the score
  const scored: Scored = { score: cx.score, rules: cx.rules, band: audience.forMe ? band : 'fast', mention: trig.mention, question: trig.question, audience };
  if (input.copypasta && !c.paid) return { answer: false, reason: 'copypasta', ...scored };
  // trigger=all answers every comment (fast); otherwise chat that is not for the character is left alone
  if (!audience.forMe && !c.paid && s.trigger !== 'all') return { answer: false, reason: 'not_for_me', ...scored };

  let route: 'fast' | 'slow' = !audience.forMe || s.mode === 'fast' ? 'fast' : s.mode === 'slow' ? 'slow' : band === 'slow' ? 'slow' : 'fast';
  const maxAge = (route === 'slow' ? s.slow_max_age_s : s.fast_max_age_s) * 1000;
  const age = commentAge(c, now);
  if (age > maxAge) return { answer: false, reason: 'stale', detail: `${Math.round(age / 1000)}s old`, ...scored };

  const vip = isVip(c, controls);
  // VIPs and paid comments are not held back by the cooldown
  if (!vip && !c.paid && input.lastAnsweredAt !== undefined && now - input.lastAnsweredAt < s.user_cooldown_s * 1000) {
    return { answer: false, reason: 'cooldown', ...scored };
  }

  let overflow = false;
  if (route === 'slow' && input.slowWaiting > s.slow_max_waiting && s.mode !== 'slow') {
    if (s.overflow === 'drop') return { answer: false, reason: 'overflow_drop', ...scored };
    route = 'fast';
    overflow = true;
  }
  const triage = route === 'fast' && !overflow && s.mode === 'auto' && input.triageEnabled && scored.band === 'uncertain';
  return { answer: true, route, triage, overflow, vip, ...scored };
}
