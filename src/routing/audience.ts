/**
 * "Is this comment for me?": decided before "how hard is it?". Real chat is mostly talk
 * among viewers: rants at the chat, the mods or another viewer, bait, emote walls, shouting,
 * laughter and copypastas that happen to end in a question mark. A comment that fails here
 * is not answered under trigger=question and never goes to the slow model, whatever its
 * complexity score.
 *
 * Pure and fast (a few µs): named rules with weights, like the complexity rules, so
 * `botctl explain` can say which fired. The weights add up; a comment is for the character
 * while the sum stays below NOT_FOR_ME_AT. Addressing the character (a mention of one of
 * its names, or a platform reply to the bot) weighs -1 and so outweighs any one noise rule.
 * Patterns run on the NFKC-normalised, lower-cased text (see normalizeText); caps and emote
 * names are read from the original text.
 */
import type { RuleHit } from './classify.js';
import { EMOTE_NAMES, ENGLISH_WORD_EMOTES } from './emote-names.js';
import { normalizeText } from './trigger.js';

/** A comment whose audience score reaches this is not for the character. */
export const NOT_FOR_ME_AT = 0.5;

/** Every rule's weight, by its stable name (shown by botctl explain, recorded in logs). */
export const AUDIENCE_WEIGHTS = {
  /** Mentions the character by name, or is a platform reply to the bot. */
  addresses_character: -1,
  /** `@someone` who is not the character: talk between viewers. */
  at_other_user: 0.6,
  /** About or to the moderators ("mods why…", "ban him mods"). */
  to_mods: 0.6,
  /** Spoken to the chat as a whole ("chat is this real?", "guys…", 「お前ら」). */
  to_chat: 0.5,
  /** Telling others to stop, shut up, calm down. */
  request_to_others: 0.2,
  /** Insults and bait ("are they racist?", "cringe", 「ゴミ」). */
  loaded_wording: 0.5,
  /** Talks about the streamer in the third person ("is this streamer…", "is she always like this?"). */
  third_person_streamer: 0.5,
  /** Japanese chat's meta-noise: 弾幕, コピペ, 荒らし, 連投, 定期, chain letters, 【悲報】. */
  ja_meta_noise: 0.5,
  /** Chat about chat: "copypasta", "copy and paste this", "if you see this". */
  meta_noise: 0.5,
  /** Half or more of the words are emotes or emoji. */
  emote_wall: 0.6,
  /** A third or more of the words are emotes (two at least). */
  emote_heavy: 0.3,
  /** Mostly capital letters. */
  shouting: 0.5,
  /** The same words over and over. */
  repetition: 0.4,
  /** One character repeated many times ("??????", "AAAAAAA"). */
  char_run: 0.25,
  /** Laughter (ｗｗｗ, 草, 888, lol, lmao) is half the text or more. */
  laughter_share: 0.5,
  /** Almost nothing to answer once emotes, laughter and punctuation are gone ("why?", "え？"). */
  low_information: 0.5,
  /** ASCII or braille art. */
  ascii_art: 1,
} as const;
export type AudienceRule = keyof typeof AUDIENCE_WEIGHTS;

export interface AudienceInput {
  /** The comment as the viewer wrote it (not normalised). */
  text: string;
  /** The text names the character (trigger analysis: name, alias, bot login, `@name`). */
  mention: boolean;
  /** A platform reply to one of the bot's own messages. */
  repliesToBot?: boolean;
  /** Emote names the platform marked in this comment (Twitch `emotes` tag), if any. */
  platformEmotes?: readonly string[];
  /** More emote names (EMOTES_FILE), on top of the shipped list. */
  extraEmotes?: ReadonlySet<string>;
}

export interface AudienceVerdict {
  /** Addressed to the character, or a genuine question it should take. */
  forMe: boolean;
  /** Sum of the fired rules' weights (NOT_FOR_ME_AT or more: not for the character). */
  score: number;
  rules: RuleHit[];
}

// Only the start of a very long comment is read: a copypasta shows itself early, and the
// decision stays in microseconds whatever the length (Twitch allows 500 characters).
const MAX_READ = 300;

