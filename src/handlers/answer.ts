import type { Character } from '../character.js';
import type { ChatResult, ModelClient, ThinkLevel } from '../llm/types.js';
import { formatForChat } from '../reply/format-chat.js';
import { buildMessages, TRIAGE_MARKER } from '../reply/prompt.js';
import { checkReply, type ReplyVerdict } from '../reply/safety.js';
import { stripReasoning, visibleSoFar } from '../reply/strip-reasoning.js';
import type { Comment } from '../types.js';
import type { PlatformFormat } from '../platforms/format.js';

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
  route: 'fast' | 'slow';
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
}

export type AnswerOutcome =
  | { kind: 'answer'; parts: string[]; result: ChatResult }
  | { kind: 'escalate'; result: ChatResult }
  /** Nothing left to post once reasoning was removed (only reasoning, or an unclosed block). */
  | { kind: 'empty'; result: ChatResult; unclosed: boolean }
  | { kind: 'filtered'; verdict: Exclude<ReplyVerdict, { ok: true }>; result: ChatResult };

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
  const messages = buildMessages(req.character, req.comment, { route: req.route, maxChars: budget, triage: req.triage });
  let escalate = false;
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
              if (visible.length >= TRIAGE_MARKER.length) markerPossible = false;
            }
            return [...visible].length > stopAt;
          }
        : undefined,
  });
  if (escalate) return { kind: 'escalate', result };
  const stripped = stripReasoning(result.content);
  let text = stripped.text;
  if (req.triage) text = text.split(TRIAGE_MARKER).join(' ');
  if (text.trim() === '') return { kind: 'empty', result, unclosed: stripped.unclosed };
  const parts = formatForChat(text, {
    maxChars: req.format.maxChars,
    maxMessages: req.maxMessages,
    prefix,
    allowedLinkDomains: req.allowedLinkDomains,
  });
  if (parts.length === 0) return { kind: 'empty', result, unclosed: false };
  const verdict = checkReply(parts.join(' '), {
    blockedWords: req.blockedWords,
    slurs: req.slurs,
    // the fixed instructions, not the persona: the character may describe herself in her own words
    systemPrompt: (messages[0]?.content ?? '').replace(req.character.persona.trim(), '').replace(req.character.style.trim(), ''),
    secrets: req.secrets,
  });
  if (!verdict.ok) return { kind: 'filtered', verdict, result };
  return { kind: 'answer', parts, result };
}
