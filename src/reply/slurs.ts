/**
 * A short built-in list of slurs in English and Japanese, matched by `findBlockedWord`
 * (case/width-insensitive; English entries on word boundaries with an optional plural "s",
 * Japanese entries as substrings, katakana and hiragana folded together).
 *
 * This is a modest starting point, not a complete list. Entries were chosen so they do not
 * hit ordinary words as substrings (e.g. not 害児, which is inside 障害児, nor かたわ, the start of かたわら).
 * Moderators extend filtering per deployment through the `bot:blocked_words` set
 * (`botctl`), which applies to comments and replies alike.
 */
export const BUILTIN_SLURS: readonly string[] = Object.freeze([
  // English: racial and ethnic
  'nigger',
  'nigga',
  'kike',
  'spic',
  'chink',
  'gook',
  'wetback',
  'jap',
  'raghead',
  'towelhead',
  // English: sexuality and gender
  'faggot',
  'fag',
  'tranny',
  // English: disability
  'retard',
  'retarded',
  // Japanese: ethnic
  'ジャップ',
  'ニガー',
  '支那人',
  'シナ人',
  'チョンコ',
  '穢多',
  // Japanese: disability
  '池沼',
  'きちがい',
  '気違い',
  'つんぼ',
  // Japanese: sexuality
  'ホモ野郎',
  'オカマ野郎',
]);