const EXACT = new Set(EMOTE_NAMES);
const LOWER = new Set(EMOTE_NAMES.map((n) => n.toLowerCase()).filter((n) => !ENGLISH_WORD_EMOTES.has(n)));
const SHORTCODE = /(:[\p{L}\p{N}_-]{1,40}:)/gu;
const SHORTCODE_TOKEN = /^:[\p{L}\p{N}_-]{1,40}:$/u;
const EMOJI_ONLY = /^(?:\p{Extended_Pictographic}|\p{Emoji_Modifier}|\p{Regional_Indicator}|[\uFE0F\u200D\u20E3])+$/u;
const EDGE_PUNCT = /^[\s.,!?;:'"“”‘’()（）「」『』【】、。！？…~〜・*]+|[\s.,!?;:'"“”‘’()（）「」『』【】、。！？…~〜・*]+$/gu;
const LAUGH_TOKEN = /^(?:w{2,}|草+|笑+|8{3,}|ｗ+|lo+l+|lmf?a+o+|ha(?:ha)+h?|a?ha(?:ha)+|kek|xd+|rofl)$/u;
const LAUGH_CHARS = /w{2,}|草+|笑|8{3,}|\blo+l+\b|\blmf?a+o+\b|\b(?:ha){2,}\b/gu;

const AT_USER = /(?:^|\s)@[\p{L}\p{N}_]{2,}/u;
const TO_MODS =
  /^@?mods?\b|,\s*mods\s*[?!.]*$|\bmods? (?:pls|please|plz|ban|timeout|delete|help|where|wake up|asleep|sleeping|are (?:asleep|sleeping|banning|deleting|timing|abusing|useless|corrupt|power)|r (?:asleep|banning|useless))\b|\bwhy (?:are|did|do|is|would|were|does) (?:the |these |ur |your |all the )?mods?\b|\b(?:ban|timeout|time out) (?:him|her|them|this guy|that guy)\b|モデレーター|モデさん|^モデ[\s、,]/u;
const TO_CHAT =
  /^(?:(?:hey|hi|hello|yo|ok|okay|so|and|but)[\s,]+)?@?(?:chat|chatters|guys|y'?all|everyone|everybody|people|folks|peeps|boys|bros|lads|gamers|fellas|homies|bro|dude|bruh)\b(?!['’]s\b)|,\s*(?:chat|guys|y'?all|everyone|bro|dude|bruh|boys)\s*[?!.]*$|\b(?:you|u) guys\b|@chat\b|\bchat (?:is|are|did|do|can|should|will|would|stop|pls|please|calm|relax|chill|help|explain)\b|\banyone else\b|\b(?:is it|or) just me\b|\bam i the only one\b|\b(?:someone|somebody|anyone) (?:clip|pls|please|ban|report)\b|\bclip (?:it|that|this)\b|\beveryone (?:in (?:this |the )?chat|here)\b|\byou people\b|^(?:so |ok |okay )?who(?:'s| is|s) (?:here|still here|watching|still watching)\b|\banyone here from\b|(?:^|\bcan we |\blet'?s |\beveryone )(?:get|type|drop|spam|put|post) (?:a |an |some |your )?\S+ in (?:the )?chat\b|(?:誰|だれ)か(?![^?？]*(?:教え|おしえ|知っ|わか|分か))[^?？]{0,15}(?:て|れ|ろ)[!！?？w草]*$|^(?:みんな|皆|みなさん|皆さん)(?!で)|みんな(?:は|も)(?:どう|何|なに|いつ|どこ)|^(?:おまえら|お前ら|オマエら|リスナー|他の(?:人|リスナー))|お前ら|おまえら|コメ欄|指示厨/u;
const REQUEST_TO_OTHERS =
  /\b(?:stop|quit) (?:\w+ing|it|that|this|the spam)\b|\bshut up\b|\bcalm down\b|\bchill out\b|\bpls stop\b|\bplease stop\b|やめろ|やめて(?:くれ|ください)?$|黙れ|静かに|落ち着け/u;
const LOADED =
  /\b(?:racist|racism|sexist|nazis?|fascists?|groomer|pedo|cringe|ratio|cope|seethe|malding|cuck|incel|woke|1984|stfu|kys|retard(?:ed)?|trash|dogshit|washed|fell off|clickbait|unsub(?:bed)?|unfollow(?:ed)?|who asked|nobody asked|no one asked|touch grass|skill issue|get a job|ur mom|your mom|yo mama|simps?|virgins?|loser|idiots?|(?<!dumb |stupid )(?:stupid|dumb)(?! question)|clowns?|scam(?:mer|ming)?|rigged|scripted|shill|sellout|sold out|biased|censoring|censored|banned for|got banned|timed out for|hypocrite|pathetic|disgusting|change my mind|prove me wrong|who even|who cares|makes you think|unpopular opinion|no offen[cs]e but|just saying)\b|\b(?:is|was) (?:that|this|it) even (?:legal|real|possible|allowed|human|a thing)(?: lol| lmao| bro)*[\s?!.]*$|アンチ|晒し|晒す|ゴミ|ごみ(?:配信|すぎ)|カス|下手くそ|へたくそ|ヘタクソ|つまらん|つまんね|消えろ|死ね|しね(?:よ|ば)|黙れ|通報|垢ban|banされ|差別|やらせ|台本(?:通り|だろ|でしょ)|炎上|オワコン|にわか|老害|キッズ|きっしょ|キモ|きもい|うざ|ウザ|ざまぁ|ざまあ|雑魚|ざこ|民度/u;
const THIRD_PERSON =
  /\b(?:the|this|that|our|ur|your)(?: same| new| other)? (?:streamer|vtuber|host)\b|\b(?:is it true|i heard|did you hear|rumou?r (?:is|says)) (?:that )?(?:she|he)\b|この配信者|配信者(?:って|は|が|さん(?:って|は|が))|この(?:vtuber|ライバー)|(?:こいつ|あいつ)(?:いつも|毎回|また|ほんと|本当|まじ)|\bthis (?:guy|dude|girl|chick)\b|\bis (?:she|he) (?:always|actually|really|even|just|usually|like|so|this|that|good|bad|new|okay|ok)\b|\b(?:she|he)(?:'s| is) (?:so|such|actually|always|really|literally|kinda|pretty)\b|\bdoes (?:she|he) (?:always|ever|even|actually|really)\b/u;
const META = /\bcopypasta\b|\bcopy (?:and|&|n) paste\b|\b(?:copy|paste|spam|spread) (?:this|it)\b|\bif you (?:see|read) this\b|\bpaste (?:it|this) in\b/u;
const JA_META = /弾幕|コピペ|こぴぺ|荒らし|このコメントを見た|貼らないと|拡散(?:希望|して)|【(?:悲報|朗報|速報)】|あらし(?:に|は|が|を|だ)|連投|スパム|定期(?:$|[\s!！])|自治厨|指示(?:コメ|厨)|ngワード|ng推奨|ブロック推奨|反応するな|構うな|かまうな|スルー(?:で|しろ|推奨|して)/u;
const ART = /[\u2800-\u28ff]{3,}|[\u2500-\u259f]{4,}/u;
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
/** A Japanese comment made only of bare reactions (え, えっ, まって, なにこれ, は?) once laughter and punctuation are gone. */
const JA_REACTION_ONLY =
  /^(?:[\s、,・.。!?]*(?:え+っ?|えぇ+|は+っ?|はぁ+|ま+っ?て|待って|なにこれ|何これ|なんだこれ|なんじゃこりゃ|なにそれ|何それ|うそ|嘘|まじ|やば|やばい|ちょ|おい|あ+|ん+|へぇ*|ほんと|本当|どういうこと))+[\s、,・.。!?]*$/u;
/** The same, with a bare "why?/what?" (なんで, なに): a reaction only when laughter goes with it (なんで？ｗｗｗ); alone it may ask her. */
const JA_REACTION_LAUGHING =
  /^(?:[\s、,・.。!?]*(?:え+っ?|は+っ?|なにこれ|何これ|なにそれ|何それ|なんで|なに|何|まじ|やば|ちょ|おい))+[\s、,・.。!?]*$/u;
const HAS_KANA = /[\u3040-\u30ff]/u;
/** "what was that", "what the hell was that": an exclamation about what just happened, not a question about what is on screen ("what is that?"). */
const WHAT_WAS_THAT = /^(?:\s(?:ok|okay|but|so|wait|bro|dude|lol|omg))*\s(?:what|wtf)(?:\s(?:the|in the) (?:hell|heck|world|fuck))?\s(?:was|were)\s(?:that|this|it)$/u;

const isCjk = (c: number): boolean => (c >= 0x3040 && c <= 0x30ff) || (c >= 0x3400 && c <= 0x9fff) || (c >= 0xf900 && c <= 0xfaff) || (c >= 0xac00 && c <= 0xd7af);
const isSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13) || c === 0x3000 || c === 0xa0;

/** One pass over the normalised text: visible characters, symbols, the longest run of one character, and whether laughter may be present. */
function textShape(norm: string): { visible: number; symbols: number; longestRun: number; maybeLaugh: boolean } {
  let visible = 0;
  let symbols = 0;
  let longestRun = 0;
  let run = 0;
  let prev = -1;
  let maybeLaugh = false;
  for (let i = 0; i < norm.length; i++) {
    const c = norm.charCodeAt(i);
    if (isSpace(c)) {
      prev = -1;
      run = 0;
      continue;
    }
    visible++;
    // w, 8, 草, 笑, ー, 〜, ~, ., …: laughter and stretching, counted by their own rules
    const stretch = c === 119 || c === 56 || c === 0x8349 || c === 0x7b11 || c === 0x30fc || c === 0xff70 || c === 0x301c || c === 126 || c === 46 || c === 0x2026;
    if (c === 119 || c === 56 || c === 0x8349 || c === 0x7b11 || c === 108 || c === 104) maybeLaugh = true;
    if (c === prev && !stretch) {
      run++;
      if (run > longestRun) longestRun = run;
    } else run = 1;
    prev = c;
    const ascii = c < 128;
    if (ascii ? !((c >= 48 && c <= 57) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90)) : !isCjk(c) && !(c >= 0xd800 && c <= 0xdfff) && !LETTER_OR_DIGIT.test(norm[i]!)) symbols++;
    else if (c >= 0xd800 && c <= 0xdbff) symbols++; // emoji and other astral symbols
  }
  return { visible, symbols, longestRun, maybeLaugh };
}

