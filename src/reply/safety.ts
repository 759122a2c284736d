/**
 * Safety filters for both directions: incoming comments are scrubbed and capped; replies
 * are checked for blocked words, slurs, prompt leaks, secrets, reasoning and commands
 * before they are posted. Pure functions.
 */
import { CONTROL, INVISIBLE_CHARS, LONE_SURROGATE, sanitizeText } from './format-chat.js';
import { BUILTIN_SLURS } from './slurs.js';

export const DEFAULT_COMMENT_MAX_CHARS = 500;
/** A reply repeating this many letters/digits in a row from the system prompt is a leak. */
export const DEFAULT_LEAK_WINDOW = 40;

const graphemeSegmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * Incoming comment text: sanitizeText, then cap at maxChars code points (default 500, cut
 * at a grapheme boundary) so a 10,000-char message cannot blow up the prompt.
 */
export function sanitizeComment(text: string, maxChars = DEFAULT_COMMENT_MAX_CHARS): string {
  // bound the work first: text far past the cap is never kept (a run of invisible
  // characters before it only makes the kept part shorter)
  const clean = sanitizeText(text.length > maxChars * 16 ? text.slice(0, maxChars * 16) : text);
  let out = '';
  let n = 0;
  for (const { segment } of graphemeSegmenter.segment(clean)) {
    let cps = 0;
    for (const _ of segment) cps++;
    if (n + cps > maxChars) break;
    out += segment;
    n += cps;
  }
  return out.trimEnd();
}

/** Invisible for matching: the shared list plus ZWJ, variation selectors and tags. */
const INVISIBLE = new RegExp(`[${INVISIBLE_CHARS}\\u180B-\\u180D\\u180F\\u200D\\uFE00-\\uFE0F\\u{E0000}-\\u{E0FFF}]`, 'gu');
const JOIN_SEP = "[.\\-_*·•・,|/\\\\~+'\"`^=:;]";
/** Single letters joined by punctuation: "b.a.d", "し・ね". */
const SPACED_PUNCT = new RegExp(`(?<![\\p{L}\\p{N}])\\p{L}(?:${JOIN_SEP}+\\p{L})+(?![\\p{L}\\p{N}])`, 'gu');
/** Three or more single letters joined by spaces: "b a d". */
const SPACED_WS = /(?<![\p{L}\p{N}])\p{L}(?:\s+\p{L}){2,}(?![\p{L}\p{N}])/gu;
const STRIP_SEP = new RegExp(`(?:\\s|${JOIN_SEP})+`, 'gu');
const CJK = '[\\p{sc=Han}\\p{sc=Hiragana}\\p{sc=Katakana}ー]';
const SPACE_IN_CJK = new RegExp(`(?<=${CJK})\\s+(?=${CJK})`, 'gu');

/**
 * Normalise for matching: NFKC (full-width -> half-width, half-width kana -> full-width),
 * lower case, accents on Latin letters dropped, katakana folded to hiragana, invisible
 * characters removed, separators between single letters removed ("b.a.d", "b a d" -> "bad"),
 * spaces between Japanese characters removed, whitespace collapsed.
 */
export function normalizeForMatch(s: string): string {
  let t = s.replace(LONE_SURROGATE, '').replace(INVISIBLE, '').replace(CONTROL, ' ');
  t = t
    .normalize('NFKD')
    .replace(/(\p{sc=Latin})\p{M}+/gu, '$1')
    .normalize('NFKC')
    .toLowerCase();
  t = t.replace(/[\u30A1-\u30F6]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0x60));
  t = t.replace(/\s+/gu, ' ');
  // punctuation-joined first, so "a f.o.o" keeps the lone "a" apart from "foo"
  t = t.replace(SPACED_PUNCT, (m) => m.replace(STRIP_SEP, '')).replace(SPACED_WS, (m) => m.replace(/\s+/gu, ''));
  return t.replace(SPACE_IN_CJK, '').trim();
}

const LEET: Record<string, string> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', $: 's', '!': 'i' };
function leetFold(s: string): string {
  return s.replace(/[013457@$!]/g, (c) => LEET[c] ?? c);
}

const ASCII_ONLY = /^[\x20-\x7e]+$/;
function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * First blocked word found in text, or undefined. Both sides are normalised with
 * normalizeForMatch. ASCII words match on word boundaries (with an optional plural "s"/"es"),
 * also after folding leetspeak ("b4d" -> "bad"); other words (Japanese, …) match as substrings.
 * Returns the entry as given in `words`.
 */
export function findBlockedWord(text: string, words: readonly string[]): string | undefined {
  if (words.length === 0) return undefined;
  const nt = normalizeForMatch(text);
  if (nt === '') return undefined;
  const folded = leetFold(nt);
  for (const w of words) {
    const nw = normalizeForMatch(w);
    if (nw === '') continue;
    if (ASCII_ONLY.test(nw)) {
      const re = (x: string): RegExp => new RegExp(`(?<![a-z0-9])${escapeRegExp(x)}(?:e?s)?(?![a-z0-9])`);
      if (re(nw).test(nt) || re(leetFold(nw)).test(folded)) return w;
    } else if (nt.includes(nw)) {
      return w;
    }
  }
  return undefined;
}

