import type { Character } from '../character.js';
import type { ChatResult, ModelClient, ThinkLevel } from '../llm/types.js';
import { formatForChat, upToLastSentence } from '../reply/format-chat.js';
import { buildMessages, NOT_FOR_ME_MARKER, TRIAGE_MARKER } from '../reply/prompt.js';
import { checkReply, type ReplyVerdict } from '../reply/safety.js';
import { stripReasoning, visibleSoFar } from '../reply/strip-reasoning.js';
import type { Comment } from '../types.js';
import { renderMemory, type Rendered } from '../memory/render.js';
import type { Recall } from '../memory/store.js';
import type { Exchange } from '../memory/types.js';
import type { HandlerContext } from './context.js';
import { quoteUntrusted } from '../reply/prompt.js';
import type { PlatformFormat } from '../platforms/format.js';
import { routeSpec, type RouteName } from '../llm/routes.js';

export interface ModelRoute {
  client: ModelClient;
  model: string;
  numCtx: number;
  /** Seconds (negative: forever) or a Go duration string with a unit (see keep-alive.ts). */
  keepAlive: number | string;
  firstTokenTimeoutMs: number;
  totalTimeoutMs: number;
}

export interface AnswerRequest {
  route: RouteName;
  model: ModelRoute;
  character: Character;
  comment: Comment;
  format: PlatformFormat;
  maxMessages: number;
  allowedLinkDomains: readonly string[];
  /** Output filter inputs. */
  blockedWords: readonly string[];
  slurs: readonly string[];
  secrets: readonly string[];
  think?: ThinkLevel;
  /** Fast route in the uncertain band: the model may answer with the triage marker to escalate. */
  triage?: boolean;
  /** Fast route: past this moment (epoch ms) the reply can no longer be posted in time, so the stream is stopped. */
  deadline?: number;
  signal?: AbortSignal;
  /** Stream context and memory for this comment, rendered (memory/render.ts). */
  background?: Rendered;
}

/** Stream context and recalled memory as prompt text, within the route's budget. */
export function memoryBackground(ctx: Pick<HandlerContext, 'config'>, route: RouteName, c: Comment, context: string, recall: Recall, related?: readonly Exchange[]): Rendered {
  const budget = routeSpec(route).memoryChars(ctx.config);
  return renderMemory({ comment: c.text, context, recall, related, budget, quote: quoteUntrusted });
}

/** Log fields saying what background an answer carried. */
export function memoryLog(b: Rendered | undefined): { memory?: string[]; memoryChars?: number } {
  return b && b.used.length ? { memory: b.used, memoryChars: b.chars } : {};
}

export type AnswerOutcome =
  /** cut: the model stopped for length and only its whole sentences are kept. */
  | { kind: 'answer'; parts: string[]; result: ChatResult; cut: boolean; memory?: string[] }
  | { kind: 'escalate'; result: ChatResult }
  /** Triage said the comment is not meant for the character: nothing to post. */
  | { kind: 'not_for_me'; result: ChatResult }
  /** Nothing left to post: see EmptyReason. */
  | { kind: 'empty'; result: ChatResult; reason: EmptyReason }
  | { kind: 'filtered'; verdict: Exclude<ReplyVerdict, { ok: true }>; result: ChatResult };

/**
 * Why a model's output left nothing to post. Each is a shape a real model can produce:
 * - unclosed_reasoning: a reasoning block was opened and never closed (ran out of time or tokens);
 * - only_reasoning: the content was reasoning and nothing after it;
 * - answer_in_thinking: the content was empty and all text came in the `thinking` field (never
 *   posted: it may be reasoning, and a viewer must not see reasoning);
 * - truncated: the model stopped for length (`done_reason: "length"`) before one sentence ended;
 * - no_text: nothing at all, or nothing left after formatting for chat.
 */
export type EmptyReason = 'unclosed_reasoning' | 'only_reasoning' | 'answer_in_thinking' | 'truncated' | 'no_text';

/**
 * What is left to post of a model's result, or why nothing is. An answer the model had to stop
 * for length keeps its complete sentences only (never a half sentence on air).
 */