/** Words that carry no request on their own ("wait what", "oh no", "bro what"). */
const REACTION_WORDS = new Set(
  ['wait', 'what', 'huh', 'bro', 'bruh', 'dude', 'omg', 'oh', 'ohh', 'no', 'nooo', 'yes', 'yeah', 'yea', 'nah', 'ok', 'okay', 'wow', 'damn', 'wtf', 'hmm', 'uh', 'um', 'man', 'so', 'really', 'sure', 'right', 'true', 'same', 'yo', 'hey', 'lol', 'lmao', 'the', 'hell', 'again', 'now', 'why', 'how', 'who', 'was', 'just', 'even', 'but', 'tho', 'though'],
);

/**
 * What a reply could be about: Latin words of two letters or more, numbers and CJK
 * characters (total), and how many of them are not mere reaction words (meaningful).
 */
function contentUnits(s: string): { total: number; meaningful: number } {
  let total = 0;
  let meaningful = 0;
  let latin = 0;
  let start = 0;
  let digit = false;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 32;
    if (c >= 97 && c <= 122) {
      if (latin === 0) start = i;
      latin++;
      continue;
    }
    if (latin >= 2) {
      total++;
      if (!REACTION_WORDS.has(s.slice(start, i))) meaningful++;
    }
    latin = 0;
    if (i === s.length) break;
    const d = c >= 48 && c <= 57;
    if (d && !digit) {
      total++;
      meaningful++;
    }
    digit = d;
    if (isCjk(c)) {
      total++;
      meaningful++;
    }
    if (total >= 2 && meaningful >= 1) break;
  }
  return { total, meaningful };
}

