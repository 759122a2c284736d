/**
 * Model answer -> chat messages. Pure functions: markdown to plain text, link removal,
 * control-character scrubbing and splitting into platform-sized messages.
 */

/** Code blocks longer than this (code points, joined on one line) are dropped, not inlined. */
export const MAX_INLINE_CODE = 150;

const graphemeSegmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Code point length. */
export function cpLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

// ---------------------------------------------------------------------------------------
// sanitizeText

/** Only for `.replace` (global): a surrogate half without its pair. */
export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/** mIRC colour code with its digits (`\x0304,07`), so the digits do not stay behind. */
const IRC_COLOR = /\x03(?:\d{1,2}(?:,\d{1,2})?)?/g;
const LINE_BREAK = /[\r\n\t\v\f\u0085\u2028\u2029\u2800]/g;
/** Only for `.replace` (global): C0 and C1 control characters. */
export const CONTROL = /[\u0000-\u001F\u007F-\u009F]/g;
/**
 * The one list of characters that show nothing: zero-width, bidi controls and marks, soft
 * hyphen, Hangul and Khmer fillers, deprecated format controls, interlinear annotation.
 * ZWJ, variation selectors and tag characters are not in it: they carry emoji and flags,
 * so sanitizeText keeps them where they belong and normalizeForMatch adds them to its class.
 * A character-class body (escapes as text) for `new RegExp`.
 */
export const INVISIBLE_CHARS =
  '\\u00AD\\u034F\\u061C\\u115F\\u1160\\u17B4\\u17B5\\u180E\\u200B\\u200C\\u200E\\u200F\\u202A-\\u202E' +
  '\\u2060-\\u2064\\u2066-\\u206F\\u3164\\uFEFF\\uFFA0\\uFFF9-\\uFFFB';
const INVISIBLE = new RegExp(`[${INVISIBLE_CHARS}]`, 'g');
const STRAY_ZWJ = /(?<![\p{Extended_Pictographic}\u{1F3FB}-\u{1F3FF}\uFE0F])\u200D|\u200D(?!\p{Extended_Pictographic})/gu;
/** Unicode tag characters hide text from humans (prompt smuggling); keep them only in subdivision flags. */
const TAGS = /(\u{1F3F4}[\u{E0020}-\u{E007E}]{1,8}\u{E007F})|[\u{E0000}-\u{E007F}]/gu;
const VS_RUN = /([\uFE00-\uFE0F\u{E0100}-\u{E01EF}])[\uFE00-\uFE0F\u{E0100}-\u{E01EF}]+/gu;
/** At most this many combining marks on one base character (stops "Zalgo" floods). */
const MAX_MARKS = 4;
const MARK_FLOOD = new RegExp(`(\\p{M}{${MAX_MARKS}})\\p{M}+`, 'gu');

/**
 * Remove C0/C1 control chars, CR, LF, NUL, bidi controls, zero-width chars, lone surrogates,
 * Unicode tag characters and combining-mark floods; line breaks become spaces; whitespace is
 * collapsed to single spaces and trimmed. ZWJ survives only between emoji (family emoji).
 */
export function sanitizeText(s: string): string {
  return s
    .replace(LONE_SURROGATE, '')
    .replace(IRC_COLOR, '')
    .replace(LINE_BREAK, ' ')
    .replace(CONTROL, '')
    .replace(INVISIBLE, '')
    .replace(STRAY_ZWJ, '')
    .replace(TAGS, (_m, flag: string | undefined) => flag ?? '')
    .replace(VS_RUN, '$1')
    .replace(MARK_FLOOD, '$1')
    .replace(/\s+/gu, ' ')
    .trim();
}

// ---------------------------------------------------------------------------------------
// markdownToChat

const HAS_JA_ZH = /[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}]/u;
const CJK_OR_FULLWIDTH_END = /[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}ー。、！？：」』）]$/u;
const CJK_START = /^[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}「『（]/u;
const HAS_CJK = /[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Hangul}]/u;
const ENDS_PUNCT = /[.!?。！？…:：;；,，、)）」』"”'’]$/u;

type Block = { kind: 'para' | 'heading' | 'item' | 'row' | 'code'; text: string };