export type ReplyVerdict =
  | { ok: true }
  | { ok: false; reason: 'empty' | 'blocked_word' | 'slur' | 'prompt_leak' | 'secret' | 'reasoning' | 'command'; detail?: string };

const REASONING_MARKERS: readonly RegExp[] = [
  /<\/?(?:think|thinking|reasoning)\s*\/?>/i,
  /<\|[a-z_]{2,32}\|>/i,
  /^\s*Thinking\.\.\.\s*$/m,
  /\.\.\.done thinking/i,
  /^\s*analysis[A-Z][\s\S]*assistantfinal/,
];

/** Patterns of credentials that must never be posted, whatever the configuration. */
const TOKEN_PATTERNS: readonly { re: RegExp; detail: string }[] = [
  { re: /oauth:[a-z0-9]{30}/i, detail: 'oauth token' },
  { re: /\bbearer\s+[A-Za-z0-9\-._~+/]{20,}=*/i, detail: 'bearer token' },
  { re: /\bya29\.[0-9A-Za-z_-]{20,}/, detail: 'google access token' },
  { re: /\b1\/\/0[0-9A-Za-z_-]{20,}/, detail: 'google refresh token' },
  { re: /\bGOCSPX-[0-9A-Za-z_-]{20,}/, detail: 'google client secret' },
  { re: /\b(?:rediss?|postgres(?:ql)?|mysql|mongodb(?:\+srv)?):\/\/[^\s:@/]*:[^\s@/]+@/i, detail: 'url with password' },
];

/** Letters and digits only, normalised: the form a leak is compared in. */
function leakForm(s: string): string[] {
  return Array.from(normalizeForMatch(s).replace(/[^\p{L}\p{N}]/gu, ''));
}

const leakCache = new Map<string, Set<string>>();
function promptWindows(prompt: string, size: number): Set<string> {
  const key = `${size}\u0000${prompt}`;
  const hit = leakCache.get(key);
  if (hit) return hit;
  const cps = leakForm(prompt);
  const set = new Set<string>();
  for (let i = 0; i + size <= cps.length; i++) set.add(cps.slice(i, i + size).join(''));
  if (leakCache.size >= 16) leakCache.delete(leakCache.keys().next().value as string);
  leakCache.set(key, set);
  return set;
}

/** True when the reply repeats `size` letters/digits in a row from the prompt. */
function leaksPrompt(reply: string, prompt: string, size: number): boolean {
  const cps = leakForm(reply);
  if (cps.length < size) return false;
  const windows = promptWindows(prompt, size);
  if (windows.size === 0) return false;
  for (let i = 0; i + size <= cps.length; i++) if (windows.has(cps.slice(i, i + size).join(''))) return true;
  return false;
}

function containsSecret(text: string, secrets: readonly string[]): string | undefined {
  const lower = text.toLowerCase();
  for (const s of secrets) {
    if (typeof s !== 'string' || s.length < 6) continue;
    const bare = s.replace(/^oauth:/i, '');
    if (lower.includes(s.toLowerCase()) || (bare.length >= 6 && lower.includes(bare.toLowerCase()))) return 'configured secret';
  }
  for (const { re, detail } of TOKEN_PATTERNS) if (re.test(text)) return detail;
  return undefined;
}

/**
 * Output filter for a reply about to be posted (pass the joined parts, prefix included).
 * Checked in order: empty, reasoning markers, command (starts with "/" or ".", also right
 * after a leading @mention), secret (any of `secrets` of length >= 6, an oauth/bearer/Google
 * token, a URL with a password; `detail` names the kind, never the value), prompt_leak (a run
 * of `leakWindow` letters/digits, default 40, copied from systemPrompt after normalisation),
 * slur (`slurs`, default BUILTIN_SLURS), blocked_word. `detail` holds the matched entry for
 * words and slurs.
 */
export function checkReply(
  text: string,
  opts: { blockedWords: readonly string[]; slurs?: readonly string[]; systemPrompt?: string; secrets?: readonly string[]; leakWindow?: number },
): ReplyVerdict {
  if (sanitizeText(text) === '') return { ok: false, reason: 'empty' };
  const marker = REASONING_MARKERS.find((re) => re.test(text));
  if (marker) return { ok: false, reason: 'reasoning' };
  if (/^\s*(?:@\S+\s+)?[/.]/u.test(sanitizeText(text))) return { ok: false, reason: 'command' };
  const secret = containsSecret(text, opts.secrets ?? []);
  if (secret) return { ok: false, reason: 'secret', detail: secret };
  if (opts.systemPrompt && leaksPrompt(text, opts.systemPrompt, opts.leakWindow ?? DEFAULT_LEAK_WINDOW)) {
    return { ok: false, reason: 'prompt_leak' };
  }
  const slur = findBlockedWord(text, opts.slurs ?? BUILTIN_SLURS);
  if (slur) return { ok: false, reason: 'slur', detail: slur };
  const word = findBlockedWord(text, opts.blockedWords);
  if (word) return { ok: false, reason: 'blocked_word', detail: word };
  return { ok: true };
}