function isEmote(token: string, platform: ReadonlySet<string> | undefined, extra: ReadonlySet<string> | undefined): boolean {
  if (platform?.has(token) || EXACT.has(token) || extra?.has(token)) return true;
  const low = token.toLowerCase();
  if (LOWER.has(low) || (extra !== undefined && !ENGLISH_WORD_EMOTES.has(low) && extra.has(low))) return true;
  return EMOJI_ONLY.test(token);
}

// Platform emote lists are tiny; a Set per call would cost more than it saves below ~8 names.
const platformSets = new WeakMap<readonly string[], ReadonlySet<string>>();
function platformSet(list: readonly string[] | undefined): ReadonlySet<string> | undefined {
  if (!list || list.length === 0) return undefined;
  let s = platformSets.get(list);
  if (!s) {
    s = new Set(list);
    platformSets.set(list, s);
  }
  return s;
}

/** Whether a comment is for the character, with the rules that fired. Pure. */
export function judgeAudience(input: AudienceInput): AudienceVerdict {
  const raw = input.text.length > MAX_READ ? input.text.slice(0, MAX_READ) : input.text;
  const norm = normalizeText(raw);
  const rules: RuleHit[] = [];
  let score = 0;
  const add = (name: AudienceRule): void => {
    const weight = AUDIENCE_WEIGHTS[name];
    rules.push({ name, weight });
    score += weight;
  };
  if (input.mention || input.repliesToBot) add('addresses_character');

  if (!input.mention && norm.includes('@') && AT_USER.test(norm)) add('at_other_user');
  if (TO_MODS.test(norm)) add('to_mods');
  if (TO_CHAT.test(norm)) add('to_chat');
  if (REQUEST_TO_OTHERS.test(norm)) add('request_to_others');
  if (LOADED.test(norm)) add('loaded_wording');
  if (THIRD_PERSON.test(norm)) add('third_person_streamer');
  if (JA_META.test(norm)) add('ja_meta_noise');
  if (META.test(norm)) add('meta_noise');

  // Words: emotes, laughter, caps and repetition are read per whitespace-separated token.
  const pset = platformSet(input.platformEmotes);
  // YouTube custom emoji arrive as :shortcode: glued to the text around them
  const tokens = (raw.includes(':') ? raw.replace(SHORTCODE, ' $1 ') : raw).split(/\s+/u);
  let words = 0;
  let emotes = 0;
  let upper = 0;
  let letters = 0;
  const seen = new Set<string>();
  let content = '';
  for (const t of tokens) {
    if (SHORTCODE_TOKEN.test(t)) {
      words++;
      emotes++;
      continue;
    }
    const tok = t.replace(EDGE_PUNCT, '');
    if (tok === '') continue;
    words++;
    if (isEmote(tok, pset, input.extraEmotes)) {
      emotes++;
      continue;
    }
    const low = tok.toLowerCase();
    seen.add(low);
    if (LAUGH_TOKEN.test(low)) continue;
    content += ` ${low}`;
    // caps are counted in Latin words only: "VTuberでRAGを" is Japanese with an acronym
    let up = 0;
    let lat = 0;
    let cjk = false;
    for (let i = 0; i < tok.length && !cjk; i++) {
      const c = tok.charCodeAt(i);
      if (c >= 65 && c <= 90) {
        up++;
        lat++;
      } else if (c >= 97 && c <= 122) lat++;
      else if (isCjk(c)) cjk = true;
    }
    if (!cjk) {
      upper += up;
      letters += lat;
    }
  }
  if (words > 0 && emotes > 0) {
    const share = emotes / words;
    if (share >= 0.5) add('emote_wall');
    else if (share >= 0.3 && emotes >= 2) add('emote_heavy');
  }
  const nonEmote = words - emotes;
  if ((nonEmote >= 4 && seen.size / nonEmote <= 0.5) || (nonEmote === 3 && seen.size === 1)) add('repetition');
  const shape = textShape(norm);
  // capitals in a mostly Latin text (acronyms in a Japanese sentence are not shouting)
  if (letters >= 10 && upper / letters >= 0.7 && letters / Math.max(1, shape.visible) >= 0.5) add('shouting');
  if (shape.longestRun >= 6) add('char_run');

  let laughChars = 0;
  if (shape.maybeLaugh) for (const m of norm.matchAll(LAUGH_CHARS)) laughChars += m[0].length;
  if (laughChars >= 3 && shape.visible > 0 && laughChars / shape.visible >= 0.5) add('laughter_share');

  // What is left to answer once emotes, laughter and punctuation are gone.
  const units = contentUnits(shape.maybeLaugh ? content.replace(LAUGH_CHARS, ' ') : content);
  if (units.total < 2 || units.meaningful === 0 || WHAT_WAS_THAT.test(content)) add('low_information');
  else if (shape.visible <= 24 && HAS_KANA.test(norm)) {
    const rest = laughChars > 0 ? norm.replace(LAUGH_CHARS, '') : norm;
    if (JA_REACTION_ONLY.test(rest) || (laughChars > 0 && JA_REACTION_LAUGHING.test(rest))) add('low_information');
  }

  if (ART.test(raw) || (shape.visible >= 20 && shape.symbols / shape.visible >= 0.4)) add('ascii_art');

  score = Math.round(score * 1000) / 1000;
  return { forMe: score < NOT_FOR_ME_AT, score, rules };
}
