/**
 * Rough script-based language guess for a chat comment: enough to tell the model which
 * language to answer in. Counts letters by script, ignoring @mentions, URLs, digits,
 * punctuation and emoji.
 */

const KANA = /[\p{sc=Hiragana}\p{sc=Katakana}ー]/u;
const HAN = /\p{sc=Han}/u;
const HANGUL = /\p{sc=Hangul}/u;
const LATIN = /\p{sc=Latin}/u;
const LETTER = /\p{L}/u;

/** Han characters needed before a kana-free comment is called Chinese. */
const MIN_HAN_FOR_ZH = 4;

/**
 * 'ja' if kana (with any kanji) make up at least 20% of the letters; 'ko' if Hangul makes up
 * at least 20%; 'zh' for Han without kana, only when clear (at least 4 Han characters and at
 * least half of the letters); 'en' when Latin letters are at least 60%; else `fallback`.
 */
export function detectLanguage(text: string, fallback: string): string {
  const body = text.replace(/@\S+/g, ' ').replace(/\b(?:https?:\/\/|www\.)\S+/gi, ' ');
  let kana = 0;
  let han = 0;
  let hangul = 0;
  let latin = 0;
  let letters = 0;
  for (const ch of body) {
    if (KANA.test(ch)) kana++;
    else if (HAN.test(ch)) han++;
    else if (HANGUL.test(ch)) hangul++;
    else if (LATIN.test(ch)) latin++;
    else if (!LETTER.test(ch)) continue;
    letters++;
  }
  if (letters === 0) return fallback;
  if (kana > 0 && (kana + han) / letters >= 0.2) return 'ja';
  if (hangul / letters >= 0.2) return 'ko';
  if (kana === 0 && han >= MIN_HAN_FOR_ZH && han / letters >= 0.5) return 'zh';
  if (latin / letters >= 0.6) return 'en';
  return fallback;
}
