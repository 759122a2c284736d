/**
 * Trigger detection: does a chat comment address the character, ask a question, or run a
 * chat command? Pure functions of the text and the names; no I/O.
 */

export interface TriggerInfo {
  /** Addresses the character by one of its names (name, aliases, bot login), `@name` included. */
  mention: boolean;
  /** A question in Japanese or English, with or without a question mark. */
  question: boolean;
  /** Starts with `!`: a chat command meant for other bots. */
  command: boolean;
}

export type TriggerMode = 'mention' | 'question' | 'all';

/** Width- and case-insensitive form used by every matcher (full-width ？！Ａ become ?!a). */
export function normalizeText(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

const ASCII = /^[\x00-\x7f]+$/;
const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

interface NameMatcher {
  ascii: RegExp | null;
  other: string[];
}

// Compiled matchers per names array (the character's names are one long-lived array).
const matchers = new WeakMap<readonly string[], NameMatcher>();

function matcherFor(names: readonly string[]): NameMatcher {
  const hit = matchers.get(names);
  if (hit) return hit;
  const ascii: string[] = [];
  const other: string[] = [];
  for (const raw of names) {
    const n = normalizeText(raw).trim().replace(/^@/, '');
    if (!n) continue;
    (ASCII.test(n) ? ascii : other).push(n);
  }
  ascii.sort((a, b) => b.length - a.length);
  const m: NameMatcher = {
    // ASCII names on word boundaries: "botan" matches "@Botan," and "botan-chan", not "botanical".
    ascii: ascii.length ? new RegExp(`(?<![\\p{L}\\p{N}_])(?:${ascii.map(escapeRe).join('|')})(?![\\p{L}\\p{N}_])`, 'u') : null,
    // Japanese names as substrings: "牡丹ちゃん", "ぼたんは".
    other,
  };
  matchers.set(names, m);
  return m;
}

function hasMention(norm: string, names: readonly string[]): boolean {
  const m = matcherFor(names);
  if (m.ascii?.test(norm)) return true;
  for (const n of m.other) if (norm.includes(n)) return true;
  return false;
}

/** A chat command: `!word` (full-width `！` too); a bare "!!!" is a reaction, not a command. */
const COMMAND = /^\s*!\s*[\p{L}\p{N}_]/u;

// Trailing noise stripped before looking at sentence endings: punctuation, laughter, emoji.
const TRAILING = /(?:[\s。、.,!~〜ー…・♪☆★♡❤️)）」』]|\p{Extended_Pictographic}|\uFE0F|w+|草|笑|\(笑\))+$/u;

// Japanese question endings (after trailing noise is removed).
const JA_END = /(?:か|かな|かなぁ|かね|かしら|の|なの|っけ|ですか|ますか|でしょうか)$/u;
// Endings in か that are exclamations, not questions: まじか, そっか, ばか, やっぱりか.
const JA_END_NOT = /(?:まじ|マジ|そっ|そう|ばっ|ば|バ|だめ|ダメ|やっぱり?|やはり|しまった|これ|それ|あれ|なるほど)か$/u;
// Question words; "いつも" (always), "誰か" (someone), "何とか" (somehow) are not questions, nor
// the いつ inside こいつ/あいつ (this/that guy), nor 書いてある (it is written: a statement).
const JA_WORDS =
  /なぜ|何故|なんで|どうして|どう(?:やって|すれば|したら|思う|違う|なの|です|かな|だった|でした|なった|する|いう|いった|やったら|考え)|どっち|どちら|どれ(?!も)|(?<![こそあど])いつ(?![もかでぞ])|どこ(?![もか])|誰(?![かも])|だれ(?![かも])|いくつ|いくら|何(?:が|を|で(?!も)|の|歳|時|色|回目|人|って|て|故|者)|何に|なに|なん(?:の|で|歳|時)|教えて|おしえて|(?:説明し|解説し|比較し|紹介し|書い|まとめ)て(?!ある|あった|いる|いた|る|た)/u;

const EN_LEAD = /^(?:(?:so|but|and|ok|okay|hey|yo|also|btw|wait|hmm+|um+|uh+|then|well|lol|chat|guys|hi|hello|question)[\s,:;-]+)*/u;
const EN_WH = /^(?:why|how|what|when|where|who|whom|whose|which)(?:'s|'re|'d|s\b|\b)/u;
const EN_WH_NOT = /^(?:what an?\b|how (?:cute|cool|nice|sweet|funny|adorable|beautiful|lucky|unlucky|wholesome|rude|dare)\b|when in doubt\b)/u;
const EN_AUX =
  /^(?:is|are|am|was|were|do|does|did|can|could|would|will|should|shall|may|might|have|has|had|isn't|aren't|wasn't|don't|doesn't|didn't|can't|couldn't|won't|wouldn't|shouldn't|haven't)\s+(?:you|u|i|we|they|he|she|it|this|that|there|the|your|ur|my|our|chat|anyone|anybody|someone|everyone|a|an|these|those)\b/u;
// Requests for information count as questions: "explain X", "compare A and B", "tell me …".
const EN_REQUEST = /^(?:explain|compare|describe|define|tell me|show me|list|write (?:me|a|an|some)|give me|help me|walk me|teach me|recommend|suggest)\b/u;
const EN_ANY =
  /\b(?:can (?:you|u)|could you|would you|do (?:you|u)|did you|have you|are (?:you|u)|will you|any ?(?:one|body) know|does anyone|tell me|explain|thoughts on|opinions? on|eli5|wdyt)\b/u;

function isQuestion(norm: string): boolean {
  if (norm.includes('?')) return true;
  const trimmed = norm.trim();
  // Only the tail matters for sentence endings (and keeps long comments linear).
  const body = trimmed.slice(-64).replace(TRAILING, '');
  if (body && JA_END.test(body) && !JA_END_NOT.test(body)) return true;
  if (JA_WORDS.test(norm)) return true;
  // English: look at the start of each sentence/clause, after fillers and a leading name.
  for (const part of trimmed.split(/[.!;\n]+|,\s+/)) {
    const p = part.trim().replace(/^@\S+\s*/, '').replace(EN_LEAD, '');
    if (!p) continue;
    if (EN_WH.test(p) && !EN_WH_NOT.test(p)) return true;
    if (EN_AUX.test(p) || EN_REQUEST.test(p)) return true;
  }
  return EN_ANY.test(norm);
}

export function analyzeTrigger(text: string, names: readonly string[]): TriggerInfo {
  const norm = normalizeText(text);
  const command = COMMAND.test(norm);
  return {
    mention: hasMention(norm, names),
    question: !command && isQuestion(norm),
    command,
  };
}

/**
 * Whether a comment is answered under the `trigger` control: mention => only mentions;
 * question => mentions or questions; all => everything that is not a command and not empty.
 * Commands are never answered.
 */
export function isTriggered(info: TriggerInfo, mode: TriggerMode, text: string): boolean {
  if (info.command || text.trim() === '') return false;
  switch (mode) {
    case 'mention':
      return info.mention;
    case 'question':
      return info.mention || info.question;
    case 'all':
      return true;
  }
}