export function answerText(result: ChatResult, triage = false): { text: string; cut: boolean } | { reason: EmptyReason } {
  const stripped = stripReasoning(result.content);
  if (stripped.unclosed) return { reason: 'unclosed_reasoning' };
  let text = stripped.text;
  if (triage) text = text.split(TRIAGE_MARKER).join(' ').split(NOT_FOR_ME_MARKER).join(' ');
  if (text.trim() === '') {
    if (stripped.hadReasoning) return { reason: 'only_reasoning' };
    return { reason: result.content.trim() === '' && result.thinking.trim() !== '' ? 'answer_in_thinking' : 'no_text' };
  }
  if (result.doneReason === 'length' && !result.stoppedEarly) {
    const whole = upToLastSentence(text);
    return whole === '' ? { reason: 'truncated' } : { text: whole, cut: whole !== text.trim() };
  }
  return { text, cut: false };
}

export function mentionPrefix(c: Comment, format: PlatformFormat): string {
  return format.mention ? `@${c.author.name} ` : '';
}

/**
 * Ask a model for an answer and turn it into chat-safe messages. The fast route stops the
 * stream as soon as the visible answer fills the chat budget, or on the triage marker.
 */
export async function generateAnswer(req: AnswerRequest): Promise<AnswerOutcome> {
  const prefix = mentionPrefix(req.comment, req.format);
  const budget = (req.format.maxChars - [...prefix].length) * req.maxMessages;
  const messages = buildMessages(req.character, req.comment, { route: req.route, maxChars: budget, triage: req.triage, background: req.background?.text });
  let escalate = false;
  let notForMe = false;
  // stop once the visible answer is past what chat can carry (a little slack for markdown the
  // formatter removes and for ending at a sentence)
  const stopAt = budget * 1.3 + 40;
  let markerPossible = req.triage === true;
  const result = await req.model.client.chat({
    model: req.model.model,
    messages,
    // the fast route never reasons: a thinking-capable fast model would otherwise think first
    think: req.route === 'fast' ? false : req.think,
    numCtx: req.model.numCtx,
    keepAlive: req.model.keepAlive,
    firstTokenTimeoutMs: req.model.firstTokenTimeoutMs,
    totalTimeoutMs: req.model.totalTimeoutMs,
    signal: req.signal,
    onContent:
      req.route === 'fast'
        ? (soFar) => {
            // a reply that can no longer be posted in time is not worth a slot of the model
            if (req.deadline !== undefined && Date.now() > req.deadline) return true;
            // called for every token: the visible text is only worked out while it can matter
            // (a string has at least as many UTF-16 units as characters)
            if (!markerPossible && soFar.length <= stopAt) return false;
            const visible = visibleSoFar(soFar).trimStart();
            if (markerPossible) {
              if (visible.startsWith(TRIAGE_MARKER)) {
                escalate = true;
                return true;
              }
              if (visible.startsWith(NOT_FOR_ME_MARKER)) {
                notForMe = true;
                return true;
              }
              // both markers have the same length
              if (visible.length >= TRIAGE_MARKER.length) markerPossible = false;
            }
            return [...visible].length > stopAt;
          }
        : undefined,
  });
  if (escalate) return { kind: 'escalate', result };
  if (notForMe) return { kind: 'not_for_me', result };
  const got = answerText(result, req.triage);
  if ('reason' in got) return { kind: 'empty', result, reason: got.reason };
  const parts = formatForChat(got.text, {
    maxChars: req.format.maxChars,
    maxMessages: req.maxMessages,
    prefix,
    allowedLinkDomains: req.allowedLinkDomains,
  });
  if (parts.length === 0) return { kind: 'empty', result, reason: 'no_text' };
  const verdict = checkReply(parts.join(' '), {
    blockedWords: req.blockedWords,
    slurs: req.slurs,
    // the fixed instructions, not the persona: the character may describe herself in her own words
    systemPrompt: (messages[0]?.content ?? '').replace(req.character.persona.trim(), '').replace(req.character.style.trim(), ''),
    secrets: req.secrets,
  });
  if (!verdict.ok) return { kind: 'filtered', verdict, result };
  return { kind: 'answer', parts, result, cut: got.cut, ...(req.background?.used.length ? { memory: req.background.used } : {}) };
}