function inline(s: string): string {
  const code: string[] = [];
  let t = s.replace(/\u0000/g, '');
  const hold = (text: string): string => `\u0000${code.push(text) - 1}\u0000`;
  t = t
    .replace(/(`+)(?!`)([\s\S]*?[^`])\1(?!`)/g, (_m, _f, body: string) => hold(body.trim()))
    .replace(/\\([\\`*_{}[\]()#+\-.!|~<>])/g, (_m, ch: string) => hold(ch));
  t = t
    .replace(/!\[[^\]]*\]\([^)]*\)/g, '')
    .replace(/\[([^\]]+)\]\(\s*<?[^)\s>]*>?(?:\s+"[^"]*")?\s*\)/g, '$1')
    .replace(/\[([^\]]+)\]\[[^\]]*\]/g, '$1')
    .replace(/<((?:https?|ftp):\/\/[^>\s]+)>/gi, '$1')
    .replace(/<\/?br\s*\/?>/gi, ' ')
    .replace(/<\/?[a-z][a-z0-9-]*(?:\s[^<>]*)?\/?>/gi, '')
    .replace(/(\*\*|__)(?=\S)([\s\S]*?\S)\1/g, '$2')
    .replace(/~~(?=\S)([\s\S]*?\S)~~/g, '$1')
    .replace(/(?<!\*)\*(?=[^\s*])([^*]*?[^\s*])\*(?!\*)/g, '$1')
    .replace(/(?<![\p{L}\p{N}_])_(?=[^\s_])([^_]*?[^\s_])_(?![\p{L}\p{N}_])/gu, '$1')
    .replace(/\*{2,}|_{2,}|~{2,}/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&amp;/g, '&');
  return t.replace(/\u0000(\d+)\u0000/g, (_m, i: string) => code[Number(i)] ?? '').trim();
}

function codeBlock(lines: string[]): string {
  const text = lines.map((l) => l.trim()).filter(Boolean).join(' ');
  return cpLength(text) > MAX_INLINE_CODE ? '' : text;
}

function terminate(text: string, kind: Block['kind'], last: boolean): string {
  if (kind === 'para' || kind === 'code' || ENDS_PUNCT.test(text)) return text;
  const cjk = HAS_JA_ZH.test(text);
  if (kind === 'heading' && !last) return text + (cjk ? '：' : ':');
  return text + (cjk ? '。' : '.');
}

function tableRow(line: string): string {
  const cells = line
    .trim()
    .replace(/^\|/, '')
    .replace(/(?<!\\)\|$/, '')
    .split(/(?<!\\)\|/)
    .map((c) => inline(c.replace(/\\\|/g, '|')))
    .filter(Boolean);
  return cells.join(HAS_CJK.test(line) ? '、' : ', ');
}

/**
 * Markdown -> plain chat text: headings (and lines of bold text only) end in ":" (list items and table rows end as
 * sentences), table cells are joined with ", " (or "、"), code fences are inlined (or dropped
 * when longer than MAX_INLINE_CODE), links keep their text, images are dropped, blockquote and
 * emphasis markers removed; whitespace collapsed to single spaces.
 */
export function markdownToChat(s: string): string {
  const blocks: Block[] = [];
  let fence: { marker: string; lines: string[] } | null = null;
  for (const raw of s.replace(/\r\n?/g, '\n').split('\n')) {
    if (fence) {
      const close = /^\s{0,3}(`{3,}|~{3,})\s*$/.exec(raw);
      if (close && close[1]![0] === fence.marker[0] && close[1]!.length >= fence.marker.length) {
        blocks.push({ kind: 'code', text: codeBlock(fence.lines) });
        fence = null;
      } else fence.lines.push(raw);
      continue;
    }
    const open = /^\s{0,3}(`{3,}|~{3,})/.exec(raw);
    if (open) {
      fence = { marker: open[1]!, lines: [] };
      continue;
    }
    const line = raw.replace(/^\s*(?:>\s?)+/, '');
    if (/^\s*$/.test(line)) continue;
    if (/^\s{0,3}(?:[-*_]\s*){3,}$/.test(line) || /^\s{0,3}=+\s*$/.test(line)) continue;
    if (/^\s{0,3}\[[^\]]+\]:\s*\S+/.test(line)) continue;
    const heading = /^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line);
    if (heading) {
      blocks.push({ kind: 'heading', text: inline(heading[1]!) });
      continue;
    }
    // a line that is nothing but bold text, not a sentence, is a heading the way models write
    // one ("**メリット**"): it keeps its separator instead of running into the next line
    const bold = /^\s*(\*\*|__)(?=\S)(.*\S)\1\s*$/.exec(line);
    if (bold && !/[*_]{2}|^[*_]|[*_]$/.test(bold[2]!) && !/[.!?。！？…]$/u.test(bold[2]!)) {
      blocks.push({ kind: 'heading', text: inline(bold[2]!) });
      continue;
    }
    if (/^\s*\|/.test(line)) {
      if (/^\s*\|?(?:\s*:?-{2,}:?\s*\|)+\s*(?::?-{2,}:?\s*)?$/.test(line)) continue;
      blocks.push({ kind: 'row', text: tableRow(line) });
      continue;
    }
    const item = /^\s*(?:[-*+•・]|\d{1,3}[.)])\s+(.*)$/.exec(line);
    if (item) {
      blocks.push({ kind: 'item', text: inline(item[1]!) });
      continue;
    }
    blocks.push({ kind: 'para', text: inline(line) });
  }
  if (fence) blocks.push({ kind: 'code', text: codeBlock(fence.lines) });
  const kept = blocks.filter((b) => b.text.trim() !== '');
  let out = '';
  kept.forEach((b, i) => {
    const text = terminate(b.text.trim(), b.kind, i === kept.length - 1);
    // Japanese and Chinese do not put spaces between sentences
    out += out === '' || (CJK_OR_FULLWIDTH_END.test(out) && CJK_START.test(text)) ? text : ` ${text}`;
  });
  return out.replace(/\s+/gu, ' ').trim();
}

// ---------------------------------------------------------------------------------------
// removeLinks

/** Top-level domains treated as links even without a path ("example.com"); file names like
 *  "node.js" or "README.md" are not links. With a path ("x.yz/abc") any TLD counts. */
const COMMON_TLDS = new Set(
  ('com net org edu gov mil int io gg tv jp co uk me ly xyz app dev info biz us ru cn de fr kr tw hk ' +
    'to cc link site online live shop store club top vip fun icu ai gl gd fm ws pw tk ml ga cf page ' +
    'blog news tech moe social chat zone world space click lol win bet art games ninja pro')
    .split(' '),
);
const URL_CHARS = "[A-Za-z0-9\\-._~:/?#\\[\\]@!$&'()*+,;=%]";
const SCHEME_URL = new RegExp(`\\b[a-z][a-z0-9+.-]{1,15}://${URL_CHARS}+`, 'gi');
const WWW_URL = new RegExp(`(?<![\\w.-])www\\d{0,3}\\.${URL_CHARS}+`, 'gi');
const BARE_URL = new RegExp(
  `(?<![\\w@.-])((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\\.)+([a-z]{2,24}))(?::\\d{1,5})?(/${URL_CHARS}*)?(?![\\w-])`,
  'gi',
);
const IP_URL = new RegExp(`(?<![\\w.])\\d{1,3}(?:\\.\\d{1,3}){3}(?::\\d{1,5})?/${URL_CHARS}*`, 'g');
/** Spelled-out invites ("discord . gg / abc", "discord dot gg/abc"). */
const SPACED_INVITE = /discord\s*(?:\.|\[\.\]|\(\.\)|dot)\s*(?:gg|com\s*\/\s*invite|me)\s*\/\s*[A-Za-z0-9-]+/gi;
const TRAILING_PUNCT = /[.,!?;:'"\]]+$|\)+$/;

function hostOf(url: string): string {
  const noScheme = url.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const authority = noScheme.split(/[/?#]/)[0] ?? '';
  const host = authority.slice(authority.lastIndexOf('@') + 1).replace(/:\d*$/, '');
  return host.toLowerCase().replace(/\.$/, '');
}

function allowed(host: string, domains: readonly string[]): boolean {
  return domains.some((d) => {
    const dom = d.trim().toLowerCase().replace(/^\*?\./, '');
    return dom !== '' && (host === dom || host.endsWith(`.${dom}`));
  });
}

/**
 * Remove URLs and invite links (scheme://, www., discord.gg/..., bare domain.tld/path, bare
 * domains with a common TLD, IPv4 with a path) unless the host is in allowedDomains or a
 * subdomain of one. Sentence punctuation right after a URL is kept.
 */
export function removeLinks(s: string, allowedDomains: readonly string[]): string {
  const replace = (m: string): string => {
    const trail = TRAILING_PUNCT.exec(m)?.[0] ?? '';
    const url = m.slice(0, m.length - trail.length);
    return allowed(hostOf(url), allowedDomains) ? m : trail;
  };
  const once = (t: string): string =>
    t
      .replace(SPACED_INVITE, '')
      .replace(SCHEME_URL, replace)
      .replace(WWW_URL, replace)
      .replace(IP_URL, replace)
      .replace(BARE_URL, (m: string, _host: string, tld: string, path: string | undefined) =>
        path || COMMON_TLDS.has(tld.toLowerCase()) ? replace(m) : m,
      );
  // a removal can bring two fragments together into a new link: repeat until nothing changes
  let out = s;
  for (let i = 0; i < 4; i++) {
    const next = once(out);
    if (next === out) break;
    out = next;
  }
  if (out === s) return s;
  // tidy the holes: "see , and ." -> "see, and."
  return out
    .replace(/[ \t]+(?=[.,!?;:。、！？](?:\s|$))/g, '')
    .replace(/([,、])(?:\s*[,、])+/g, '$1')
    .replace(/[ \t]{2,}/g, ' ');
}

// ---------------------------------------------------------------------------------------
// splitMessages

const CJK_TERMINATOR = /^[。！？．…‥]$/u;
const ASCII_TERMINATOR = /^[.!?]$/;
const CLOSER = /^[」』）)\]】"”'’〉》]$/u;
const CLAUSE = /^[、，,;；:：]$/u;
const WORDISH = /^[A-Za-z0-9.!?]$/;

interface Cut {
  /** String index where the chunk ends. */
  end: number;
  /** Code points up to `end`. */
  cp: number;
}

interface Boundaries {
  sentence?: Cut;
  clause?: Cut;
  space?: Cut;
  /** Last grapheme boundary within the limit (undefined when the first grapheme is too long). */
  grapheme?: Cut;
}

/** The last boundary of each kind whose chunk fits in `limit` code points. */
function boundaries(text: string, limit: number): Boundaries {
  // only the head can hold a cut: `limit` code points are at most 2*limit code units, plus
  // slack to see the grapheme after the cut
  const head = text.length > limit * 2 + 64 ? text.slice(0, limit * 2 + 64) : text;
  const gs = Array.from(graphemeSegmenter.segment(head), (g) => g.segment);
  const out: Boundaries = {};
  let idx = 0;
  let cp = 0;
  for (let i = 0; i < gs.length; i++) {
    const g = gs[i]!;
    const gcp = cpLength(g);
    if (/^\s+$/u.test(g) && cp > 0) out.space = { end: idx, cp };
    if (cp + gcp > limit) break;
    idx += g.length;
    cp += gcp;
    out.grapheme = { end: idx, cp };
    const next = gs[i + 1];
    const nextBreaks = next === undefined || /^\s/u.test(next);
    if (g === '\n') out.sentence = { end: idx, cp };
    else if (CJK_TERMINATOR.test(g) || ASCII_TERMINATOR.test(g) || CLOSER.test(g)) {
      const endsSentence = CLOSER.test(g) ? endsWithTerminator(gs, i) : true;
      const continues = next !== undefined && (CLOSER.test(next) || CJK_TERMINATOR.test(next) || ASCII_TERMINATOR.test(next));
      const asciiOk = !ASCII_TERMINATOR.test(g) || nextBreaks || !WORDISH.test(next ?? '');
      if (endsSentence && !continues && asciiOk) out.sentence = { end: idx, cp };
    } else if (CLAUSE.test(g) && (nextBreaks || !/^[,;:]$/.test(g))) out.clause = { end: idx, cp };
  }
  return out;
}

function endsWithTerminator(gs: string[], i: number): boolean {
  let j = i;
  while (j >= 0 && CLOSER.test(gs[j]!)) j--;
  return j >= 0 && (CJK_TERMINATOR.test(gs[j]!) || ASCII_TERMINATOR.test(gs[j]!));
}

/** Cut inside one over-long grapheme: at a code point boundary. */
function codePointCut(text: string, limit: number): Cut {
  let idx = 0;
  for (let n = 0; n < Math.max(1, limit); n++) idx += (text.codePointAt(idx) ?? 0) > 0xffff ? 2 : 1;
  return { end: Math.min(idx, text.length), cp: Math.max(1, limit) };
}

function pickCut(text: string, limit: number, preferSentence: boolean): { cut: Cut; sentence: boolean } {
  const b = boundaries(text, limit);
  const word = [b.clause, b.space].reduce<Cut | undefined>((a, c) => (c && (!a || c.cp > a.cp) ? c : a), undefined);
  if (b.sentence && b.sentence.cp >= limit * (preferSentence ? 0.3 : 0.5)) return { cut: b.sentence, sentence: true };
  if (word && word.cp >= limit / 4) return { cut: word, sentence: false };
  if (b.sentence && !preferSentence) return { cut: b.sentence, sentence: true };
  return { cut: b.grapheme ?? codePointCut(text, limit), sentence: false };
}

/**
 * Split into at most maxMessages messages, each at most maxChars code points including
 * `prefix` (put at the start of every part). Cuts at sentence boundaries (。！？!?. and
 * newlines), else at a clause or word boundary, else at a grapheme boundary (ZWJ emoji and
 * flags stay whole; a single grapheme longer than the room is cut at a code point). When the
 * text does not fit, the last part ends at a sentence boundary if one is in its last 70%,
 * else it is cut at a word and ends with "…". Throws RangeError when the prefix leaves no room.
 */
export function splitMessages(text: string, opts: { maxChars: number; maxMessages: number; prefix?: string }): string[] {
  const prefix = opts.prefix ?? '';
  const room = opts.maxChars - cpLength(prefix);
  if (room < 1) throw new RangeError(`splitMessages: prefix of ${cpLength(prefix)} code points leaves no room in ${opts.maxChars}; pass a shorter prefix`);
  if (!(opts.maxMessages >= 1)) throw new RangeError('splitMessages: maxMessages must be at least 1');
  const parts: string[] = [];
  let rest = text.trim();
  while (rest !== '' && parts.length < opts.maxMessages) {
    if (cpLength(rest) <= room) {
      parts.push(prefix + rest);
      break;
    }
    const last = parts.length === opts.maxMessages - 1;
    if (!last) {
      const { cut } = pickCut(rest, room, false);
      parts.push(prefix + rest.slice(0, cut.end).trimEnd());
      rest = rest.slice(cut.end).trimStart();
      continue;
    }
    const atSentence = pickCut(rest, room, true);
    if (atSentence.sentence) {
      parts.push(prefix + rest.slice(0, atSentence.cut.end).trimEnd());
    } else {
      const { cut } = pickCut(rest, room - 1, false);
      const chunk = rest.slice(0, cut.end).replace(/[\s、，,;；:：]+$/u, '');
      parts.push(`${prefix}${chunk}…`);
    }
    break;
  }
  return parts;
}

// ---------------------------------------------------------------------------------------
// formatForChat

/** Leading characters that make a chat line a command: Twitch "/" and "." commands, and "!"
 *  which other bots (Nightbot, StreamElements) read as theirs. */
const COMMAND_LEAD = /^[\s/.!]+/u;

/** @mentions kept in an answer body; later ones lose their "@" so a reply cannot mass-ping. */
export const MAX_MENTIONS = 2;

function limitMentions(s: string): string {
  let n = 0;
  return s.replace(/(^|\s)@(?=[\p{L}\p{N}_])/gu, (m, sp: string) => (++n <= MAX_MENTIONS ? m : sp));
}

/** Strip leading "/", "." and "!" so a line can never run a chat command. */
export function stripCommandLead(s: string): string {
  return s.replace(COMMAND_LEAD, '');
}

/**
 * Whole pipeline for a model answer: markdownToChat -> sanitizeText -> removeLinks -> sanitizeText -> no
 * leading "/", "." or "!" in any part (also right after the prefix) -> splitMessages. Only the
 * first MAX_MENTIONS @mentions of the body keep their "@". The prefix (e.g. "@name ") is
 * sanitized too. Returns [] when nothing is left.
 */
export function formatForChat(
  raw: string,
  opts: { maxChars: number; maxMessages: number; prefix?: string; allowedLinkDomains: readonly string[] },
): string[] {
  const rawPrefix = opts.prefix ?? '';
  const cleanPrefix = sanitizeText(rawPrefix);
  const prefix = cleanPrefix === '' ? '' : stripCommandLead(cleanPrefix) + (/\s$/u.test(rawPrefix) ? ' ' : '');
  // sanitize before removeLinks too, so a zero-width char cannot hide a link from it
  const text = stripCommandLead(limitMentions(sanitizeText(removeLinks(sanitizeText(markdownToChat(raw)), opts.allowedLinkDomains))));
  if (text === '') return [];
  return splitMessages(text, { maxChars: opts.maxChars, maxMessages: opts.maxMessages, prefix })
    .map((p) => stripCommandLead(p.slice(prefix.length)))
    .filter((body) => body !== '')
    .map((body) => prefix + body);
}

/**
 * The text up to the end of its last complete sentence, or '' when no sentence ends in it:
 * for an answer the model had to stop mid-sentence (Ollama's `done_reason: "length"`).
 */
export function upToLastSentence(text: string): string {
  const t = text.trimEnd();
  const b = boundaries(t, cpLength(t));
  return b.sentence ? t.slice(0, b.sentence.end).trim() : '';
}
